/**
 * Config convergence per proxy: which config and decision version each proxy runs (config-status)
 * against the desired ones (config-updates, routing-decisions). A proxy that has not reported a
 * service yet counts as behind; one ahead of us means our desired view lags the topic. Whether a
 * proxy is live or gone is core's fleet rule (`proxyLiveness`), the one the controller's
 * PROXY_STALE and slbctl use.
 */
import { proxyGoneAtMs, proxyLiveness, type ConfigStatus } from '@slb/core';
import type { ProxyConvergence, VersionRow, VersionStatus } from './view-types.js';

const natural = new Intl.Collator('en', { numeric: true });

function status(desired: number | null, applied: number | null): VersionStatus {
  if (desired === null) return 'unknown';
  if (applied === null || applied < desired) return 'behind';
  return applied > desired ? 'ahead' : 'converged';
}

function rows(desired: ReadonlyMap<string, number>, applied: Readonly<Record<string, number>>): VersionRow[] {
  const ids = new Set([...desired.keys(), ...Object.keys(applied)]);
  return [...ids].sort(natural.compare).map((serviceId) => {
    const want = desired.get(serviceId) ?? null;
    const have = Object.hasOwn(applied, serviceId) ? applied[serviceId]! : null;
    return { serviceId, desired: want, applied: have, status: status(want, have) };
  });
}

/** Live or gone at `nowMs`, and the instant it goes if it reports nothing more (the page re-judges with it). */
export function proxyPresence(status: ConfigStatus, nowMs: number): Pick<ProxyConvergence, 'live' | 'goneAtMs'> {
  return { live: proxyLiveness(status.updatedAtMs, nowMs) === 'live', goneAtMs: proxyGoneAtMs(status.updatedAtMs) };
}

export function proxyConvergence(
  status: ConfigStatus,
  desiredConfig: ReadonlyMap<string, number>,
  desiredDecisions: ReadonlyMap<string, number>,
): Omit<ProxyConvergence, 'live' | 'goneAtMs'> {
  const config = rows(desiredConfig, status.appliedVersions);
  const decisions = rows(desiredDecisions, status.decisionVersions);
  return {
    proxyId: status.proxyId,
    updatedAtMs: status.updatedAtMs,
    snapshotLoaded: status.snapshotLoaded,
    converged: [...config, ...decisions].every((r) => r.status === 'converged' || r.status === 'unknown'),
    config,
    decisions,
    lastRejected: status.lastRejected,
  };
}
