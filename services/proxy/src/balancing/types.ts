/**
 * The contract between the proxy's HTTP server and its balancing logic. Everything behind it
 * is pure: no I/O, no clock (time is `nowMs`, a parameter), randomness injected.
 *
 * Call pattern per request:
 *   const ep = balancer.pick({ hashKey, exclude }, now)   // undefined: no endpoint at all
 *   balancer.onStart(ep.id, now) ... balancer.onEnd(ep.id, latencyMs, ok, now)
 * Every pick that is dispatched must see exactly one onStart and one onEnd (in-flight counts
 * drive least-request, peak-EWMA and bounded-load hashing). onEnd for an id that was removed
 * meanwhile is accepted and ignored, so draining instances need no special casing.
 */

export type PolicyKind =
  | 'round-robin'
  | 'weighted-round-robin'
  | 'random'
  | 'least-request'
  | 'peak-ewma'
  | 'consistent-hash';

export interface Endpoint {
  /** Stable identity of the instance; the hash ring and all state are keyed on it. */
  readonly id: string;
  /** Where to send requests (host:port or URL); opaque to the balancer. */
  readonly address: string;
  /** Configured weight, > 0. */
  readonly weight: number;
  readonly zone?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

export interface PickContext {
  /** The consistent-hash key (header, cookie or client address, extracted by the server). */
  readonly hashKey?: string;
  /**
   * Instances already tried for this request: retries and hedges go elsewhere. When every
   * candidate is excluded the exclusion is dropped (a retry on the same instance beats none);
   * the caller can see that from `exclude.has(picked.id)`.
   */
  readonly exclude?: ReadonlySet<string>;
}

/** The control plane's view for one service (from `routing-decisions`). */
export interface RoutingDecisionInput {
  /** Multiplier on the configured weight; ids not listed keep 1. 0 sends no traffic. */
  readonly weights: ReadonlyMap<string, number>;
  /** Instances the controller ejected: excluded unless the balancer is in panic. */
  readonly ejected: ReadonlySet<string>;
  /** At or after this time the decision is ignored and local signals alone decide. */
  readonly expiresAtMs: number;
}

/** Why an instance is not healthy; the instance is healthy only when no source says otherwise. */
export type HealthSource = 'active' | 'outlier';

export interface Balancer {
  readonly policy: PolicyKind;
  pick(ctx: PickContext, nowMs: number): Endpoint | undefined;
  /** The request was dispatched to `id`. */
  onStart(id: string, nowMs: number): void;
  /**
   * The request to `id` finished (ok = a usable response; false = error, timeout, 5xx).
   * `latencyMs` NaN: the try says nothing about the instance's latency (it was never sent, or
   * the client's upload broke off); only the in-flight count changes.
   */
  onEnd(id: string, latencyMs: number, ok: boolean, nowMs: number): void;
  /** Live change of the instance list; instances new after the first call enter slow start. */
  setEndpoints(endpoints: readonly Endpoint[], nowMs: number): void;
  /** Active checks ('active', the default) and outlier ejection ('outlier'); recovery enters slow start. */
  setHealth(id: string, healthy: boolean, nowMs: number, source?: HealthSource): void;
  /** Latest control-plane decision; undefined clears it. Un-ejected instances enter slow start. */
  setDecision(decision: RoutingDecisionInput | undefined, nowMs: number): void;
  /**
   * The instance said it is full (429, or 503 with Retry-After): until `untilMs` it keeps only
   * the slow-start floor (10 %) of the picks the policy gives it, the rest go to instances
   * that are not held back. Not a health state: no ejection, no panic, no slow start after.
   * A later `untilMs` extends the hold; an earlier one is ignored.
   */
  holdBack(id: string, untilMs: number, nowMs: number): void;
  /** Whether some available instance is not in `exclude` (a retry could go somewhere new). */
  hasCandidateOutside(exclude: ReadonlySet<string>, nowMs: number): boolean;
  /** A read-only view for the admin API and metrics. */
  snapshot(nowMs: number): BalancerSnapshot;
}

export interface EndpointSnapshot {
  readonly id: string;
  readonly address: string;
  readonly configWeight: number;
  /** config × decision × slow start, as used right now (0 when excluded). */
  readonly effectiveWeight: number;
  readonly healthy: boolean;
  readonly unhealthySources: readonly HealthSource[];
  readonly ejectedByDecision: boolean;
  /** In [floor, 1]; 1 when not in slow start. */
  readonly slowStartFactor: number;
  readonly inFlight: number;
  /** Peak-EWMA latency estimate in ms (peak-ewma policy only, else undefined). */
  readonly latencyEwmaMs: number | undefined;
  /** Held back (it answered 429 / 503 with Retry-After) until then; undefined when not held. */
  readonly heldBackUntilMs: number | undefined;
}

export interface BalancerSnapshot {
  readonly policy: PolicyKind;
  /** True when available instances are below the panic threshold: traffic spreads over all. */
  readonly panic: boolean;
  /** True when a routing decision is set and not expired. */
  readonly decisionActive: boolean;
  readonly endpoints: readonly EndpointSnapshot[];
}

export interface SlowStartConfig {
  /** Ramp duration; 0 disables slow start. */
  readonly windowMs: number;
  /** Envoy's aggression: factor = (t / window)^(1 / aggression); 1 = linear. */
  readonly aggression: number;
  /** Floor of the ramp, percent of full weight. */
  readonly minWeightPercent: number;
}

export interface PolicyConfig {
  readonly kind: PolicyKind;
  readonly slowStart?: Partial<SlowStartConfig>;
  /** Below this percentage of available instances, spread over all (0 disables). */
  readonly panicThresholdPercent?: number;
  readonly leastRequest?: {
    /** How many random candidates are compared (2 = power of two choices). */
    readonly choiceCount?: number;
    /** Envoy's active_request_bias: weight / (active + 1)^bias when weights differ. */
    readonly activeRequestBias?: number;
  };
  readonly peakEwma?: {
    /** Decay time constant of the EWMA. */
    readonly decayMs?: number;
    /** Latency assumed for an instance with no observation yet. */
    readonly defaultRttMs?: number;
    readonly choiceCount?: number;
  };
  readonly consistentHash?: {
    /** Ring points (virtual nodes) per unit of configured weight; fixed, so membership changes move only the keys they must. */
    readonly pointsPerWeight?: number;
    /** Bounded-load factor c: capacity = ceil(c × average load); 0 disables the bound. */
    readonly loadFactor?: number;
  };
}

export interface BalancerDeps {
  /** Uniform in [0, 1). Injected so tests are deterministic. */
  readonly random: () => number;
}
