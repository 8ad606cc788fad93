/**
 * One scenario's row: the product's run judged against the ground truth, beside the oracle's
 * and the peers' client figures, with every missed target named. Pure.
 */
import { checkConsistency } from './consistency.js';
import {
  arrivals,
  badSpans,
  clientErrors,
  falseCuts,
  firstArrivalAfter,
  fullyBackAfter,
  judgeAlerts,
  p99,
  lastArrivalAfter,
  share,
  shareBelowAfter,
  weightBelowAfter,
} from './measures.js';
import type { RunData } from './run-scenario.js';
import { instanceIds, type Scenario } from './scenarios.js';

export const TARGETS = {
  hardOutMs: 1_000,
  grayShareBelowMs: 5_000,
  grayShare: 0.05,
  p99Ratio: 1.2,
} as const;

export interface PeerFigures {
  readonly p99Ms: number | null;
  readonly errors: number;
  readonly badShareAfter5s: number | null;
}

export interface Row {
  readonly scenario: string;
  readonly loadavg1: number;
  readonly falseEjectionSec: number;
  readonly falseEjectionByPart: Record<string, number>;
  readonly alertsFired: number;
  readonly alertNames: string[];
  readonly falseAlerts: string[];
  /** Worst over the bad instances: fault start → the last request that still reached it. */
  readonly noTrafficAfterMs: number | null | undefined;
  readonly noTrafficMeasuredAt: 'instance' | 'proxy tries' | undefined;
  /** Fault start → weight below 0.1 (any part), and by the controller's decision alone. */
  readonly weightBelowAfterMs: number | null | undefined;
  readonly decisionBelowAfterMs: number | null | undefined;
  /** Gray faults: fault start → share below 5 % (1 s windows); the share from 5 s after the start. */
  readonly shareBelowAfterMs: number | null | undefined;
  readonly badShareAfter5s: number | null | undefined;
  /** Faults that end: end → first request reaches it again / fully back in every part. */
  readonly firstRequestAfterEndMs: number | null | undefined;
  readonly fullyBackAfterEndMs: number | null | undefined;
  readonly clientErrors: number;
  readonly clientErrorKinds: Record<string, number>;
  readonly requests: number;
  readonly p99Ms: number | null;
  readonly oracleP99Ms: number | null | undefined;
  readonly p99Ratio: number | null | undefined;
  readonly peers: Record<string, PeerFigures>;
  readonly ejections: number;
  readonly mismatches: string[];
  readonly misses: string[];
}

function faultWindow(sc: Scenario, run: RunData): [number, number] {
  const spans = badSpans(sc, run);
  const end = run.startMs + sc.durationMs;
  if (spans.length === 0) return [run.startMs, end];
  const from = Math.min(...spans.map((s) => s.fromMs));
  const to = Math.max(...spans.map((s) => s.toMs ?? end));
  return [from, Math.min(to, end)];
}

const worst = (vs: Array<number | null>): number | null => (vs.length === 0 ? null : vs.includes(null) ? null : Math.max(...(vs as number[])));

export function peerFigures(sc: Scenario, run: RunData): PeerFigures {
  const [from, to] = faultWindow(sc, run);
  const bad = badSpans(sc, run)[0];
  return {
    p99Ms: p99(run.records, from, to),
    errors: clientErrors(run.records).count,
    badShareAfter5s: bad === undefined ? null : share(run.counts, bad.instance, bad.fromMs + 5_000, to),
  };
}

