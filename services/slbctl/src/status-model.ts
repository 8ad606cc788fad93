/**
 * The fleet at a glance, assembled from the control topics (pure): each service's config
 * version and routing decision, each instance's configured and effective weight, state and
 * latest health score, and which proxy runs which config version. An instance's state, weight
 * and reason, and whether a proxy is live, are read through core's fleet read model
 * (`instanceRoute`, `proxyLiveness`), as the controller and the console read them.
 */
import { GLOBAL_SERVICE_ID, instanceRoute, proxyLiveness, type ConfigStatus, type ConfigUpdate, type HealthScore, type InstanceState, type RoutingDecision } from '@slb/core';

export interface InstanceStatus {
  readonly instanceId: string;
  readonly address: string | null;
  /** Static weight from the config; null when the instance is not in the config. */
  readonly configWeight: number | null;
  /** From the routing decision; null when no decision covers it. */
  readonly state: InstanceState | null;
  readonly weight: number | null;
  readonly reason: string;
  readonly stateUntilMs: number | null;
  readonly score: number | null;
  readonly scoreWindowEndMs: number | null;
}

export interface ServiceStatus {
  readonly serviceId: string;
  readonly configVersion: number | null;
  readonly deleted: boolean;
  readonly decisionVersion: number | null;
  readonly decisionExpiresAtMs: number | null;
  /** The decision expired: proxies route on their local loop alone. */
  readonly decisionExpired: boolean;
  readonly panic: boolean;
  readonly instances: readonly InstanceStatus[];
}

export interface ProxyStatus {
  readonly proxyId: string;
  readonly live: boolean;
  readonly updatedAtMs: number;
  readonly appliedVersions: Readonly<Record<string, number>>;
  readonly decisionVersions: Readonly<Record<string, number>>;
  readonly lastRejected: ConfigStatus['lastRejected'];
  readonly snapshotLoaded: boolean;
}

export interface FleetStatus {
  readonly services: readonly ServiceStatus[];
  readonly proxies: readonly ProxyStatus[];
}

export interface StatusInput {
  readonly configs: ReadonlyMap<string, ConfigUpdate>;
  readonly decisions: ReadonlyMap<string, RoutingDecision>;
  /** Health scores in time order; the last one per instance counts. */
  readonly scores: readonly HealthScore[];
  readonly statuses: ReadonlyMap<string, ConfigStatus>;
  readonly nowMs: number;
  /** A proxy whose last config-status is older than this is gone (`--live-within`; core's PROXY_GONE_AFTER_MS by default). */
  readonly liveWindowMs?: number;
  /** Only this service (proxies still listed, with only its versions). */
  readonly serviceId?: string;
}

export function fleetStatus(input: StatusInput): FleetStatus {
  const latestScore = new Map<string, HealthScore>();
  for (const s of input.scores) latestScore.set(`${s.serviceId}\u0000${s.instanceId}`, s);
  const serviceIds = new Set<string>([...input.configs.keys(), ...input.decisions.keys(), ...input.scores.map((s) => s.serviceId)]);
  serviceIds.delete(GLOBAL_SERVICE_ID);
  const services: ServiceStatus[] = [];
  for (const serviceId of [...serviceIds].sort()) {
    if (input.serviceId !== undefined && serviceId !== input.serviceId) continue;
    const config = input.configs.get(serviceId);
    const decision = input.decisions.get(serviceId);
    const ids = new Set<string>([...(config?.instances.map((i) => i.id) ?? []), ...(decision?.instances.map((i) => i.instanceId) ?? [])]);
    for (const s of input.scores) if (s.serviceId === serviceId) ids.add(s.instanceId);
    const instances = [...ids].sort().map((instanceId): InstanceStatus => {
      const c = config?.instances.find((i) => i.id === instanceId);
      const d = instanceRoute(decision, instanceId);
      const score = latestScore.get(`${serviceId}\u0000${instanceId}`);
      return {
        instanceId,
        address: c?.address ?? null,
        configWeight: c?.weight ?? null,
        state: d?.state ?? null,
        weight: d?.weight ?? null,
        reason: d?.reason ?? '',
        stateUntilMs: d?.stateUntilMs ?? null,
        score: score?.score ?? null,
        scoreWindowEndMs: score?.windowEndMs ?? null,
      };
    });
    services.push({
      serviceId,
      configVersion: config?.version ?? null,
      deleted: config?.deleted ?? false,
      decisionVersion: decision?.version ?? null,
      decisionExpiresAtMs: decision?.expiresAtMs ?? null,
      decisionExpired: decision !== undefined && decision.expiresAtMs <= input.nowMs,
      panic: decision?.panic ?? false,
      instances,
    });
  }
  const only = (versions: Record<string, number>): Record<string, number> =>
    input.serviceId === undefined ? { ...versions } : Object.fromEntries(Object.entries(versions).filter(([k]) => k === input.serviceId));
  const proxies = [...input.statuses.values()]
    .map((s): ProxyStatus => ({
      proxyId: s.proxyId,
      live: proxyLiveness(s.updatedAtMs, input.nowMs, input.liveWindowMs) === 'live',
      updatedAtMs: s.updatedAtMs,
      appliedVersions: only(s.appliedVersions),
      decisionVersions: only(s.decisionVersions),
      lastRejected: s.lastRejected,
      snapshotLoaded: s.snapshotLoaded,
    }))
    .sort((a, b) => a.proxyId.localeCompare(b.proxyId));
  return { services, proxies };
}
