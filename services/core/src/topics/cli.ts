#!/usr/bin/env node
/**
 * The topic catalogue on a broker, from the command line (what `kafka-management.sh init-topics` runs):
 *   cli.js init  [--brokers B] [--prefix P] [--replication-factor N]   create what is missing, report drift
 *   cli.js check [--brokers B] [--prefix P]                            report only, create nothing
 * Brokers: --brokers, else KAFKA_BROKERS, else KAFKA_BROKER, else 127.0.0.1:9092.
 * Exit codes: TOPICS_EXIT in topics-report.ts (0 ok, 2 broker unreachable, 3 drift, 4 missing).
 */
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from '../kafka/kafkajs.js';
import { SlbError, isSlbError } from '../errors/index.js';
import { ensureTopics } from './ensure-topics.js';
import { TOPICS_EXIT, topicsOutcome, type TopicsCommand } from './topics-report.js';

const USAGE = 'usage: cli.js init|check [--brokers HOST:PORT,...] [--prefix PREFIX] [--replication-factor N]';

interface CliConfig {
  readonly command: TopicsCommand;
  readonly brokers: string[];
  readonly prefix: string;
  readonly replicationFactor: number;
}

function readConfig(argv: readonly string[], env: NodeJS.ProcessEnv): CliConfig {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        brokers: { type: 'string' },
        prefix: { type: 'string', default: '' },
        'replication-factor': { type: 'string', default: '1' },
      },
    });
  } catch (cause) {
    throw new SlbError('SLB_CONFIG_INVALID', `${cause instanceof Error ? cause.message : String(cause)}\n${USAGE}`, { cause });
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if ((command !== 'init' && command !== 'check') || positionals.length !== 1) {
    throw new SlbError('SLB_CONFIG_INVALID', USAGE);
  }
  const replicationFactor = Number(values['replication-factor']);
  if (!Number.isInteger(replicationFactor) || replicationFactor < 1) {
    throw new SlbError('SLB_CONFIG_INVALID', `--replication-factor must be a positive integer, not "${values['replication-factor']}"`);
  }
  const brokers = (values.brokers ?? env.KAFKA_BROKERS ?? env.KAFKA_BROKER ?? '127.0.0.1:9092')
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  return { command, brokers, prefix: values.prefix, replicationFactor };
}

async function run(config: CliConfig): Promise<number> {
  // Few, quick retries: an operator waiting on a down broker wants to hear so within seconds.
  const kafka = new Kafka({
    clientId: 'slb-topics-cli',
    brokers: config.brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    retry: { retries: 3, initialRetryTime: 300 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
  } catch (cause) {
    throw new SlbError(
      'SLB_KAFKA_UNREACHABLE',
      `Kafka broker at ${config.brokers.join(',')} is not reachable — start it with: deployment/kafka/kafka-management.sh start`,
      { cause },
    );
  }
  try {
    const report = await ensureTopics(admin, {
      prefix: config.prefix,
      create: config.command === 'init',
      replicationFactor: config.replicationFactor,
    });
    const outcome = topicsOutcome(config.command, report);
    const where = config.prefix === '' ? config.brokers.join(',') : `${config.brokers.join(',')} (prefix "${config.prefix}")`;
    process.stdout.write(`Topic catalogue on ${where}:\n${outcome.text}\n`);
    return outcome.exitCode;
  } finally {
    await admin.disconnect();
  }
}

async function main(): Promise<number> {
  try {
    return await run(readConfig(process.argv.slice(2), process.env));
  } catch (error) {
    if (isSlbError(error)) {
      process.stderr.write(`error [${error.code}]: ${error.message}\n`);
      if (error.code === 'SLB_CONFIG_INVALID') return TOPICS_EXIT.usage;
      if (error.code === 'SLB_KAFKA_UNREACHABLE') return TOPICS_EXIT.unreachable;
      return TOPICS_EXIT.failed;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`error: ${message}\n`);
    return TOPICS_EXIT.failed;
  }
}

process.exitCode = await main();
