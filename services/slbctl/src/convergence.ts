/**
 * Has a pushed config reached the fleet? Pure: the latest config-status of each proxy in, a
 * verdict out. A proxy is live when it reported within the liveness window before the push;
 * the push converged when every live proxy (and any proxy that reports after the push) has
 * applied THIS version: its status shows exactly the version (and did not already show it
 * before the push), or it was seen reporting exactly the version after the push. ConfigStatus
 * carries versions only, no content digest, so "this version" is as far as it can be checked.
 * A proxy that rejected exactly this version fails it; so does a proxy that runs a newer
 * version without having applied this one, or that ran this version number before the push (a
 * different config under the same number): the fleet dropped the push as stale or a replay
 * (`stale`, with the version it runs). Live is core's fleet rule (`proxyLiveness`), judged at
 * the push with the liveness window.
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
  /** Proxies whose status showed this version or a newer one before the push: they cannot have applied it. */
  readonly alreadyAt?: ReadonlySet<string>;
  /** Proxies seen reporting exactly this version after the push (applied, even if superseded since). */
  readonly seenApplied?: ReadonlySet<string>;
}

export interface ProxyProgress {
  readonly proxyId: string;
  /** `stale`: the proxy dropped the push (it runs `appliedVersion`, which is not this push). */
  readonly state: 'applied' | 'pending' | 'rejected' | 'stale';
  readonly appliedVersion: number | null;
  readonly updatedAtMs: number;
  readonly reason?: string;
  readonly errorCode?: string;
}

export interface Verdict {
  readonly state: 'converged' | 'waiting' | 'rejected' | 'stale';
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
    const before = target.alreadyAt?.has(s.proxyId) === true;
    if (target.seenApplied?.has(s.proxyId) === true || (applied === target.version && !before)) proxies.push({ ...base, state: 'applied' });
    else if (rejected !== null && rejected.serviceId === target.serviceId && rejected.version === target.version) {
      proxies.push({ ...base, state: 'rejected', reason: rejected.reason, errorCode: rejected.errorCode });
    } else if (applied !== null && applied >= target.version) {
      const reason =
        applied === target.version
          ? `already ran another config as v${applied} before this push: dropped as a replay`
          : `runs v${applied}, newer than v${target.version}: dropped as stale`;
      proxies.push({ ...base, state: 'stale', reason });
    } else proxies.push({ ...base, state: 'pending' });
  }
  proxies.sort((a, b) => a.proxyId.localeCompare(b.proxyId));
  ignored.sort();
  const state = proxies.some((p) => p.state === 'rejected')
    ? 'rejected'
    : proxies.some((p) => p.state === 'stale')
      ? 'stale'
      : proxies.every((p) => p.state === 'applied') && proxies.length >= target.minProxies
        ? 'converged'
        : 'waiting';
  return { state, proxies, ignored };
}
