#!/usr/bin/env node
/** The slbctl executable: the process's streams, environment and Ctrl-C wired to run(). */
import { run } from './cli.js';
import { processEnv } from './settings.js';

const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
process.once('SIGTERM', () => stop.abort());

const code = await run(process.argv.slice(2), {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  env: processEnv(),
  now: () => Date.now(),
  signal: stop.signal,
});
// Kafka clients may leave sockets and timers behind; the command is done, so leave now
// (after stdout drains, so piped output is complete).
process.stdout.write('', () => process.exit(code));
