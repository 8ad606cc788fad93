import type { CombinedVerdict, LatencyQuantiles, SourceOffset } from '../windows/types.js';

/** What scoring needs about one instance in one window (an InstanceWindow satisfies it). */
export interface ScoringInstanceInput {
  readonly instanceId: string;
  readonly requests: number;
  readonly errorTotal: number;
  readonly latencyMs: LatencyQuantiles | null;
  readonly inFlight: number;
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

export interface SuccessInputs {
  readonly requests: number;
  readonly errors: number;
  readonly errorRate: number;
  /** errors / (requests + priorRequests): a few errors on little traffic are not a verdict. */
  readonly smoothedErrorRate: number;
  readonly toleratedErrorRate: number;
}

export interface LatencyInputs {
  readonly p95Ms: number | null;
  /** Median p95 of the service's other healthy instances; null with too few peers. */
  readonly peerMedianP95Ms: number | null;
  readonly peers: number;
  /** p95Ms / peerMedianP95Ms. */
  readonly ratio: number | null;
  readonly relativeValue: number;
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
  readonly peerMedianInFlight: number | null;
  readonly peers: number;
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
  readonly sources: readonly SourceOffset[];
}
