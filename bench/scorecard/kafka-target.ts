/**
 * Where distributed mode finds Kafka and the schema registry: KAFKA_BROKERS and
 * SCHEMA_REGISTRY_URL when both are set (a broker someone already runs), otherwise a private
 * pair started with deployment/kafka/kafka-management.sh on ports of the scorecard's range, in
 * its own runtime directory, and stopped at the end (Java 17 and Maven needed; the first start
 * downloads the jars).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { KafkaTarget } from '../proxy/kafka-namespace.js';
import { takePorts } from './ports.js';

const execFileP = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../deployment/kafka/kafka-management.sh', import.meta.url));

export interface OwnedKafka {
  readonly target: KafkaTarget;
  /** Where it came from, for the report. */
  readonly origin: string;
  close(): Promise<void>;
}

export async function kafkaTarget(env: NodeJS.ProcessEnv): Promise<OwnedKafka> {
  if (env.KAFKA_BROKERS !== undefined && env.SCHEMA_REGISTRY_URL !== undefined) {
    return { target: { brokers: env.KAFKA_BROKERS, registryUrl: env.SCHEMA_REGISTRY_URL }, origin: `KAFKA_BROKERS=${env.KAFKA_BROKERS}`, close: async () => undefined };
  }
  const [kafkaPort, controllerPort, registryPort] = (await takePorts(3)) as [number, number, number];
  const runtimeDir = mkdtempSync(join(tmpdir(), 'slb-scorecard-kafka-'));
  const scriptEnv: NodeJS.ProcessEnv = { ...env };
  for (const name of ['KAFKA_BROKER', 'KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'KAFKA_INTERNAL_BROKER']) delete scriptEnv[name];
  Object.assign(scriptEnv, {
    SLB_KAFKA_MODE: 'native',
    SLB_KAFKA_HOME: runtimeDir,
    KAFKA_PORT: String(kafkaPort),
    KAFKA_CONTROLLER_PORT: String(controllerPort),
    REGISTRY_PORT: String(registryPort),
    KAFKA_HEAP_OPTS: env.KAFKA_HEAP_OPTS ?? '-Xmx512m -Xms256m -XX:TieredStopAtLevel=1',
  });
  const run = (cmd: string) => execFileP('bash', [SCRIPT, cmd], { env: scriptEnv, timeout: 600_000, maxBuffer: 16 * 1024 * 1024 });
  process.stderr.write(`starting a private Kafka broker and registry (${runtimeDir})\n`);
  try {
    await run('start');
  } catch (err) {
    await run('stop').catch(() => undefined);
    rmSync(runtimeDir, { recursive: true, force: true });
    throw new Error(`kafka-management.sh start failed: ${(err as Error).message.slice(0, 600)}`);
  }
  return {
    target: { brokers: `127.0.0.1:${kafkaPort}`, registryUrl: `http://127.0.0.1:${registryPort}/apis/ccompat/v7` },
    origin: `a private broker on 127.0.0.1:${kafkaPort}`,
    async close() {
      await run('stop').catch(() => undefined);
      rmSync(runtimeDir, { recursive: true, force: true });
    },
  };
}
