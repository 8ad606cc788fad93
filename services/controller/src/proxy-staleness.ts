/**
 * PROXY_STALE for one service: which live proxies have not applied the version they should
 * have by now, for the service's decisions and its config. "Should have by now" is the newest
 * version published at least `graceMs` ago: a proxy always one fresh decision behind is
 * applying, not stale. Only live proxies are judged: whether a proxy is live or gone is core's
 * fleet rule (`proxyLiveness`, the one slbctl and the console use), with `goneAfterMs` as its
 * window. Pure.
 */
import { isProxyLive, type ConfigStatus } from '@slb/core';
import { proxyStaleSignals, type AlertScope, type AlertSignal } from './alerts/index.js';

export interface Published {
  readonly version: number;
  readonly publishedAtMs: number;
}

export interface StalenessInput {
  readonly serviceId: string;
  /** Recent decision versions this member published, oldest first. */
  readonly decisions: readonly Published[];
  /** The accepted config version and when it was accepted. */
  readonly config: Published | null;
  readonly statuses: Iterable<ConfigStatus>;
  readonly graceMs: number;
  /** A proxy whose config-status is older than this is gone (default core's PROXY_GONE_AFTER_MS, 5 min). */
  readonly goneAfterMs?: number;
  readonly nowMs: number;
}

/** The newest entry published at least `graceMs` before now. */
export function dueVersion(published: readonly Published[], graceMs: number, nowMs: number): Published | null {
  for (let i = published.length - 1; i >= 0; i -= 1) {
    const p = published[i]!;
    if (nowMs - p.publishedAtMs > graceMs) return p;
  }
  return null;
}

export function staleProxySignals(input: StalenessInput): { signals: AlertSignal[]; scope: AlertScope } {
  const { serviceId, graceMs, nowMs } = input;
  // Proxies that serve the service: they have applied some config of it.
  const live = [...input.statuses].filter((s) => s.appliedVersions[serviceId] !== undefined && isProxyLive(s.updatedAtMs, nowMs, input.goneAfterMs));
  const merged = new Map<string, AlertSignal>();
  const add = (signals: readonly AlertSignal[]): void => {
    for (const s of signals) {
      const held = merged.get(s.subject ?? '');
      if (held === undefined || (!held.active && s.active)) merged.set(s.subject ?? '', s);
    }
  };
  const decision = dueVersion(input.decisions, graceMs, nowMs);
  if (decision !== null) {
    add(proxyStaleSignals({ key: serviceId, ...decision }, live.map((s) => ({ proxyId: s.proxyId, appliedVersion: s.decisionVersions[serviceId] ?? null })), graceMs, nowMs).signals.map((s) => ({ ...s, summary: `decisions: ${s.summary}` })));
  }
  if (input.config !== null) {
    add(proxyStaleSignals({ key: serviceId, ...input.config }, live.map((s) => ({ proxyId: s.proxyId, appliedVersion: s.appliedVersions[serviceId] ?? null })), graceMs, nowMs).signals.map((s) => ({ ...s, summary: `config: ${s.summary}` })));
  }
  return { signals: [...merged.values()], scope: { serviceId, types: ['PROXY_STALE'] } };
}
