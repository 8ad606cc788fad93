/**
 * The decision-quality scorecard: scripted faults against the real product, judged against
 * the ground truth, one row per scenario.
 *
 *   npm run scorecard [-- --only killed,hung] [--quick] [--list] [--rate 200] [--no-peers]
 *     [--proxy-cpus 0] [--load-cpus 1]
 *
 * Standalone mode (every role in one process, in-process bus). Needs a build (npx tsc -b),
 * and nginx and haproxy on the PATH for the gray-failure comparison (skipped with a note
 * when missing). Prints the table even when targets are missed; misses are marked, never
 * hidden. Raw results: bench/results/scorecard-*.json (gitignored).
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { killChildrenOnSignal, pinSelf } from '../proxy/processes.js';
import { writeResults } from '../proxy/report.js';
import { runScenario, type RunData, type RunSettings } from './run-scenario.js';
import { instanceIds, scenarios } from './scenarios.js';
import { stateTimeline } from './measures.js';
import { kafkaTarget, type OwnedKafka } from './kafka-target.js';
import { productRoot, useProduct } from './product.js';
import { isClientError } from './open-loop-client.js';
import { buildRow, peerFigures, type PeerFigures, type Row } from './scorecard-row.js';
import { scorecardNotes, scorecardTable } from './report.js';

const { values: opt } = parseArgs({
  options: {
    only: { type: 'string' },
    quick: { type: 'boolean', default: false },
    list: { type: 'boolean', default: false },
    rate: { type: 'string', default: '200' },
    'timeout-ms': { type: 'string', default: '2000' },
    'no-peers': { type: 'boolean', default: false },
    mode: { type: 'string', default: 'standalone' },
    product: { type: 'string' },
    'proxy-cpus': { type: 'string', default: '0' },
    'load-cpus': { type: 'string', default: '1' },
    // The balancing policy of the service (default: the product's own default), to compare
    // policies in the same conditions: --policy PEAK_EWMA.
    policy: { type: 'string' },
  },
  strict: true,
});

if (opt.product !== undefined) useProduct(opt.product);
const all = scenarios(opt.quick ? 0.6 : 1);
if (opt.list) {
  for (const s of all) process.stdout.write(`${s.name.padEnd(20)} ${s.injects}\n${''.padEnd(20)} why: ${s.why}\n`);
  process.exit(0);
}
const wanted = opt.only?.split(',').map((n) => n.trim());
for (const w of wanted ?? []) if (!all.some((s) => s.name === w)) throw new Error(`unknown scenario ${w}; --list shows them`);
const chosen = all
  .filter((s) => wanted === undefined || wanted.includes(s.name))
  .map((s) => (opt.policy === undefined ? s : { ...s, name: `${s.name} [${opt.policy}]`, serviceOverrides: { ...s.serviceOverrides, policy: { type: opt.policy } } }));
const MODES = ['standalone', 'distributed', 'both'] as const;
if (!(MODES as readonly string[]).includes(opt.mode)) throw new Error(`--mode must be one of ${MODES.join(', ')}`);
const modes = opt.mode === 'both' ? (['standalone', 'distributed'] as const) : ([opt.mode] as ['standalone' | 'distributed']);

const baseSettings: RunSettings = {
  ratePerSec: Number(opt.rate),
  timeoutMs: Number(opt['timeout-ms']),
  warmupMs: opt.quick ? 3_000 : 5_000,
  proxyCpus: opt['proxy-cpus'],
  loadCpus: opt['load-cpus'],
};

const onPath = (cmd: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const peerKinds = opt['no-peers'] ? [] : (['nginx', 'haproxy'] as const).filter(onPath);
const notes: string[] = [];
if (!opt['no-peers']) for (const p of ['nginx', 'haproxy']) if (!onPath(p)) notes.push(`${p} is not on the PATH: its column is empty`);

killChildrenOnSignal();
await pinSelf(baseSettings.loadCpus);
const startedAt = new Date();
const loadBefore = loadavg();
process.stderr.write(`scorecard: ${chosen.length} scenario(s), ${baseSettings.ratePerSec} req/s open loop, ${opt.mode} mode, load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}\n`);

/** The 30 slowest requests, relative to the first fault step: where the p99 comes from. */
const slowest = (run: RunData) =>
  [...run.records]
    .sort((a, b) => b.latencyMs - a.latencyMs)
    .slice(0, 30)
    .map((r) => ({ sentAfterFaultMs: Math.round(r.sentAtMs - (run.stepAtMs[0] ?? run.startMs)), latencyMs: Math.round(r.latencyMs), status: r.status, instance: r.instance, error: r.error }));

const rows: Row[] = [];
const raw: Record<string, unknown> = {};
const fullData: Record<string, unknown> = {};
const dump = (run: RunData | undefined) =>
  run === undefined ? undefined : { ...run, counts: Object.fromEntries([...run.counts].map(([id, b]) => [id, [...b]])), observed: run.observed === undefined ? undefined : { ...run.observed, decisions: [...run.observed.decisions.values()] } };
