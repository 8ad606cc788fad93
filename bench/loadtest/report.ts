/**
 * Aggregation and formatting of a run: per-phase outcomes -> one report (requested vs achieved
 * rate, counts by outcome, latency percentiles), as text for people and JSON for machines.
 * Pure: outcomes and the merged latency summary come in as data.
 */
import type { LatencySummary } from './latency.js';
import type { Phase, PhaseKind } from './phase-plan.js';

/** What one phase measured. */
export interface PhaseOutcome {
  readonly phase: Phase;
  /** Wall time the phase really ran (autocannon's own measure). */
  readonly elapsedSeconds: number;
  /** Requests written to a socket. */
  readonly sent: number;
  /** Responses by status code, e.g. { '200': 990, '503': 10 }. */
  readonly statusCodes: Readonly<Record<string, number>>;
  /** Socket errors and timeouts, as autocannon counts them (a timeout is also an error). */
  readonly errors: number;
  readonly timeouts: number;
  readonly latency: LatencySummary;
}

export interface RunInfo {
  readonly url: string;
  readonly method: string;
  readonly scenario: string | undefined;
  readonly scale: number;
  /** undefined: chosen per phase. */
  readonly connections: number | undefined;
  readonly interrupted: boolean;
}

export interface Counts {
  readonly requestedRate: number;
  readonly achievedRate: number;
  readonly plannedSeconds: number;
  readonly elapsedSeconds: number;
  readonly sent: number;
  readonly responses: number;
  /**
   * Sent but never answered: reset or closed by the target, timed out, or still in flight when
   * the phase ended. autocannon counts a connection the target closes under a request as no
   * error at all, so this is the number that shows it.
   */
  readonly unanswered: number;
  readonly ok2xx: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly statusCodes: Readonly<Record<string, number>>;
  readonly latencyMs: Omit<LatencySummary, 'count'>;
}

export interface PhaseReport extends Counts {
  readonly name: string;
  readonly kind: PhaseKind;
}

export interface Report extends RunInfo {
  readonly phases: readonly PhaseReport[];
  readonly total: Counts;
}

export function buildReport(info: RunInfo, outcomes: readonly PhaseOutcome[], overallLatency: LatencySummary): Report {
  const phases = outcomes.map((o): PhaseReport => ({
    name: o.phase.name,
    kind: o.phase.kind,
    ...counts([o], o.phase.rate, o.latency),
  }));
  const plannedSeconds = sum(outcomes.map((o) => o.phase.seconds));
  // The overall requested rate is the planned requests over the planned time.
  const requested = plannedSeconds === 0 ? 0 : sum(outcomes.map((o) => o.phase.rate * o.phase.seconds)) / plannedSeconds;
  return { ...info, phases, total: counts(outcomes, round(requested, 1), overallLatency) };
}

function counts(outcomes: readonly PhaseOutcome[], requestedRate: number, latency: LatencySummary): Counts {
  const statusCodes: Record<string, number> = {};
  for (const o of outcomes) for (const [code, n] of Object.entries(o.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + n;
  const responses = sum(Object.values(statusCodes));
  const ok2xx = sum(Object.entries(statusCodes).filter(([code]) => code.startsWith('2') && code.length === 3).map(([, n]) => n));
  const elapsedSeconds = round(sum(outcomes.map((o) => o.elapsedSeconds)), 2);
  const sent = sum(outcomes.map((o) => o.sent));
  return {
    requestedRate,
    achievedRate: elapsedSeconds > 0 ? round(responses / elapsedSeconds, 1) : 0,
    plannedSeconds: sum(outcomes.map((o) => o.phase.seconds)),
    elapsedSeconds,
    sent,
    responses,
    unanswered: Math.max(0, sent - responses),
    ok2xx,
    non2xx: responses - ok2xx,
    errors: sum(outcomes.map((o) => o.errors)),
    timeouts: sum(outcomes.map((o) => o.timeouts)),
    statusCodes,
    latencyMs: { p50: latency.p50, p90: latency.p90, p99: latency.p99, max: latency.max },
  };
}

const COLUMNS = ['phase', 'rate/s', 'achieved/s', 'secs', 'sent', '2xx', 'non-2xx', 'errors', 'timeouts', 'unanswered', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'];

/** The table (one row per phase, then the total when there is more than one) and the final line. */
export function formatText(report: Report): string {
  const row = (name: string, c: Counts): string[] => [
    name,
    fmt(c.requestedRate),
    fmt(c.achievedRate),
    c.elapsedSeconds.toFixed(1),
    fmt(c.sent),
    fmt(c.ok2xx),
    fmt(c.non2xx),
    fmt(c.errors),
    fmt(c.timeouts),
    fmt(c.unanswered),
    ms(c.latencyMs.p50, c.responses),
    ms(c.latencyMs.p90, c.responses),
    ms(c.latencyMs.p99, c.responses),
    ms(c.latencyMs.max, c.responses),
  ];
  const rows = [COLUMNS, ...report.phases.map((p) => row(p.name, p))];
  if (report.phases.length > 1) rows.push(row('total', report.total));
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const lines = rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  '));
  const odd = Object.entries(report.total.statusCodes).filter(([code]) => !code.startsWith('2'));
  if (odd.length > 0) lines.push(`non-2xx status codes: ${odd.map(([code, n]) => `${code} x${fmt(n)}`).join(', ')}`);
  lines.push(finalLine(report));
  return lines.join('\n');
}

/** One line that says how the run went, for logs and CI. */
export function finalLine(report: Report): string {
  const t = report.total;
  const verdict = report.interrupted ? 'interrupted' : t.responses === 0 ? 'no responses' : t.errors > 0 || t.non2xx > 0 || t.unanswered > 0 ? 'done with failures' : 'done';
  const latency =
    t.responses === 0 ? 'latency n/a' : `latency p50 ${ms(t.latencyMs.p50, 1)} ms, p90 ${ms(t.latencyMs.p90, 1)} ms, p99 ${ms(t.latencyMs.p99, 1)} ms, max ${ms(t.latencyMs.max, 1)} ms`;
  return (
    `loadtest ${verdict}: ${fmt(t.responses)} responses in ${t.elapsedSeconds.toFixed(1)} s = ${fmt(t.achievedRate)}/s ` +
    `of ${fmt(t.requestedRate)}/s requested; 2xx ${fmt(t.ok2xx)}, non-2xx ${fmt(t.non2xx)}, errors ${fmt(t.errors)} ` +
    `(timeouts ${fmt(t.timeouts)}), unanswered ${fmt(t.unanswered)}; ${latency}`
  );
}

function fmt(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 1 });
}

function ms(value: number, responses: number): string {
  return responses === 0 ? '-' : value.toFixed(2);
}

function sum(ns: readonly number[]): number {
  return ns.reduce((a, b) => a + b, 0);
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
