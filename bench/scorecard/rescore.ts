/**
 * Recomputes the scorecard's table from a raw results file, without running anything again:
 * for a judgment that was changed after a run, or to question a figure.
 *
 *   npx tsx bench/scorecard/rescore.ts bench/results/scorecard-raw-<time>.json… [bench/results/scorecard-<time>.json…]
 *
 * Several raw files make one table (e.g. two runs of different scenarios). A summary file of
 * the same run supplies the peers' figures for raw files written before they were kept there. Functions in scenarios (the burst's rate) do
 * not survive JSON; nothing here needs them.
 */
import { readFileSync } from 'node:fs';
import type { Buckets } from './instances.js';
import type { Decision } from './observer.js';
import type { RunData } from './run-scenario.js';
import type { Scenario } from './scenarios.js';
import { buildRow, type PeerFigures, type Row } from './scorecard-row.js';
import { scorecardNotes, scorecardTable } from './report.js';

type Dumped = Omit<RunData, 'counts' | 'observed'> & {
  counts: Record<string, Array<[number, number]>>;
  observed?: Omit<NonNullable<RunData['observed']>, 'decisions'> & { decisions: Decision[] };
};

function revive(d: Dumped | undefined): RunData | undefined {
  if (d === undefined) return undefined;
  const counts = new Map<string, Buckets>(Object.entries(d.counts).map(([id, b]) => [id, new Map(b)]));
  const observed = d.observed === undefined ? undefined : { ...d.observed, decisions: new Map(d.observed.decisions.map((x) => [x.version, x])) };
  return { ...d, counts, observed };
}

const files = process.argv.slice(2);
const rawFiles = files.filter((f) => /scorecard-raw-/.test(f));
if (rawFiles.length === 0) throw new Error('usage: rescore.ts <scorecard-raw-*.json>… [scorecard-*.json…]');
const summaryRows = files.filter((f) => !rawFiles.includes(f)).flatMap((f) => (JSON.parse(readFileSync(f, 'utf8')) as { rows: Row[] }).rows);
const rows: Row[] = [];
for (const file of rawFiles) {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { scenario: Scenario; run: Dumped; oracle?: Dumped; peers?: Record<string, PeerFigures> }>;
  for (const [label, d] of Object.entries(raw)) {
    const peers = d.peers ?? summaryRows.find((r) => r.scenario === label)?.peers ?? {};
    rows.push({ ...buildRow(d.scenario, revive(d.run)!, revive(d.oracle), peers), scenario: label });
  }
}
process.stdout.write(`rescored ${rawFiles.join(', ')}\n\n${scorecardTable(rows)}\n\n${scorecardNotes(rows)}\n`);