for (const mode of modes) {
  let kafka: OwnedKafka | undefined;
  if (mode === 'distributed') {
    try {
      kafka = await kafkaTarget(process.env);
      notes.push(`distributed mode: 2 proxies, 1 health-scorer, 1 controller, each its own process, on ${kafka.origin}`);
    } catch (err) {
      notes.push(`distributed mode did not run: ${(err as Error).message}`);
      continue;
    }
  }
  const settings: RunSettings = { ...baseSettings, kafka: kafka?.target };
  const product = mode === 'standalone' ? ('slb' as const) : ('slb-distributed' as const);
  const oracleMode = mode === 'standalone' ? ('oracle' as const) : ('oracle-distributed' as const);
  try {
    for (const sc of chosen) {
      if (sc.modes !== undefined && !sc.modes.includes(mode)) continue;
      const label = modes.length > 1 || mode === 'distributed' ? `${sc.name} (${mode})` : sc.name;
      process.stderr.write(`- ${label}: ${sc.injects}\n`);
      try {
        const run = await runScenario(sc, product, settings);
        const oracle: RunData | undefined = sc.oracle ? await runScenario(sc, oracleMode, settings) : undefined;
        const peers: Record<string, PeerFigures> = {};
        // The peers do not depend on the product's mode: run them once, beside standalone.
        if (sc.peers === true && mode === modes[0]) {
          for (const kind of peerKinds) {
            try {
              peers[kind] = peerFigures(sc, await runScenario(sc, kind, settings));
            } catch (err) {
              notes.push(`${sc.name}: ${kind} did not run (${(err as Error).message.split('\n')[0]})`);
            }
          }
        }
        const row = { ...buildRow(sc, run, oracle, peers), scenario: label };
        fullData[label] = { scenario: sc, run: dump(run), oracle: dump(oracle), peers };
        rows.push(row);
        raw[label] = {
          row,
          slowest: slowest(run),
          errors: run.records
            .filter(isClientError)
            .slice(0, 40)
            .map((r) => ({ sentAfterFaultMs: Math.round(r.sentAtMs - (run.stepAtMs[0] ?? run.startMs)), latencyMs: Math.round(r.latencyMs), status: r.status, error: r.error })),
          oracleSlowest: oracle === undefined ? undefined : slowest(oracle),
          timeline: stateTimeline(run.observed?.samples ?? [], instanceIds(sc.instances), run.startMs),
          stepsAfterStartMs: run.stepAtMs.map((t) => t - run.startMs),
          samples: run.observed?.samples.length,
          audit: run.observed?.audit,
          alerts: run.observed?.alerts,
          why: run.observed?.why,
        };
        process.stderr.write(`  ${row.misses.length === 0 ? 'all targets met' : `missed: ${row.misses.join('; ')}`} (load ${row.loadavg1.toFixed(1)})\n`);
      } catch (err) {
        notes.push(`${label}: did not complete: ${(err as Error).stack ?? String(err)}`);
        process.stderr.write(`  did not complete: ${(err as Error).message}\n`);
      }
    }
  } finally {
    await kafka?.close();
  }
}

/** The commit the product was built from, and whether its sources differ from it. */
function productVersion(): string {
  try {
    const head = execFileSync('git', ['-C', productRoot(), 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const status = execFileSync('git', ['-C', productRoot(), 'status', '--porcelain', '--', 'services'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    // A snapshot's node_modules links (see docs/decision-quality.md) are no change to the product.
    const dirty = status.split('\n').some((line) => line.trim() !== '' && !/node_modules\/?$/.test(line));
    return `${head}${dirty ? ' + uncommitted changes in services/' : ''}`;
  } catch {
    return productRoot();
  }
}

const loadAfter = loadavg();
const cmd = `npm run scorecard --${opt.only === undefined ? '' : ` --only ${opt.only}`}${opt.quick ? ' --quick' : ''}${opt.mode === 'standalone' ? '' : ` --mode ${opt.mode}`} --rate ${baseSettings.ratePerSec}`;
process.stdout.write(
  `\n${cmd}\n${startedAt.toISOString()}, ${opt.mode} mode, product ${productVersion()}, load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}\n\n${scorecardTable(rows)}\n\n${scorecardNotes(rows)}\n${notes.length === 0 ? '' : `\n${notes.map((n) => `- ${n}`).join('\n')}\n`}`,
);
// Everything measured, so a figure can be recomputed or questioned without running again.
writeResults('scorecard-raw', fullData);
const file = writeResults('scorecard', { command: cmd, startedAt: startedAt.toISOString(), loadBefore, loadAfter, settings: baseSettings, rows, raw, notes });
process.stdout.write(`\nresults: ${file}\n`, () => process.exit(0));
