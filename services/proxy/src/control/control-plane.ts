/**
 * The proxy's applied state and how it changes: config updates and routing decisions are
 * checked first (service-config: normalize, validate, signature, version), then applied by
 * building a new RoutedService and a new immutable route table and swapping one reference
 * between requests. A rejected update changes nothing and is reported (config-status, logs,
 * metrics). Versions only move forward, for configs and decisions alike.
 */
import type { KeyObject } from 'node:crypto';
import { GLOBAL_SERVICE_ID, SlbError, checkConfigUpdate, validateEvent, type ConfigStatus, type ConfigUpdate, type RoutingDecision } from '@slb/core';
import type { Logger } from 'pino';
import type { RoutingDecisionInput } from '../balancing/index.js';
import type { ProxyMetrics } from '../operations/metrics.js';
import { buildRouteTable, type RouteEntry, type RouteTable } from '../data-path/route-table.js';
import { buildRoutedService, retireInstance, type RoutedInstance, type RoutedService } from './routed-service.js';

export type ApplyResult =
  | { readonly applied: true; readonly serviceId: string; readonly version: number }
  | { readonly applied: false; readonly serviceId: string; readonly version: number; readonly error: SlbError };

export interface ControlPlaneDeps {
  readonly proxyId: string;
  readonly now: () => number;
  readonly random: () => number;
  readonly metrics: ProxyMetrics;
  readonly logger: Logger;
  readonly publicKey: KeyObject | string | undefined;
  /** The local address connections to instances leave from; undefined: the OS picks. */
  readonly upstreamSourceAddress?: string | undefined;
  /** Called after every successful change (snapshot, health checks, status). */
  readonly onChange: (kind: 'config' | 'decision', serviceId: string) => void;
  /** Called after every applied or rejected config (config-status). */
  readonly onStatus: (status: ConfigStatus) => void;
  /** An update was refused (not for replays of applied versions): audit and alert. */
  readonly onRejected?: (serviceId: string, version: number, error: SlbError) => void;
  /** An update was applied: audit (and resolve a rejection alert). */
  readonly onApplied?: (update: ConfigUpdate, previous: ConfigUpdate | undefined) => void;
}

function toDecisionInput(d: RoutingDecision): RoutingDecisionInput {
  const weights = new Map<string, number>();
  const ejected = new Set<string>();
  for (const i of d.instances) {
    if (i.state === 'EJECTED') ejected.add(i.instanceId);
    // Draining: no new requests; in-flight ones finish on their own.
    weights.set(i.instanceId, i.state === 'DRAINING' ? 0 : i.weight);
  }
  return { weights, ejected, expiresAtMs: d.expiresAtMs };
}

export class ControlPlane {
  private readonly services = new Map<string, RoutedService>();
  private readonly decisions = new Map<string, RoutingDecision>();
  private readonly appliedVersions = new Map<string, number>();
  private readonly decisionVersions = new Map<string, number>();
  /** Instances drained through the admin API, per service: kept out of the balancer. */
  private readonly adminDrained = new Map<string, Set<string>>();
  private lastRejected: ConfigStatus['lastRejected'] = null;
  snapshotLoaded = false;
  /** The current route table; requests read this one reference. */
  table: RouteTable<RoutedService> = buildRouteTable<RoutedService>([]);

  constructor(private readonly deps: ControlPlaneDeps) {}

  service(id: string): RoutedService | undefined {
    return this.services.get(id);
  }

  allServices(): IterableIterator<RoutedService> {
    return this.services.values();
  }

  configs(): ConfigUpdate[] {
    return [...this.services.values()].map((s) => s.config);
  }

  allDecisions(): RoutingDecision[] {
    return [...this.decisions.values()];
  }

  status(): ConfigStatus {
    return {
      proxyId: this.deps.proxyId,
      appliedVersions: Object.fromEntries(this.appliedVersions),
      decisionVersions: Object.fromEntries(this.decisionVersions),
      lastRejected: this.lastRejected,
      updatedAtMs: this.deps.now(),
      snapshotLoaded: this.snapshotLoaded,
    };
  }

