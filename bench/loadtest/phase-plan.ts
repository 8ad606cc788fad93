/**
 * Turns a rate, a duration and an optional burst into the phases the generator runs one after
 * another. autocannon paces at one fixed rate per run, so a varying load is a sequence of runs.
 */
import type { BurstSpec } from './burst-spec.js';

export type PhaseKind = 'steady' | 'base' | 'spike';

export interface Phase {
  /** 'steady', or 'base 1', 'spike 1', 'base 2', ... */
  readonly name: string;
  readonly kind: PhaseKind;
  /** Requests per second. */
  readonly rate: number;
  readonly seconds: number;
}

export interface PlanInput {
  readonly rate: number;
  readonly durationSeconds: number;
  readonly burst?: BurstSpec | undefined;
}

/** Base first, then the spike, each period; the last phase is cut short at the duration. */
export function planPhases(input: PlanInput): Phase[] {
  const { rate, durationSeconds, burst } = input;
  if (burst === undefined) return [{ name: 'steady', kind: 'steady', rate, seconds: durationSeconds }];
  const phases: Phase[] = [];
  let t = 0;
  for (let period = 1; t < durationSeconds; period++) {
    const base = Math.min(burst.everySeconds - burst.seconds, durationSeconds - t);
    phases.push({ name: `base ${period}`, kind: 'base', rate, seconds: base });
    t += base;
    const spike = Math.min(burst.seconds, durationSeconds - t);
    if (spike > 0) phases.push({ name: `spike ${period}`, kind: 'spike', rate: burst.rate, seconds: spike });
    t += spike;
  }
  return phases;
}

/** Requests the plan asks for in total. */
export function plannedRequests(phases: readonly Phase[]): number {
  return phases.reduce((n, p) => n + p.rate * p.seconds, 0);
}

/**
 * Connections for a phase when --connections is not given. autocannon lets each connection send
 * at most rate/connections requests a second and waits for each answer before the next, so a
 * connection must not need more than ~1/20 s per request: 20 requests/s per connection keeps
 * 50 ms of latency headroom. At least 10 (autocannon lowers it to the rate when that is smaller),
 * at most 1,000 sockets.
 */
export function defaultConnections(rate: number): number {
  return Math.min(1_000, Math.max(10, Math.ceil(rate / 20)));
}
