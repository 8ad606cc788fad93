import type { CombinedVerdict } from '../windows/types.js';
import type { ScoringPolicy } from './scoring-policy.js';
import type { ActiveCheckInputs, LatencyInputs, SaturationInputs, SuccessInputs } from './types.js';

/**
 * Success: 1 up to a tolerated (smoothed) error rate, then an exponential fall-off.
 * Exponential because the first few percent of errors are what matter: 5 % errors is already
 * serious, while 40 % and 60 % are both simply "broken".
 */
export function successComponent(requests: number, errors: number, p: ScoringPolicy): { value: number; inputs: SuccessInputs } {
  const errorRate = requests > 0 ? Math.min(1, errors / requests) : 0;
  const smoothed = requests + p.priorRequests > 0 ? Math.min(1, errors / (requests + p.priorRequests)) : 0;
  const excess = smoothed - p.toleratedErrorRate;
  const value = excess <= 0 ? 1 : Math.exp(-excess / p.errorRateScale);
  return { value, inputs: { requests, errors, errorRate, smoothedErrorRate: smoothed, toleratedErrorRate: p.toleratedErrorRate } };
}

/**
 * Latency: relative to the service's own healthy peers (a p95 of 300 ms is fine for one service
 * and an outage for another), optionally capped by an absolute SLO. The relative term is 1 within
 * `latencyRatioTolerance` of the peers' median and falls as (tolerance / ratio) ^ exponent
 * beyond it; the worse of the two terms wins.
 */
export function latencyComponent(
  p95Ms: number | null,
  peerMedianP95Ms: number | null,
  peers: number,
  p: ScoringPolicy,
): { value: number; inputs: LatencyInputs } {
  let ratio: number | null = null;
  let relativeValue = 1;
  if (p95Ms !== null && peerMedianP95Ms !== null) {
    ratio = peerMedianP95Ms > 0 ? p95Ms / peerMedianP95Ms : p95Ms > 0 ? Number.POSITIVE_INFINITY : 1;
    if (p95Ms - peerMedianP95Ms > p.minLatencyGapMs && ratio > p.latencyRatioTolerance) {
      relativeValue = Number.isFinite(ratio) ? (p.latencyRatioTolerance / ratio) ** p.latencyExponent : 0;
    }
  }
  let sloValue = 1;
  if (p.sloP95Ms !== null && p95Ms !== null && p95Ms > p.sloP95Ms) sloValue = (p.sloP95Ms / p95Ms) ** p.latencyExponent;
  return {
    value: Math.min(relativeValue, sloValue),
    inputs: { p95Ms, peerMedianP95Ms, peers, ratio: ratio !== null && Number.isFinite(ratio) ? ratio : null, relativeValue, sloP95Ms: p.sloP95Ms, sloValue },
  };
}

/** Active checks: a lookup of the combined verdict; UNKNOWN is no evidence and costs nothing. */
export function activeCheckComponent(check: CombinedVerdict, p: ScoringPolicy): { value: number; inputs: ActiveCheckInputs } {
  return {
    value: p.activeCheckValues[check.status],
    inputs: { status: check.status, healthy: check.healthy, unhealthy: check.unhealthy, degraded: check.degraded, stale: check.stale, rule: check.rule },
  };
}

/**
 * Saturation: in-flight against the peers' median. Deliberately gentle (tolerance / ratio, no
 * exponent, low weight): in-flight also follows the weight the controller gave the instance, so
 * it is a hint of queueing, not proof of it.
 */
export function saturationComponent(
  inFlight: number,
  peerMedianInFlight: number | null,
  peers: number,
  p: ScoringPolicy,
): { value: number; inputs: SaturationInputs } {
  let ratio: number | null = null;
  let value = 1;
  if (peerMedianInFlight !== null) {
    ratio = inFlight / Math.max(1, peerMedianInFlight);
    if (inFlight > p.minSaturationInFlight && ratio > p.saturationRatioTolerance) value = p.saturationRatioTolerance / ratio;
  }
  return { value, inputs: { inFlight, peerMedianInFlight, peers, ratio } };
}