  private reject(serviceId: string, version: number, error: SlbError): ApplyResult {
    if (error.code === 'SLB_SERVICE_CONFIG_STALE') {
      // Replays are normal on compacted topics (snapshot first, then the topic from the
      // beginning): not applied, counted, but neither an operator-facing rejection nor an alert.
      this.deps.metrics.configRejected.labels(serviceId === '' ? 'unknown' : serviceId, error.code).inc();
      this.deps.logger.debug({ serviceId, version, code: error.code }, 'stale config ignored');
      return { applied: false, serviceId, version, error };
    }
    this.deps.onRejected?.(serviceId, version, error);
    this.lastRejected = { serviceId, version, reason: error.message, errorCode: error.code, atMs: this.deps.now() };
    this.deps.metrics.configRejected.labels(serviceId === '' ? 'unknown' : serviceId, error.code).inc();
    this.deps.logger.warn({ serviceId, version, code: error.code, issues: error.details?.issues }, 'config rejected');
    this.deps.onStatus(this.status());
    return { applied: false, serviceId, version, error };
  }

  /**
   * `from: 'snapshot'`: the proxy's own file, written by this or a newer version: a field this
   * version does not know is dropped, not refused (a downgrade must still boot from it). Every
   * other source (bus, file, admin API) is strict.
   */
  applyConfig(raw: unknown, from: 'snapshot' | 'live' = 'live'): ApplyResult {
    const rawObj = (typeof raw === 'object' && raw !== null ? raw : {}) as { serviceId?: unknown; version?: unknown };
    const serviceId = typeof rawObj.serviceId === 'string' ? rawObj.serviceId : '';
    const checked = checkConfigUpdate(raw, {
      publicKey: this.deps.publicKey,
      appliedVersion: this.appliedVersions.get(serviceId),
      unknownFields: from === 'snapshot' ? 'ignore' : 'reject',
    });
    const version = typeof rawObj.version === 'number' ? rawObj.version : -1;
    if (!checked.ok) return this.reject(serviceId, version, checked.error);
    const u = checked.value;
    if (u.serviceId === GLOBAL_SERVICE_ID) {
      // Fleet-wide settings carry no routes; record the version so status shows it was seen.
      this.appliedVersions.set(u.serviceId, u.version);
      this.deps.onStatus(this.status());
      return { applied: true, serviceId: u.serviceId, version: u.version };
    }
    const previous = this.services.get(u.serviceId);
    if (u.deleted) {
      this.services.delete(u.serviceId);
      this.rebuildTable();
      if (previous !== undefined) for (const inst of previous.instances.values()) void retireInstance(inst);
      return this.applied(u, previous);
    }
    const conflict = this.routeConflict(u);
    if (conflict !== undefined) {
      return this.reject(u.serviceId, u.version, new SlbError('SLB_SERVICE_CONFIG_INVALID', conflict, { details: { issues: [{ path: 'routes', message: conflict }] } }));
    }
    let built: { service: RoutedService; removed: RoutedInstance[] };
    try {
      built = buildRoutedService(
        u,
        previous,
        { random: this.deps.random, now: this.deps.now(), sourceAddress: this.deps.upstreamSourceAddress },
        this.adminDrained.get(u.serviceId),
      );
    } catch (err) {
      const e = err instanceof SlbError ? new SlbError('SLB_SERVICE_CONFIG_INVALID', err.message, { cause: err }) : new SlbError('SLB_SERVICE_CONFIG_INVALID', String(err));
      return this.reject(u.serviceId, u.version, e);
    }
    this.services.set(u.serviceId, built.service);
    this.rebuildTable();
    const decision = this.decisions.get(u.serviceId);
    if (decision !== undefined && built.service.balancer !== previous?.balancer) built.service.balancer.setDecision(toDecisionInput(decision), this.deps.now());
    for (const inst of built.removed) void retireInstance(inst);
    return this.applied(u, previous);
  }

  /**
   * A tombstone (null value) for the service's key on config-updates: the service goes exactly
   * as with `deleted: true` (routes gone, instances retired, status updated), and its applied
   * version goes with it. A tombstone has no version: it removes whatever version was applied,
   * and the next update for the key re-creates the service whatever its version, as on a proxy
   * that replays the compacted topic and finds nothing left of the service. Returns whether
   * anything was removed.
   */
  removeService(serviceId: string): boolean {
    const previous = this.services.get(serviceId);
    const hadVersion = this.appliedVersions.delete(serviceId);
    this.adminDrained.delete(serviceId);
    if (previous === undefined && !hadVersion) return false;
    if (previous !== undefined) {
      this.services.delete(serviceId);
      this.rebuildTable();
      for (const inst of previous.instances.values()) void retireInstance(inst);
    }
    this.deps.metrics.configVersion.remove(serviceId);
    this.deps.logger.info({ serviceId, previous: previous?.version }, 'config removed by tombstone');
    this.deps.onChange('config', serviceId);
    this.deps.onStatus(this.status());
    return true;
  }

