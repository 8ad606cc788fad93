import type { CombinedVerdict, HealthVerdict } from './types.js';

export interface VerdictPolicy {
  /** Fewer fresh verdicts than this and the combined status is UNKNOWN. */
  readonly quorum: number;
  /** A proxy's verdict older than this (relative to `atMs` of the evaluation) no longer counts. */
  readonly maxAgeMs: number;
}

export const DEFAULT_VERDICT_POLICY: VerdictPolicy = { quorum: 1, maxAgeMs: 30_000 };

/**
 * Combines every proxy's latest verdict on one instance.
 *
 * Rules (docs/scoring.md, "Active checks across proxies"):
 * - only each proxy's latest verdict counts, and only if it is at most `maxAgeMs` old;
 * - fewer fresh verdicts than `quorum` -> UNKNOWN (no evidence either way);
 * - a status held by a strict majority wins;
 * - no strict majority (a tie such as 1 HEALTHY / 1 UNHEALTHY, or a three-way split) -> DEGRADED.
 *   A split fleet usually means a partial fault (one network path, one zone); DEGRADED lowers
 *   the score without ejecting on its own, which is the cautious answer to contradictory evidence.
 */
export function combineVerdicts(
  latestPerProxy: Iterable<HealthVerdict>,
  atMs: number,
  policy: VerdictPolicy = DEFAULT_VERDICT_POLICY,
): CombinedVerdict {
  let healthy = 0;
  let unhealthy = 0;
  let degraded = 0;
  let stale = 0;
  for (const v of latestPerProxy) {
    if (atMs - v.atMs > policy.maxAgeMs) {
      stale += 1;
      continue;
    }
    if (v.status === 'HEALTHY') healthy += 1;
    else if (v.status === 'UNHEALTHY') unhealthy += 1;
    else degraded += 1;
  }
  const n = healthy + unhealthy + degraded;
  const base = { healthy, unhealthy, degraded, stale, quorum: policy.quorum };
  if (n === 0 || n < policy.quorum) return { ...base, status: 'UNKNOWN', rule: 'no-quorum' };
  if (healthy * 2 > n) return { ...base, status: 'HEALTHY', rule: 'majority' };
  if (unhealthy * 2 > n) return { ...base, status: 'UNHEALTHY', rule: 'majority' };
  if (degraded * 2 > n) return { ...base, status: 'DEGRADED', rule: 'majority' };
  return { ...base, status: 'DEGRADED', rule: 'split' };
}

/**
 * Keeps the latest verdict of every proxy on every instance. Verdicts are state, not events in
 * a window: a proxy re-checks on its own schedule, so the newest one per proxy is what counts.
 */
export class VerdictBook {
  private readonly byInstance = new Map<string, Map<string, HealthVerdict>>();

  constructor(private readonly policy: VerdictPolicy = DEFAULT_VERDICT_POLICY) {}

  /** Returns false when the verdict is older than the one already held (a replay or reorder). */
  add(verdict: HealthVerdict): boolean {
    const key = instanceKey(verdict.serviceId, verdict.instanceId);
    let perProxy = this.byInstance.get(key);
    if (perProxy === undefined) {
      perProxy = new Map();
      this.byInstance.set(key, perProxy);
    }
    const held = perProxy.get(verdict.proxyId);
    if (held !== undefined && held.atMs >= verdict.atMs) return false;
    perProxy.set(verdict.proxyId, verdict);
    return true;
  }

  combined(serviceId: string, instanceId: string, atMs: number): CombinedVerdict {
    const perProxy = this.byInstance.get(instanceKey(serviceId, instanceId));
    return combineVerdicts(perProxy?.values() ?? [], atMs, this.policy);
  }

  /** Drops verdicts too old to ever count again, so memory follows the live fleet. */
  prune(atMs: number): void {
    for (const [key, perProxy] of this.byInstance) {
      for (const [proxyId, v] of perProxy) if (atMs - v.atMs > this.policy.maxAgeMs) perProxy.delete(proxyId);
      if (perProxy.size === 0) this.byInstance.delete(key);
    }
  }
}

export function instanceKey(serviceId: string, instanceId: string): string {
  return `${serviceId}\u0000${instanceId}`;
}
