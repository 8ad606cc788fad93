import { SlbError } from '@slb/core/errors';

export interface DecisionPolicy {
  /** Scores below this count towards ejection ... */
  readonly ejectBelow: number;
  /** ... and at or above this towards return. Must be higher: the band between is hysteresis. */
  readonly returnAbove: number;
  /** Consecutive windows below ejectBelow before an ejection. */
  readonly ejectAfterWindows: number;
  /** Consecutive windows at or above returnAbove before a return. */
  readonly returnAfterWindows: number;
  /** First ejection lasts at least this; each repeat within resetEjectionsAfterMs doubles it. */
  readonly minEjectionMs: number;
  readonly maxEjectionMs: number;
  /** A returned instance that stays in this long starts its next ejection from minEjectionMs. */
  readonly resetEjectionsAfterMs: number;
  /** At most floor(instances * pct / 100) instances are ejected at once (0 disables ejection). */
  readonly maxEjectionPercent: number;
  /** Scores at or above this get full weight (1); below, weight is score / this. */
  readonly fullWeightAtScore: number;
  /** The lowest weight of an instance that is not ejected. */
  readonly minActiveWeight: number;
  /** Damping: the most a weight moves per decision (ejection excepted). */
  readonly maxWeightStep: number;
  /** Deadband: smaller moves are not worth a new decision. */
  readonly minWeightChange: number;
  /** A weight rises only when this many recent scores are all good (the worst of them sets the target). */
  readonly weightMemoryWindows: number;
  /**
   * A weight is cut only on a drop seen in this many windows in a row (the best of them sets the
   * target): one noisy window (a GC pause, a busy proxy host) does not cut healthy capacity.
   * Ejection has its own count (ejectAfterWindows); the proxies' local loop reacts within a window.
   * Capped at weightMemoryWindows (only that many scores are remembered).
   */
  readonly weightCutWindows: number;
  /** Returning and new instances ramp their weight cap from slowStartFloor to 1 over this. */
  readonly slowStartMs: number;
  readonly slowStartFloor: number;
  /** Panic engages when the healthy fraction falls below this ... */
  readonly panicBelowHealthyFraction: number;
  /** ... and releases only when it is back at or above this (higher: hysteresis). */
  readonly panicReleaseHealthyFraction: number;
  /** A decision expires this long after it is issued. */
  readonly decisionTtlMs: number;
  /** An unchanged decision is re-issued (new version, new expiry) after this. */
  readonly refreshAfterMs: number;
  /**
   * Silence is not health: a window without a traffic signal cannot raise an active instance's
   * score above its last real evidence for this long after that evidence. A weight cut to a
   * trickle would otherwise read as perfect and climb back at once (and flap). After it, silent
   * windows count as they are, so the instance is probed with more traffic.
   */
  readonly noSignalHoldMs: number;
  /**
   * A window with fewer requests than this carries no traffic signal: the scorer judges latency
   * only from its minPeerRequests samples (20 by default), so below that a score is checks and
   * neutral defaults. Keep the two equal.
   */
  readonly minSignalRequests: number;
}

export const DEFAULT_DECISION_POLICY: DecisionPolicy = Object.freeze({
  ejectBelow: 0.4,
  returnAbove: 0.7,
  ejectAfterWindows: 2,
  returnAfterWindows: 3,
  minEjectionMs: 10_000,
  maxEjectionMs: 300_000,
  resetEjectionsAfterMs: 300_000,
  maxEjectionPercent: 50,
  fullWeightAtScore: 0.9,
  minActiveWeight: 0.05,
  maxWeightStep: 0.25,
  minWeightChange: 0.02,
  weightMemoryWindows: 3,
  weightCutWindows: 2,
  slowStartMs: 30_000,
  slowStartFloor: 0.1,
  panicBelowHealthyFraction: 0.5,
  panicReleaseHealthyFraction: 0.7,
  decisionTtlMs: 30_000,
  refreshAfterMs: 10_000,
  noSignalHoldMs: 30_000,
  minSignalRequests: 20,
});

/** Defaults, then checks everything at once (one error listing every problem). */
export function decisionPolicy(overrides: Partial<DecisionPolicy> = {}): DecisionPolicy {
  const p: DecisionPolicy = { ...DEFAULT_DECISION_POLICY, ...overrides };
  const problems: string[] = [];
  const unit = (name: keyof DecisionPolicy, v: number): void => {
    if (!(v >= 0 && v <= 1)) problems.push(`${name} must be in [0, 1]`);
  };
  unit('ejectBelow', p.ejectBelow);
  unit('returnAbove', p.returnAbove);
  if (!(p.returnAbove > p.ejectBelow)) problems.push('returnAbove must be greater than ejectBelow');
  for (const k of ['ejectAfterWindows', 'returnAfterWindows', 'weightMemoryWindows', 'weightCutWindows'] as const) {
    if (!(Number.isInteger(p[k]) && p[k] >= 1)) problems.push(`${k} must be an integer >= 1`);
  }
  if (!(p.minEjectionMs >= 0 && p.maxEjectionMs >= p.minEjectionMs)) problems.push('need 0 <= minEjectionMs <= maxEjectionMs');
  if (!(p.resetEjectionsAfterMs >= 0)) problems.push('resetEjectionsAfterMs must be >= 0');
  if (!(p.maxEjectionPercent >= 0 && p.maxEjectionPercent <= 100)) problems.push('maxEjectionPercent must be in [0, 100]');
  if (!(p.fullWeightAtScore > 0 && p.fullWeightAtScore <= 1)) problems.push('fullWeightAtScore must be in (0, 1]');
  if (!(p.minActiveWeight > 0 && p.minActiveWeight <= 1)) problems.push('minActiveWeight must be in (0, 1]');
  if (!(p.maxWeightStep > 0 && p.maxWeightStep <= 1)) problems.push('maxWeightStep must be in (0, 1]');
  if (!(p.minWeightChange >= 0 && p.minWeightChange < p.maxWeightStep)) problems.push('minWeightChange must be in [0, maxWeightStep)');
  if (!(p.slowStartMs >= 0)) problems.push('slowStartMs must be >= 0');
  if (!(p.slowStartFloor > 0 && p.slowStartFloor <= 1)) problems.push('slowStartFloor must be in (0, 1]');
  unit('panicBelowHealthyFraction', p.panicBelowHealthyFraction);
  unit('panicReleaseHealthyFraction', p.panicReleaseHealthyFraction);
  if (!(p.panicReleaseHealthyFraction > p.panicBelowHealthyFraction)) {
    problems.push('panicReleaseHealthyFraction must be greater than panicBelowHealthyFraction');
  }
  if (!(p.decisionTtlMs > 0)) problems.push('decisionTtlMs must be > 0');
  if (!(p.refreshAfterMs > 0 && p.refreshAfterMs < p.decisionTtlMs)) problems.push('refreshAfterMs must be in (0, decisionTtlMs)');
  if (!(p.noSignalHoldMs >= 0)) problems.push('noSignalHoldMs must be >= 0');
  if (!(Number.isInteger(p.minSignalRequests) && p.minSignalRequests >= 0)) problems.push('minSignalRequests must be an integer >= 0');
  if (problems.length > 0) {
    throw new SlbError('SLB_POLICY_INVALID', `invalid decision policy: ${problems.join('; ')}`, { details: { problems } });
  }
  return Object.freeze(p);
}
