/**
 * Has a pushed config reached the fleet? Pure: the latest config-status of each proxy in, a
 * verdict out. A proxy is live when it reported within the liveness window before the push;
 * the push converged when every live proxy (and any proxy that reports after the push) has
 * applied the version or a newer one. A proxy that rejected exactly this version fails it.
 * Live is core's fleet rule (`proxyLiveness`), judged at the push with the liveness window.
 */
import { isProxyLive, type ConfigStatus } from '@slb/core';

export interface ConvergenceTarget {
  readonly serviceId: string;
  readonly version: number;
  /** When the push was acknowledged by the broker (ms). */
  readonly pushedAtMs: number;
  /** A proxy whose last status is older than pushedAtMs - liveWindowMs is not waited for. */
  readonly liveWindowMs: number;
  /** Converge only once at least this many proxies applied it. */
  readonly minProxies: number;
}

export interface ProxyProgress {
  readonly proxyId: string;
  readonly state: 'applied' | 'pending' | 'rejected';
  readonly appliedVersion: number | null;
  readonly updatedAtMs: number;
  readonly reason?: string;
  readonly errorCode?: string;
}

export interface Verdict {
  readonly state: 'converged' | 'waiting' | 'rejected';
  readonly proxies: readonly ProxyProgress[];
  /** Proxies with a status too old to count as live (not waited for). */
  readonly ignored: readonly string[];
}

export function isLive(status: ConfigStatus, target: Pick<ConvergenceTarget, 'pushedAtMs' | 'liveWindowMs'>): boolean {
  return isProxyLive(status.updatedAtMs, target.pushedAtMs, target.liveWindowMs);
}

export function convergence(statuses: Iterable<ConfigStatus>, target: ConvergenceTarget): Verdict {
  const proxies: ProxyProgress[] = [];
  const ignored: string[] = [];
  for (const s of statuses) {
    if (!isLive(s, target)) {
      ignored.push(s.proxyId);
      continue;
    }
    const applied = s.appliedVersions[target.serviceId] ?? null;
    const base = { proxyId: s.proxyId, appliedVersion: applied, updatedAtMs: s.updatedAtMs };
    const rejected = s.lastRejected;
    if (applied !== null && applied >= target.version) proxies.push({ ...base, state: 'applied' });
    else if (rejected !== null && rejected.serviceId === target.serviceId && rejected.version === target.version) {
      proxies.push({ ...base, state: 'rejected', reason: rejected.reason, errorCode: rejected.errorCode });
    } else proxies.push({ ...base, state: 'pending' });
  }
  proxies.sort((a, b) => a.proxyId.localeCompare(b.proxyId));
  ignored.sort();
  const state = proxies.some((p) => p.state === 'rejected')
    ? 'rejected'
    : proxies.every((p) => p.state === 'applied') && proxies.length >= target.minProxies
      ? 'converged'
      : 'waiting';
  return { state, proxies, ignored };
}
