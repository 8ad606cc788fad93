import { SlbError } from '@slb/core';
import type { ComponentName } from './types.js';

export interface ScoringPolicy {
  /** Exponents of the weighted geometric mean; normalized to sum to 1. */
  readonly weights: Readonly<Record<ComponentName, number>>;
  /** Pseudo-successes added to the denominator of the error rate (low-traffic smoothing). */
  readonly priorRequests: number;
  /** Smoothed error rate below which success is a perfect 1. */
  readonly toleratedErrorRate: number;
  /** e-folding scale of the success penalty above the tolerance. */
  readonly errorRateScale: number;
  /** Fewest requests for an instance to count as a latency/saturation peer. */
  readonly minPeerRequests: number;
  /** A peer with a higher error rate than this is not "healthy" and does not set the baseline. */
  readonly peerMaxErrorRate: number;
  /** p95 up to this multiple of the peers' median is normal spread. */
  readonly latencyRatioTolerance: number;
  /** Below this absolute gap (ms) to the peers' median, ratios are noise (sub-ms services). */
  readonly minLatencyGapMs: number;
  /** Steepness of the latency penalty: value = (tolerance / ratio) ^ exponent. */
  readonly latencyExponent: number;
  /** Optional service-level objective on p95; null disables the SLO term. */
  readonly sloP95Ms: number | null;
  /** In-flight up to this multiple of the peers' median is normal spread. */
  readonly saturationRatioTolerance: number;
  /** In-flight at or below this is never saturation. */
  readonly minSaturationInFlight: number;
  /** Value of the active-check component per combined status. */
  readonly activeCheckValues: Readonly<Record<'HEALTHY' | 'DEGRADED' | 'UNHEALTHY' | 'UNKNOWN', number>>;
}

export const DEFAULT_SCORING_POLICY: ScoringPolicy = Object.freeze({
  weights: Object.freeze({ success: 0.35, latency: 0.35, activeCheck: 0.2, saturation: 0.1 }),
  priorRequests: 20,
  toleratedErrorRate: 0.01,
  errorRateScale: 0.05,
  minPeerRequests: 5,
  peerMaxErrorRate: 0.1,
  latencyRatioTolerance: 1.5,
  minLatencyGapMs: 5,
  latencyExponent: 2,
  sloP95Ms: null,
  saturationRatioTolerance: 3,
  minSaturationInFlight: 8,
  activeCheckValues: Object.freeze({ HEALTHY: 1, DEGRADED: 0.5, UNHEALTHY: 0, UNKNOWN: 1 }),
});

/** Defaults, then checks everything at once (one error listing every problem). */
export function scoringPolicy(overrides: Partial<ScoringPolicy> = {}): ScoringPolicy {
  const p: ScoringPolicy = { ...DEFAULT_SCORING_POLICY, ...overrides };
  const problems: string[] = [];
  const w = p.weights;
  const sum = w.success + w.latency + w.activeCheck + w.saturation;
  if (![w.success, w.latency, w.activeCheck, w.saturation].every((x) => Number.isFinite(x) && x >= 0) || !(sum > 0)) {
    problems.push('weights must be non-negative with a positive sum');
  }
  if (!(p.priorRequests >= 0)) problems.push('priorRequests must be >= 0');
  if (!(p.toleratedErrorRate >= 0 && p.toleratedErrorRate < 1)) problems.push('toleratedErrorRate must be in [0, 1)');
  if (!(p.errorRateScale > 0)) problems.push('errorRateScale must be > 0');
  if (!(p.minPeerRequests >= 0)) problems.push('minPeerRequests must be >= 0');
  if (!(p.peerMaxErrorRate >= 0 && p.peerMaxErrorRate <= 1)) problems.push('peerMaxErrorRate must be in [0, 1]');
  if (!(p.latencyRatioTolerance >= 1)) problems.push('latencyRatioTolerance must be >= 1');
  if (!(p.minLatencyGapMs >= 0)) problems.push('minLatencyGapMs must be >= 0');
  if (!(p.latencyExponent > 0)) problems.push('latencyExponent must be > 0');
  if (p.sloP95Ms !== null && !(p.sloP95Ms > 0)) problems.push('sloP95Ms must be > 0 or null');
  if (!(p.saturationRatioTolerance >= 1)) problems.push('saturationRatioTolerance must be >= 1');
  if (!(p.minSaturationInFlight >= 0)) problems.push('minSaturationInFlight must be >= 0');
  if (!Object.values(p.activeCheckValues).every((x) => x >= 0 && x <= 1)) problems.push('activeCheckValues must be in [0, 1]');
  if (problems.length > 0) {
    throw new SlbError('SLB_POLICY_INVALID', `invalid scoring policy: ${problems.join('; ')}`, { details: { problems } });
  }
  const weights = { success: w.success / sum, latency: w.latency / sum, activeCheck: w.activeCheck / sum, saturation: w.saturation / sum };
  return Object.freeze({ ...p, weights: Object.freeze(weights) });
}
