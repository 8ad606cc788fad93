import type { CombinedVerdict } from '../windows/types.js';
import type { ScoringPolicy } from './scoring-policy.js';
import type { LatencyEvidence, ViewJudgement } from './latency-evidence.js';
import type { ActiveCheckInputs, FailureEvidence, LatencyInputs, SaturationInputs, SuccessInputs } from './types.js';
import { weightedMedian } from './weighted-median.js';

/**
 * Success: 1 up to a tolerated (smoothed) error rate, then an exponential fall-off.
 * Exponential because the first few percent of errors are what matter: 5 % errors is already
 * serious, while 40 % and 60 % are both simply "broken".
 *
 * The rate judged is FailureEvidence.judgedErrorRate: the instance's own 5xx summed over every
 * proxy, local failures (connect, timeout, reset) as the median proxy view saw them.
 */
export function successComponent(e: FailureEvidence, p: ScoringPolicy): { value: number; inputs: SuccessInputs } {
  const { requests } = e;
  const errorRate = requests > 0 ? Math.min(1, e.errors / requests) : 0;
  const judgedErrors = e.judgedErrorRate * requests;
  const smoothed = requests + p.priorRequests > 0 ? Math.min(1, judgedErrors / (requests + p.priorRequests)) : 0;
  const excess = smoothed - p.toleratedErrorRate;
  const value = excess <= 0 ? 1 : Math.exp(-excess / p.errorRateScale);
  return { value, inputs: { ...e, errorRate, smoothedErrorRate: smoothed, toleratedErrorRate: p.toleratedErrorRate } };
}

/**
 * Latency: relative to the service's serving peers (a p95 of 300 ms is fine for one service and
 * an outage for another), optionally capped by an absolute SLO; the worse of the two wins.
 *
 * Each view (a proxy's, or '*' for all merged) gives a gap: the instance's p95 less the median
 * p95 of its serving peers as that same proxy measured them. A CPU-starved proxy adds its lag to
 * every upstream alike, so the gap survives it while a ratio would be diluted. The gap is the
 * samples-weighted median over the views (the lower one on a tie), so one proxy cannot condemn
 * an instance that the proxies carrying the rest of its traffic see as normal. The scale is the
 * lowest of the views' peer medians: proxy lag only ever adds to a baseline, so the least-lagged
 * proxy's is the truest. Then judged ratio = 1 + (gap - noise allowance) / that median; the
 * relative term is 1 up to `latencyRatioTolerance` and (tolerance / judged ratio) ^ exponent
 * beyond it: continuous, and 1 until the gap exceeds (tolerance - 1) x median + allowance.
 */
export function latencyComponent(e: LatencyEvidence, p: ScoringPolicy): { value: number; inputs: LatencyInputs } {
  const views = e.judgements;
  const gapView = weightedMedian(views, (j) => j.p95Ms - j.peerMedianP95Ms, (j) => j.samples, (j) => j.proxyId);
  const baseView = views.reduce<ViewJudgement | undefined>((low, j) => (low === undefined || j.peerMedianP95Ms < low.peerMedianP95Ms ? j : low), undefined);
  let relativeValue = 1;
  let gapMs: number | null = null;
  let median: number | null = null;
  let ratio: number | null = null;
  let judged: number | null = null;
  if (gapView !== undefined && baseView !== undefined) {
    gapMs = gapView.p95Ms - gapView.peerMedianP95Ms;
    median = baseView.peerMedianP95Ms;
    const excess = gapMs - p.minLatencyGapMs;
    judged = excess <= 0 ? 1 : median > 0 ? 1 + excess / median : Number.POSITIVE_INFINITY;
    ratio = median > 0 ? (median + gapMs) / median : null;
    if (judged > p.latencyRatioTolerance) relativeValue = Number.isFinite(judged) ? (p.latencyRatioTolerance / judged) ** p.latencyExponent : 0;
  }
  let sloValue = 1;
  if (p.sloP95Ms !== null && e.p95Ms !== null && e.p95Ms > p.sloP95Ms) sloValue = (p.sloP95Ms / e.p95Ms) ** p.latencyExponent;
  // Said, not scored: too few answers for a p95 (an instance without traffic needs no note), or
  // too few serving peers to compare with.
  let notJudged: string | null = null;
  if (e.p95Ms === null && e.samples > 0) notJudged = `latency not judged: ${e.samples} answered requests, ${p.minPeerRequests} needed for a p95`;
  else if (e.p95Ms !== null && gapView === undefined) {
    notJudged = `latency not compared with peers: ${e.mostPeers} serving peer${e.mostPeers === 1 ? '' : 's'}, ${p.minLatencyPeers} needed (relative term neutral)`;
  }
  return {
    value: Math.min(relativeValue, sloValue),
    inputs: {
      p95Ms: e.p95Ms,
      gapMs,
      peerMedianP95Ms: median,
      peers: gapView?.peers ?? e.mostPeers,
      ratio,
      judgedRatio: judged !== null && Number.isFinite(judged) ? judged : null,
      views: views.length,
      relativeValue,
      notJudged,
      sloP95Ms: p.sloP95Ms,
      sloValue,
    },
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
 * Saturation: in-flight against what the serving peers would have in flight at this instance's
 * traffic (their median in-flight per request, times its requests). An instance the balancer
 * sent more is expected to hold more in flight (Little's law); only in-flight out of proportion
 * to its traffic — queueing, or a hung instance that completes nothing — is saturation.
 * Deliberately gentle (tolerance / ratio, no exponent, low weight): a point reading at the
 * window's end is a hint, not proof.
 */
export function saturationComponent(
  inFlight: number,
  requests: number,
  peerMedianInFlightPerRequest: number | null,
  peers: number,
  p: ScoringPolicy,
): { value: number; inputs: SaturationInputs } {
  let ratio: number | null = null;
  let expectedInFlight: number | null = null;
  let value = 1;
  if (peerMedianInFlightPerRequest !== null && peers >= p.minSaturationPeers) {
    expectedInFlight = peerMedianInFlightPerRequest * Math.max(1, requests);
    ratio = inFlight / Math.max(1, expectedInFlight);
    if (inFlight > p.minSaturationInFlight && ratio > p.saturationRatioTolerance) value = p.saturationRatioTolerance / ratio;
  }
  return { value, inputs: { inFlight, requests, expectedInFlight, peers, ratio } };
}
