/**
 * slbctl's program: commander parses, each command group registers itself, and every failure
 * ends as one line on stderr and an exit code (exit-codes.ts). `run` is the whole CLI as a
 * function, so tests call it in-process and main.ts only wires the process to it.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { SlbError } from '@slb/core';
import { registerAlerts } from './commands/alerts.js';
import { registerConfig } from './commands/config.js';
import { registerDlq } from './commands/dlq.js';
import { registerStatus } from './commands/status.js';
import { registerTail } from './commands/tail.js';
import { registerWhy } from './commands/why.js';
import { EXIT, errorLine, exitCodeFor } from './exit-codes.js';
import type { Io } from './io.js';
import { DEFAULT_TIMEOUT } from './settings.js';

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

const EXIT_HELP = `
Exit codes:
  0  ok                       3  invalid config
  1  failure (e.g. not found) 4  broker or registry unreachable
  2  bad arguments            5  pushed config did not converge before --timeout
                              6  a proxy rejected the pushed config

Environment: KAFKA_BROKERS, SCHEMA_REGISTRY_URL, SLB_TOPIC_PREFIX, KAFKA_SASL_*, KAFKA_TLS_*,
SCHEMA_REGISTRY_USERNAME/PASSWORD, SLBCTL_SIGN_KEY_FILE, SLBCTL_ACTOR, SLBCTL_TIMEOUT.`;

export function buildProgram(io: Io, setExit: (code: number) => void, errors: string[]): Command {
  const program = new Command('slbctl')
    .description('operate the smart load balancer: push and roll back config, see status, ask why, tail topics, alerts, dead letters')
    .version(packageVersion(), '-V, --version')
    .addOption(new Option('--brokers <list>', 'Kafka brokers host:port,... (overrides $KAFKA_BROKERS)'))
    .addOption(new Option('--registry <url>', 'schema registry URL (overrides $SCHEMA_REGISTRY_URL)'))
    .addOption(new Option('--topic-prefix <prefix>', 'prefix of every topic and registry subject (overrides $SLB_TOPIC_PREFIX)'))
    .addOption(new Option('--timeout <duration>', `longest wait for the broker, a topic read or convergence (default ${DEFAULT_TIMEOUT})`))
    .option('--json', 'print the result as JSON on stdout')
    .addHelpText('after', EXIT_HELP)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => errors.push(text),
      outputError: (text) => errors.push(text),
    });
  registerConfig(program, io, setExit);
  registerStatus(program, io, setExit);
  registerWhy(program, io, setExit);
  registerTail(program, io, setExit);
  registerAlerts(program, io, setExit);
  registerDlq(program, io, setExit);
  return program;
}

/** The command an argv names, as far as it names existing commands ("slbctl config push"). */
function commandPath(program: Command, argv: readonly string[]): string {
  const path = [program.name()];
  let current = program;
  for (const token of argv) {
    if (token.startsWith('-')) continue;
    const next = current.commands.find((c) => c.name() === token || c.aliases().includes(token));
    if (next === undefined) break;
    path.push(next.name());
    current = next;
  }
  return path.join(' ');
}

/** Runs slbctl with `argv` (without node and script) and returns the exit code. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  let exitCode: number = EXIT.OK;
  const commanderOutput: string[] = [];
  const program = buildProgram(io, (code) => (exitCode = code), commanderOutput);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.OK;
      if (error.code === 'commander.help' || error.code === 'commander.executeSubCommandAsync') {
        // A command group without its subcommand: commander printed the group's help; say it in one line.
        const usage = /Usage: (\S+(?: \S+)*?) \[options\]/.exec(commanderOutput.join(''));
        io.stderr(`slbctl: missing command (see: ${usage?.[1] ?? 'slbctl'} --help) [SLB_CLI_USAGE]\n`);
        return EXIT.USAGE;
      }
      const message = error.message.replace(/^error: /, '');
      io.stderr(`${errorLine(new SlbError('SLB_CLI_USAGE', `${message} (see: ${commandPath(program, argv)} --help)`))}\n`);
      return EXIT.USAGE;
    }
    io.stderr(`${errorLine(error)}\n`);
    return exitCodeFor(error);
  }
}
