/**
 * The load generator: `npm run loadtest -- --rate N --duration S [--burst R:S@E]`. Parses the
 * command line, plans the phases, checks the target answers TCP, runs each phase with
 * autocannon and prints the report. Exit 0 done, 1 unreachable / nothing answered, 2 bad usage,
 * 130 interrupted (the report covers the phases run so far).
 * See docs/loadtest.md.
 */
import { isSlbError, SlbError } from '../../services/core/src/errors/index.js';
import { parseCommandLine, USAGE, type LoadOptions } from './cli-args.js';
import { mergeRecorders, type LatencyRecorder } from './latency.js';
import { planPhases, type Phase } from './phase-plan.js';
import { buildReport, finalLine, formatText, type PhaseOutcome } from './report.js';
import { assertReachable } from './reachability.js';
import { runPhase, type RunningPhase } from './run-phase.js';

const CONNECT_TIMEOUT_MS = 3_000;
const PROGRESS_EVERY_SECONDS = 10;

async function main(argv: readonly string[]): Promise<number> {
  let options: LoadOptions;
  try {
    const cmd = parseCommandLine(argv);
    if (cmd.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    options = cmd.options;
  } catch (err) {
    if (isSlbError(err, 'SLB_LOADTEST_USAGE')) {
      process.stderr.write(`loadtest: ${err.message} (see --help)\n`);
      return 2;
    }
    throw err;
  }

  const phases = planPhases(options);
  await assertReachable(options.url, CONNECT_TIMEOUT_MS);
  process.stderr.write(`${describe(options, phases)}\n`);

  let interrupted = false;
  let current: RunningPhase | undefined;
  const onSigint = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write('loadtest: interrupted, finishing the report (Ctrl-C again to quit)\n');
    current?.stop();
  };
  process.on('SIGINT', onSigint);

  const outcomes: PhaseOutcome[] = [];
  const recorders: LatencyRecorder[] = [];
  for (const phase of phases) {
    if (interrupted) break;
    current = runPhase(phase, options);
    let seconds = 0;
    current.onTick((responses) => {
      seconds += 1;
      if (seconds % PROGRESS_EVERY_SECONDS === 0) process.stderr.write(`  ${phase.name}: ${seconds} s, ${responses} responses\n`);
    });
    const { outcome, latency } = await current.done;
    outcomes.push(outcome);
    recorders.push(latency);
    if (phases.length > 1) {
      const ok = Object.values(outcome.statusCodes).reduce((a, b) => a + b, 0);
      process.stderr.write(`  ${phase.name}: ${phase.rate}/s for ${phase.seconds} s -> ${ok} responses, ${outcome.errors} errors\n`);
    }
  }
  process.off('SIGINT', onSigint);

  const report = buildReport(
    { url: options.url, method: options.method, scenario: options.scenario, scale: options.scale, connections: options.connections, interrupted },
    outcomes,
    mergeRecorders(recorders).summary(),
  );
  process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatText(report)}\n`);
  if (report.total.responses === 0 && !interrupted) {
    const err = new SlbError('SLB_LOADTEST_TARGET_UNREACHABLE', `${options.url} answered none of ${report.total.sent} requests (${report.total.errors} errors, ${report.total.timeouts} timeouts)`);
    process.stderr.write(`loadtest: ${err.message}\n`);
    return 1;
  }
  if (options.json) process.stderr.write(`${finalLine(report)}\n`);
  // 128 + SIGINT, as a shell reports a command stopped by Ctrl-C: the report is partial.
  return interrupted ? 130 : 0;
}

function describe(o: LoadOptions, phases: readonly Phase[]): string {
  const shape = o.burst === undefined ? `${o.rate}/s` : `${o.rate}/s with spikes to ${o.burst.rate}/s for ${o.burst.seconds} s every ${o.burst.everySeconds} s`;
  const scenario = o.scenario === undefined ? '' : `, scenario ${o.scenario}${o.scale === 1 ? '' : ` x${o.scale}`}`;
  return `loadtest: ${o.method} ${o.url} at ${shape} for ${o.durationSeconds} s (${phases.length} phase${phases.length === 1 ? '' : 's'}${scenario})`;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`loadtest: ${message.split('\n')[0]}\n`);
    process.exitCode = 1;
  },
);
