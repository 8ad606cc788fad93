import { SlbError } from '@slb/core/errors';
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
  /**
   * Fewest answered requests (latency samples) for a p95 to mean anything: to be judged, or to
   * be a peer's baseline, in one proxy's view. Also the fewest requests of a saturation peer.
   */
  readonly minPeerRequests: number;
  /** A peer with a higher error rate than this is not serving and sets no baseline. */
  readonly peerMaxErrorRate: number;
  /**
   * A peer with a higher share of connect failures, timeouts and resets than this is not serving
   * (0: any one excludes it). A dying instance's last fast answers must not set the baseline.
   */
  readonly peerMaxLocalFailureRate: number;
  /** Fewest serving peers to judge latency against; with fewer the relative term is neutral. */
  readonly minLatencyPeers: number;
  /** Fewest serving peers to judge saturation against; with fewer it is neutral. */
  readonly minSaturationPeers: number;
  /** p95 up to this multiple of the peers' median (plus the noise allowance) is normal spread. */
  readonly latencyRatioTolerance: number;
  /**
   * Noise allowance (ms): this much of the gap to the peers' median is not held against an
   * instance (GC pauses, event-loop lag and scheduling on a loaded host).
   */
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
  minPeerRequests: 20,
  peerMaxErrorRate: 0.1,
  peerMaxLocalFailureRate: 0,
  minLatencyPeers: 2,
  minSaturationPeers: 2,
  latencyRatioTolerance: 1.5,
  minLatencyGapMs: 50,
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
  if (!(p.peerMaxLocalFailureRate >= 0 && p.peerMaxLocalFailureRate <= 1)) problems.push('peerMaxLocalFailureRate must be in [0, 1]');
  if (!(Number.isInteger(p.minLatencyPeers) && p.minLatencyPeers >= 1)) problems.push('minLatencyPeers must be an integer >= 1');
  if (!(Number.isInteger(p.minSaturationPeers) && p.minSaturationPeers >= 1)) problems.push('minSaturationPeers must be an integer >= 1');
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