  private applied(u: ConfigUpdate, previous: RoutedService | undefined): ApplyResult {
    this.appliedVersions.set(u.serviceId, u.version);
    this.deps.metrics.configVersion.labels(u.serviceId).set(u.version);
    this.deps.logger.info({ serviceId: u.serviceId, version: u.version, previous: previous?.version, deleted: u.deleted }, 'config applied');
    this.deps.onChange('config', u.serviceId);
    this.deps.onApplied?.(u, previous?.config);
    this.deps.onStatus(this.status());
    return { applied: true, serviceId: u.serviceId, version: u.version };
  }

  /** A route (host + prefix) may belong to one service only. */
  private routeConflict(u: ConfigUpdate): string | undefined {
    const mine = new Set(u.routes.map((r) => `${(r.host ?? '*').toLowerCase()} ${r.pathPrefix}`));
    for (const s of this.services.values()) {
      if (s.id === u.serviceId) continue;
      for (const r of s.config.routes) {
        const key = `${(r.host ?? '*').toLowerCase()} ${r.pathPrefix}`;
        if (mine.has(key)) return `route ${r.host ?? '*'}${r.pathPrefix} already belongs to service ${s.id}`;
      }
    }
    return undefined;
  }

  private rebuildTable(): void {
    const entries: RouteEntry<RoutedService>[] = [];
    for (const s of this.services.values()) for (const r of s.config.routes) entries.push({ host: r.host, pathPrefix: r.pathPrefix, service: s });
    this.table = buildRouteTable(entries);
  }

  applyDecision(d: RoutingDecision): ApplyResult {
    const issues = validateEvent('routing-decisions', d);
    if (issues.length > 0) {
      const text = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
      return this.reject(d.serviceId ?? '', d.version ?? -1, new SlbError('SLB_EVENT_INVALID', `routing decision is invalid: ${text}`, { details: { issues } }));
    }
    const applied = this.decisionVersions.get(d.serviceId);
    if (applied !== undefined && d.version <= applied) {
      // A replay or an old decision arriving late: ignored, not an operator-facing rejection.
      const error = new SlbError('SLB_SERVICE_CONFIG_STALE', `decision ${d.serviceId}@${d.version} is not newer than ${applied}`);
      this.deps.logger.debug({ serviceId: d.serviceId, version: d.version, applied }, 'stale decision ignored');
      return { applied: false, serviceId: d.serviceId, version: d.version, error };
    }
    this.decisions.set(d.serviceId, d);
    this.decisionVersions.set(d.serviceId, d.version);
    // Decisions for a service without config yet are kept and applied when the config comes.
    this.services.get(d.serviceId)?.balancer.setDecision(toDecisionInput(d), this.deps.now());
    this.deps.onChange('decision', d.serviceId);
    this.deps.onStatus(this.status());
    return { applied: true, serviceId: d.serviceId, version: d.version };
  }

  /** Admin: stop sending new requests to one instance (in-flight ones finish), or undo it. */
  setInstanceDrained(serviceId: string, instanceId: string, drained: boolean): boolean {
    const svc = this.services.get(serviceId);
    if (svc === undefined || !svc.instances.has(instanceId)) return false;
    let set = this.adminDrained.get(serviceId);
    if (set === undefined) this.adminDrained.set(serviceId, (set = new Set()));
    if (drained) set.add(instanceId);
    else set.delete(instanceId);
    const endpoints = svc.config.instances
      .filter((i) => i.weight > 0 && !set.has(i.id))
      .map((i) => ({ id: i.id, address: i.address, weight: i.weight, tags: i.tags }));
    svc.balancer.setEndpoints(endpoints, this.deps.now());
    return true;
  }

  drainedInstances(serviceId: string): ReadonlySet<string> {
    return this.adminDrained.get(serviceId) ?? new Set();
  }

  async close(): Promise<void> {
    const all: Promise<void>[] = [];
    for (const s of this.services.values()) for (const inst of s.instances.values()) all.push(retireInstance(inst));
    this.services.clear();
    this.rebuildTable();
    await Promise.all(all);
  }
}
