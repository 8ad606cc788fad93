/**
 * The read models of the admin API (`GET /admin/state`, `GET /admin/services/:s/instances`),
 * built from plain snapshots so what an operator sees is defined in one place. Pure: the
 * caller takes the snapshots (balancer, outlier detector, budget) at one `now`.
 */
import type { InstanceConfig, Route } from '@slb/core';
import type { BalancerSnapshot, EndpointSnapshot } from '../balancing/types.js';
import type { OutlierHostSnapshot } from '../resilience/outlier-detector.js';

export interface InstancesInput {
  readonly serviceId: string;
  readonly version: number;
  readonly instances: readonly InstanceConfig[];
  readonly balancer: BalancerSnapshot;
  readonly outliers: readonly OutlierHostSnapshot[];
  readonly adminDrained: ReadonlySet<string>;
  inFlight(id: string): number;
  breakerOpen(id: string): boolean;
}

export interface InstanceView {
  readonly id: string;
  readonly address: string;
  readonly weight: number;
  readonly adminDrained: boolean;
  readonly inFlight: number;
  readonly balancer: EndpointSnapshot | null;
  readonly outlier: OutlierHostSnapshot | null;
  readonly breakerOpen: boolean;
}

export interface InstancesView {
  readonly serviceId: string;
  readonly version: number;
  readonly policy: BalancerSnapshot['policy'];
  readonly panic: boolean;
  readonly decisionActive: boolean;
  readonly instances: readonly InstanceView[];
}

/** Per configured instance: weights, health sources, slow start, in flight, outlier state, breaker. */
export function instancesView(s: InstancesInput): InstancesView {
  const outliers = new Map(s.outliers.map((h) => [h.id, h]));
  return {
    serviceId: s.serviceId,
    version: s.version,
    policy: s.balancer.policy,
    panic: s.balancer.panic,
    decisionActive: s.balancer.decisionActive,
    instances: s.instances.map((i) => ({
      id: i.id,
      address: i.address,
      weight: i.weight,
      adminDrained: s.adminDrained.has(i.id),
      inFlight: s.inFlight(i.id),
      balancer: s.balancer.endpoints.find((e) => e.id === i.id) ?? null,
      outlier: outliers.get(i.id) ?? null,
      breakerOpen: s.breakerOpen(i.id),
    })),
  };
}

export interface ServiceStateInput {
  readonly id: string;
  readonly version: number;
  readonly routes: readonly Route[];
  readonly balancer: BalancerSnapshot;
  readonly retryBudget: unknown;
}

export interface ProxyStateView<Status = unknown> {
  readonly proxyId: string;
  readonly draining: boolean;
  readonly inFlight: number;
  readonly snapshotLoaded: boolean;
  readonly status: Status;
  readonly services: readonly unknown[];
}

/** The whole proxy: identity, draining, in flight, config-status, per service balancer and budget. */
export function proxyStateView<Status>(p: Omit<ProxyStateView<Status>, 'services'> & { readonly services: readonly ServiceStateInput[] }): ProxyStateView<Status> {
  return {
    proxyId: p.proxyId,
    draining: p.draining,
    inFlight: p.inFlight,
    snapshotLoaded: p.snapshotLoaded,
    status: p.status,
    services: p.services.map((s) => ({ id: s.id, version: s.version, routes: s.routes, balancer: s.balancer, retryBudget: s.retryBudget })),
  };
}

/** /readyz: ready when listening, not draining and at least one route exists. */
export function readiness(p: { readonly draining: boolean; readonly listening: boolean; readonly routes: number }): { ready: true } | { ready: false; reason: string } {
  if (p.draining) return { ready: false, reason: 'draining' };
  if (!p.listening) return { ready: false, reason: 'not listening' };
  if (p.routes === 0) return { ready: false, reason: 'no config applied' };
  return { ready: true };
}

/** slb_proxy_healthy_instances: instances the balancer counts as healthy. */
export function healthyCount(b: BalancerSnapshot): number {
  let healthy = 0;
  for (const ep of b.endpoints) if (ep.healthy) healthy++;
  return healthy;
}
