/**
 * Plain input/output shapes of the windowing stage. They mirror the Avro records in proto/
 * (service-metrics, health-status, metrics-aggregated) closely, but are owned here so the pure
 * logic depends on nothing but itself; the Kafka adapter maps records to and from them.
 */

/** Where an input came from, passed through to decisions as evidence (rule 6, docs/architecture.md). */
export interface SourceOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

export interface ErrorCounts {
  readonly status5xx: number;
  readonly connectFailures: number;
  readonly timeouts: number;
  readonly resets: number;
}

/** One proxy's view of one instance over [windowStartMs, windowEndMs). */
export interface ProxyWindowReport {
  readonly proxyId: string;
  readonly serviceId: string;
  readonly instanceId: string;
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  readonly requests: number;
  readonly errors: ErrorCounts;
  /** Requests in flight at the end of the proxy's window. */
  readonly inFlight: number;
  /** DDSketch (relative accuracy 0.01) of latencies in milliseconds, serialized with toProto(). */
  readonly latencySketch: Uint8Array | null;
  readonly source?: SourceOffset;
}

export type CheckStatus = 'HEALTHY' | 'UNHEALTHY' | 'DEGRADED';
/** UNKNOWN: fewer fresh verdicts than the quorum; it is evidence of nothing. */
export type CombinedCheckStatus = CheckStatus | 'UNKNOWN';

/** One proxy's active health-check verdict on one instance. */
export interface HealthVerdict {
  readonly proxyId: string;
  readonly serviceId: string;
  readonly instanceId: string;
  readonly status: CheckStatus;
  readonly atMs: number;
  readonly source?: SourceOffset;
}

export interface CombinedVerdict {
  readonly status: CombinedCheckStatus;
  readonly healthy: number;
  readonly unhealthy: number;
  readonly degraded: number;
  /** Proxies whose verdict was too old to count. */
  readonly stale: number;
  readonly quorum: number;
  readonly rule: 'no-quorum' | 'majority' | 'split';
}

export interface LatencyQuantiles {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

/**
 * One proxy's own share of an instance window. Scoring compares instances as the same proxy
 * measured them (docs/scoring.md): a CPU-starved proxy measures every upstream slow, and only
 * its own view of the other instances can tell that apart from a slow instance.
 */
export interface ProxyView {
  readonly proxyId: string;
  readonly requests: number;
  /** 5xx and local failures this proxy saw. */
  readonly errorTotal: number;
  /** Connect failures, timeouts and resets: requests the instance never answered (no latency sample). */
  readonly localFailures: number;
  /** p95 of this proxy's latency samples alone; null with none. */
  readonly p95Ms: number | null;
}

/** The fleet-wide figures for one instance in one closed window (every proxy merged). */
export interface InstanceWindow {
  readonly serviceId: string;
  readonly instanceId: string;
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  /** Proxies that reported, sorted. */
  readonly proxies: readonly string[];
  readonly requests: number;
  readonly errors: ErrorCounts;
  readonly errorTotal: number;
  readonly rps: number;
  /** errorTotal / requests, 0 when there was no traffic. */
  readonly errorRate: number;
  /** null when no proxy saw a single latency sample. */
  readonly latencyMs: LatencyQuantiles | null;
  /** Sum over proxies of each proxy's latest in-flight reading in the window. */
  readonly inFlight: number;
  /** Each reporting proxy's own view, sorted by proxyId. */
  readonly byProxy: readonly ProxyView[];
  readonly check: CombinedVerdict;
  readonly sources: readonly SourceOffset[];
}

/** Every instance of one service for one closed window, plus the service-wide totals. */
export interface ServiceWindow {
  readonly serviceId: string;
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  readonly instances: readonly InstanceWindow[];
  readonly requests: number;
  readonly errorTotal: number;
  readonly rps: number;
  readonly errorRate: number;
  readonly latencyMs: LatencyQuantiles | null;
  readonly inFlight: number;
  /** Reports that arrived for this service after their window had closed (counted, not merged). */
  readonly lateReports: number;
  readonly lateRequests: number;
}
