import { ConfigCheck, isCount } from './config-check.js';

/**
 * Per-instance admission limits: what Envoy calls circuit breaking (and the config section
 * `circuitBreaker`, the metric `slb_proxy_breaker_open` and the code SLB_PROXY_CIRCUIT_OPEN
 * still call it), but not a failure breaker with an open/half-open state machine (that is
 * core's kafka/circuit-breaker.ts): hard limits on what one instance may have outstanding.
 * Past a limit the proxy answers 503 at once (with the reason) instead of queueing more work on
 * an instance that is not keeping up. Usage figures come from the caller (its connection pool
 * and in-flight counters).
 */
export interface AdmissionLimits {
  readonly maxConnections: number;
  readonly maxPending: number;
  readonly maxInFlight: number;
}

/** Envoy's defaults (1024 each). */
export const DEFAULT_ADMISSION_LIMITS: AdmissionLimits = Object.freeze({ maxConnections: 1024, maxPending: 1024, maxInFlight: 1024 });

export function resolveAdmissionLimits(raw: Partial<AdmissionLimits> = {}): AdmissionLimits {
  // The message names the config section operators write (circuitBreaker).
  const c = new ConfigCheck('circuit breaker limits');
  const d = DEFAULT_ADMISSION_LIMITS;
  const out = Object.freeze({
    maxConnections: c.number('maxConnections', raw.maxConnections, d.maxConnections, isCount, 'an integer >= 0'),
    maxPending: c.number('maxPending', raw.maxPending, d.maxPending, isCount, 'an integer >= 0'),
    maxInFlight: c.number('maxInFlight', raw.maxInFlight, d.maxInFlight, isCount, 'an integer >= 0'),
  });
  c.done();
  return out;
}

export interface InstanceUsage {
  /** Open connections to the instance. */
  readonly connections: number;
  /** Requests waiting for a connection. */
  readonly pending: number;
  /** Requests sent and not yet answered. */
  readonly inFlight: number;
}

export type AdmissionLimitKind = 'max-connections' | 'max-pending' | 'max-in-flight';

export type Admission =
  | { readonly admitted: true }
  | { readonly admitted: false; readonly limit: AdmissionLimitKind; readonly current: number; readonly max: number; readonly reason: string };

/** `admit` runs on the request path: the common answer is one shared object. */
const ADMITTED: Admission = Object.freeze({ admitted: true });

function deny(id: string, limit: AdmissionLimitKind, current: number, max: number, what: string): Admission {
  return { admitted: false, limit, current, max, reason: `instance ${id} is at its ${what} limit (${current}/${max})` };
}

/**
 * Whether one more request may go to `id`. In-flight is the limit that protects the instance;
 * pending bounds the queue in front of it. The connection limit itself is enforced by the
 * pool (it opens no more); a request that would need a new connection then waits as pending,
 * so it is refused for connections only when no waiting is allowed (maxPending = 0).
 */
export function admit(id: string, usage: InstanceUsage, limits: AdmissionLimits): Admission {
  if (usage.inFlight >= limits.maxInFlight) return deny(id, 'max-in-flight', usage.inFlight, limits.maxInFlight, 'in-flight requests');
  // The request waits when others already wait, or when every connection is busy and the
  // pool may open no more.
  const atConnectionLimit = usage.inFlight >= usage.connections && usage.connections >= limits.maxConnections;
  const wouldWait = usage.pending > 0 || atConnectionLimit;
  if (wouldWait && usage.pending >= limits.maxPending) {
    return usage.pending === 0
      ? deny(id, 'max-connections', usage.connections, limits.maxConnections, 'connections')
      : deny(id, 'max-pending', usage.pending, limits.maxPending, 'pending requests');
  }
  return ADMITTED;
}

/**
 * Remembers which instances are at a limit, so metrics can show it (`slb_proxy_breaker_open`)
 * and logs can say when an instance reached one ('opened') or is back under ('closed').
 * `observe` returns the transition, if any.
 */
export class AdmissionBoard {
  private readonly open = new Map<string, AdmissionLimitKind>();

  observe(id: string, admission: Admission): 'opened' | 'closed' | undefined {
    const wasOpen = this.open.has(id);
    if (!admission.admitted) {
      this.open.set(id, admission.limit);
      return wasOpen ? undefined : 'opened';
    }
    if (wasOpen) {
      this.open.delete(id);
      return 'closed';
    }
    return undefined;
  }

  isAtLimit(id: string): boolean {
    return this.open.has(id);
  }

  /** Instances currently at a limit, and which limit. */
  atLimit(): ReadonlyMap<string, AdmissionLimitKind> {
    return this.open;
  }

  forget(id: string): void {
    this.open.delete(id);
  }
}
