import type { CombinedVerdict, ErrorCounts, LatencyQuantiles, ProxyView, SourceOffset } from '../windows/types.js';

/** What scoring needs about one instance in one window (an InstanceWindow satisfies it). */
export interface ScoringInstanceInput {
  readonly instanceId: string;
  readonly requests: number;
  readonly errorTotal: number;
  readonly errors: ErrorCounts;
  /** Every proxy's figures merged. */
  readonly latencyMs: LatencyQuantiles | null;
  readonly inFlight: number;
  /**
   * Each proxy's own view: latency is judged against the peers as the same proxy measured them.
   * Absent or empty: the merged figures are the only view (proxyId '*').
   */
  readonly byProxy?: readonly ProxyView[];
  readonly check: CombinedVerdict;
  readonly sources?: readonly SourceOffset[];
}

/** What scoring needs about one service in one window (a ServiceWindow satisfies it). */
export interface ScoringServiceInput {
  readonly serviceId: string;
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  readonly instances: readonly ScoringInstanceInput[];
}

/** What the success term judges about one instance (failure-evidence.ts; docs/scoring.md, "success"). */
export interface FailureEvidence {
  readonly requests: number;
  /** Every error, every proxy summed: what the proxies saw, before any judgement. */
  readonly errors: number;
  /** Errors the instance answered itself (5xx): its own, summed over every proxy. */
  readonly ownErrors: number;
  /** Connect failures, timeouts and resets, summed over every proxy. */
  readonly localFailures: number;
  /** The requests-weighted median over the proxies' views of their local-failure rate (the lower of two equal views). */
  readonly localFailureRate: number;
  /** Proxy views with traffic that the median was taken over (1: the merged figures). */
  readonly localViews: number;
  /** Of those, the views that saw any local failure. */
  readonly viewsWithLocalFailures: number;
  /** localFailureRate + (1 - localFailureRate) x the 5xx share of answered requests. */
  readonly judgedErrorRate: number;
}

/** The failure evidence and what the success term made of it. */
export interface SuccessInputs extends FailureEvidence {
  /** errors / requests. */
  readonly errorRate: number;
  /** judgedErrorRate x requests / (requests + priorRequests): a few errors on little traffic are not a verdict. */
  readonly smoothedErrorRate: number;
  readonly toleratedErrorRate: number;
}

export interface LatencyInputs {
  /** Fleet-wide p95 (every proxy's samples merged); null without enough samples. The SLO judges it. */
  readonly p95Ms: number | null;
  /**
   * p95 less the serving peers' median p95, as the same proxy measured both: the samples-weighted
   * median over the views that could judge. null when not judged.
   */
  readonly gapMs: number | null;
  /** The serving peers' median p95: the lowest over those views (proxy lag only adds to it). */
  readonly peerMedianP95Ms: number | null;
  /** Serving peers in the view of the median gap (not judged: the most any view had). */
  readonly peers: number;
  /** (peerMedianP95Ms + gapMs) / peerMedianP95Ms: what the p95 is to the peers' in one view. */
  readonly ratio: number | null;
  /** The ratio once the noise allowance is taken off the gap: 1 + max(0, gap - allowance) / median. */
  readonly judgedRatio: number | null;
  /** Proxy views that could judge (enough samples, enough serving peers). */
  readonly views: number;
  readonly relativeValue: number;
  /** Why latency was not judged (too few answers for a p95, too few serving peers); else null. */
  readonly notJudged: string | null;
  readonly sloP95Ms: number | null;
  readonly sloValue: number;
}

export interface ActiveCheckInputs {
  readonly status: CombinedVerdict['status'];
  readonly healthy: number;
  readonly unhealthy: number;
  readonly degraded: number;
  readonly stale: number;
  readonly rule: CombinedVerdict['rule'];
}

export interface SaturationInputs {
  readonly inFlight: number;
  readonly requests: number;
  /**
   * What the serving peers would have in flight at this instance's traffic: their median of
   * in-flight per request, times its requests (at least 1). null with too few peers.
   */
  readonly expectedInFlight: number | null;
  readonly peers: number;
  /** inFlight / max(1, expectedInFlight). */
  readonly ratio: number | null;
}

export interface ScoreComponent<I> {
  /** In [0, 1]; 1 is healthy. */
  readonly value: number;
  /** Normalized exponent in the weighted geometric mean. */
  readonly weight: number;
  readonly inputs: I;
}

export interface ScoreComponents {
  readonly success: ScoreComponent<SuccessInputs>;
  readonly latency: ScoreComponent<LatencyInputs>;
  readonly activeCheck: ScoreComponent<ActiveCheckInputs>;
  readonly saturation: ScoreComponent<SaturationInputs>;
}

export type ComponentName = keyof ScoreComponents;

export interface HealthScore {
  readonly serviceId: string;
  readonly instanceId: string;
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  /** In [0, 1]: the weighted geometric mean of the components. */
  readonly score: number;
  readonly components: ScoreComponents;
  /** Human-readable, one per component that pulled the score down. */
  readonly reasons: readonly string[];
  /** Human-readable, what could not be judged (e.g. too few peers); these cost nothing. */
  readonly notes: readonly string[];
  readonly sources: readonly SourceOffset[];
}