export function buildRow(sc: Scenario, run: RunData, oracle: RunData | undefined, peers: Record<string, PeerFigures>): Row {
  const obs = run.observed!;
  const ids = instanceIds(sc.instances);
  const spans = badSpans(sc, run);
  const runEnd = run.startMs + sc.durationMs;
  const pathFaults = (sc.pathFaults ?? []).map((f) => ({ ...f, fromMs: run.startMs + f.fromMs }));
  const cuts = falseCuts(obs.samples, ids, spans, pathFaults);
  const alerts = judgeAlerts(obs, ids, spans);
  const [from, to] = faultWindow(sc, run);
  const deadFault = (id: string) => sc.steps.some((s) => s.instance === id && (s.action.kind === 'kill' || s.action.kind === 'down'));
  const detection = sc.faultClass !== 'none';
  const gray = sc.faultClass === 'gray';
  const ending = spans.filter((s) => s.toMs !== undefined);
  const errors = clientErrors(run.records);
  const p = p99(run.records, from, to);
  const op = oracle === undefined ? undefined : p99(oracle.records, ...faultWindow(sc, oracle));
  const consistency = checkConsistency(obs);
  const row = {
    scenario: sc.name,
    loadavg1: run.loadavg1,
    falseEjectionSec: cuts.instanceSeconds,
    falseEjectionByPart: cuts.byPart,
    alertsFired: alerts.fired,
    alertNames: alerts.names,
    falseAlerts: alerts.falseAlerts,
    noTrafficAfterMs: detection ? worst(spans.map((s) => lastArrivalAfter(arrivals(run, s.instance, !deadFault(s.instance)), s.fromMs, s.toMs ?? runEnd))) : undefined,
    noTrafficMeasuredAt: detection ? (spans.some((s) => deadFault(s.instance)) ? ('proxy tries' as const) : ('instance' as const)) : undefined,
    weightBelowAfterMs: detection ? worst(spans.map((s) => weightBelowAfter(obs.samples, s.instance, s.fromMs, false))) : undefined,
    decisionBelowAfterMs: detection ? worst(spans.map((s) => weightBelowAfter(obs.samples, s.instance, s.fromMs, true))) : undefined,
    shareBelowAfterMs: gray ? worst(spans.map((s) => shareBelowAfter(run.counts, s.instance, s.fromMs, s.toMs ?? runEnd))) : undefined,
    badShareAfter5s: gray ? share(run.counts, spans[0]!.instance, spans[0]!.fromMs + 5_000, to) : undefined,
    firstRequestAfterEndMs: ending.length > 0 ? worst(ending.map((s) => firstArrivalAfter(run.counts.get(s.instance) ?? new Map(), s.toMs!))) : undefined,
    fullyBackAfterEndMs: ending.length > 0 ? worst(ending.map((s) => fullyBackAfter(obs.samples, s.instance, s.toMs!))) : undefined,
    clientErrors: errors.count,
    clientErrorKinds: errors.kinds,
    requests: run.records.length,
    p99Ms: p,
    oracleP99Ms: op,
    p99Ratio: op === undefined ? undefined : p === null || op === null || op === 0 ? null : p / op,
    peers,
    ejections: consistency.ejections,
    mismatches: consistency.mismatches,
  };
  const misses: string[] = [];
  if (row.falseEjectionSec > 0) misses.push('false ejection');
  if (row.falseAlerts.length > 0) misses.push('false alerts');
  if (row.clientErrors > 0) misses.push('client errors');
  if (sc.faultClass === 'hard' && sc.name !== 'all-failing' && (row.noTrafficAfterMs == null || row.noTrafficAfterMs > TARGETS.hardOutMs)) misses.push('hard fault not out within 1 s');
  if (gray && (row.shareBelowAfterMs == null || row.shareBelowAfterMs > TARGETS.grayShareBelowMs)) misses.push('gray fault not below 5 % within 5 s');
  if (row.p99Ratio !== undefined && (row.p99Ratio === null || row.p99Ratio > TARGETS.p99Ratio)) misses.push('p99 > 1.2× oracle');
  if (ending.length > 0 && row.fullyBackAfterEndMs === null) misses.push('recovered instance not fully back by the end');
  if (row.mismatches.length > 0) misses.push('inconsistent');
  return { ...row, misses };
}
