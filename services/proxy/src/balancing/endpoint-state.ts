import { PeakEwma } from './peak-ewma.js';
import type { Endpoint, HealthSource } from './types.js';

/**
 * Everything the balancer knows about one instance. Mutable on purpose: it is updated on
 * every request, and only the balancer that owns it touches it.
 */
export class EndpointState {
  endpoint: Endpoint;
  inFlight = 0;
  /** Sources currently saying the instance is unhealthy; healthy when empty. */
  readonly unhealthy = new Set<HealthSource>();
  /** Held back (throttled) while now < this; -Infinity when never held. */
  heldUntilMs = -Infinity;
  /** While held back, the next pick may pass to it no earlier than this. */
  trickleAtMs = -Infinity;
  /** Start of the current slow-start ramp, if any. */
  slowStartFromMs: number | undefined;
  /** Smooth weighted round robin's "current weight" (also the dynamic-weight scheduler's). */
  current = 0;
  readonly ewma: PeakEwma;
  /** Available for picks now (cached by the balancer, before retry exclusion). */
  eligible = false;
  /** Effective weight: config × decision × slow start (cached by the balancer). */
  weight = 0;
  /** The weight smooth WRR steps with: `weight`, or least-request's load-adjusted weight. */
  pickWeight = 0;

  constructor(endpoint: Endpoint, slowStartFromMs: number | undefined, ewmaDecayMs: number, defaultRttMs: number, createdAtMs?: number) {
    this.endpoint = endpoint;
    this.slowStartFromMs = slowStartFromMs;
    this.ewma = new PeakEwma(ewmaDecayMs, defaultRttMs, createdAtMs);
  }

  get id(): string {
    return this.endpoint.id;
  }
}
