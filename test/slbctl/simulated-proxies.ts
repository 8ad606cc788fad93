/**
 * Stand-ins for proxies on the real broker: they read config-updates like a proxy does (latest
 * per service) and answer on config-status the way a proxy does: applied, rejected, or silent.
 */
import type { ConfigStatus, ConfigUpdate, EventBus, LatestView } from '@slb/core';

export type Answer = 'apply' | 'reject' | 'ignore';

export interface SimulatedFleet {
  close(): Promise<void>;
}

export async function simulateProxies(bus: EventBus, proxyIds: readonly string[], answer: (proxyId: string, u: ConfigUpdate) => Answer = () => 'apply'): Promise<SimulatedFleet> {
  const state = new Map<string, ConfigStatus>(
    proxyIds.map((proxyId) => [proxyId, { proxyId, appliedVersions: {}, decisionVersions: {}, lastRejected: null, updatedAtMs: Date.now(), snapshotLoaded: false }]),
  );
  // Each proxy first reports itself live, as a starting proxy does.
  await Promise.all([...state.values()].map((s) => bus.publish('config-status', s.proxyId, s)));
  const view: LatestView<'config-updates'> = await bus.watchLatest('config-updates', (_key, u) => {
    for (const proxyId of proxyIds) {
      const how = answer(proxyId, u);
      if (how === 'ignore') continue;
      const s = state.get(proxyId)!;
      const next: ConfigStatus =
        how === 'apply'
          ? { ...s, appliedVersions: { ...s.appliedVersions, [u.serviceId]: u.version }, updatedAtMs: Date.now() }
          : { ...s, lastRejected: { serviceId: u.serviceId, version: u.version, reason: 'route /x already belongs to service other', errorCode: 'SLB_SERVICE_CONFIG_INVALID', atMs: Date.now() }, updatedAtMs: Date.now() };
      state.set(proxyId, next);
      void bus.publish('config-status', proxyId, next);
    }
  });
  await view.caughtUp;
  return { close: () => view.close() };
}

/** A proxy that reported long ago and never again (its compacted status outlives it). */
export async function goneProxy(bus: EventBus, proxyId: string, agoMs: number): Promise<void> {
  await bus.publish('config-status', proxyId, { proxyId, appliedVersions: {}, decisionVersions: {}, lastRejected: null, updatedAtMs: Date.now() - agoMs, snapshotLoaded: false });
}
