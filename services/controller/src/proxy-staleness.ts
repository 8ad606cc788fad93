/**
 * PROXY_STALE for one service: which live proxies have not applied the version they should
 * have by now, for the service's decisions and its config. "Should have by now" is the newest
 * version published at least `graceMs` ago: a proxy always one fresh decision behind is
 * applying, not stale. Proxies whose config-status has not moved for `goneAfterMs` are taken
 * as gone (their compacted status outlives them) and are not judged. Pure.
 */
import type { ConfigStatus } from '@slb/core';
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
  readonly goneAfterMs: number;
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
  const live = [...input.statuses].filter((s) => s.appliedVersions[serviceId] !== undefined && nowMs - s.updatedAtMs <= input.goneAfterMs);
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
