/**
 * The console's model: folds the control plane's events into per-service / per-instance state,
 * bounded histories and bounded recent lists. Pure: no bus, no framework, no clock (the time a
 * snapshot is taken at is an argument). The feed (console-feed.ts) calls `apply`; the plugin
 * serves `snapshot()` and streams `takeDelta()`.
 *
 * Versions only move forward (rule 4, docs/architecture.md): an older or repeated ConfigUpdate or
 * RoutingDecision is ignored, and a replayed window replaces its history point.
 */
import { GLOBAL_SERVICE_ID, instanceRoute, type Alert, type AuditLog, type ConfigStatus, type ConfigUpdate, type HealthScore, type MetricsAggregated, type RoutingDecision, type TopicEvents } from '@slb/core';
import { addPoint } from './history.js';
import { proxyConvergence, proxyPresence } from './convergence.js';
import type { AlertEntry, ConsoleDelta, ConsoleSnapshot, InstanceRoutingChange, DecisionEntry, HistoryPoint, InstanceView, ProxyConvergence, ServiceDelta, ServiceView } from './view-types.js';

export interface ConsoleModelLimits {
  /** Points kept per instance history series (score, rps). */
  readonly historyWindows: number;
  readonly recentDecisions: number;
  readonly recentAlerts: number;
  readonly recentAudit: number;
}

export const DEFAULT_LIMITS: ConsoleModelLimits = Object.freeze({
  historyWindows: 120,
  recentDecisions: 50,
  recentAlerts: 200,
  recentAudit: 100,
});

/** The topics the model understands. */
export const CONSOLE_TOPICS = [
  'health-scores',
  'metrics-aggregated',
  'routing-decisions',
  'alerts',
  'audit-logs',
  'config-status',
  'config-updates',
] as const;
export type ConsoleTopic = (typeof CONSOLE_TOPICS)[number];

type MutableInstance = { -readonly [K in keyof InstanceView]: InstanceView[K] };
interface MutableService {
  serviceId: string;
  configVersion: number | null;
  decisionVersion: number | null;
  decisionIssuedAtMs: number | null;
  decisionExpiresAtMs: number | null;
  panic: boolean;
  instances: Map<string, MutableInstance>;
}

const natural = new Intl.Collator('en', { numeric: true });

/** Topics whose events are about one service's instances (they never create a deleted service). */
const SERVICE_EVIDENCE: ReadonlySet<ConsoleTopic> = new Set<ConsoleTopic>(['health-scores', 'metrics-aggregated', 'routing-decisions']);

function emptyInstance(instanceId: string): MutableInstance {
  return {
    instanceId,
    address: null,
    configWeight: null,
    inConfig: false,
    score: null,
    scoreWindowEndMs: null,
    components: [],
    weight: null,
    state: null,
    reason: null,
    stateUntilMs: null,
    decisionScore: null,
    rps: null,
    p95LatencyMs: null,
    errorRate: null,
    inFlight: null,
    metricsWindowEndMs: null,
    scoreHistory: [],
    rpsHistory: [],
  };
}

/** The order the page lists alerts in: firing (newest first), then resolved (latest first). */
function alertOrder(a: AlertEntry, b: AlertEntry): number {
  if (a.state !== b.state) return a.state === 'FIRING' ? -1 : 1;
  const at = (x: AlertEntry): number => (x.state === 'FIRING' ? x.startsAtMs : (x.endsAtMs ?? x.startsAtMs));
  return at(b) - at(a);
}

export class ConsoleModel {
  readonly limits: ConsoleModelLimits;
  private readonly services = new Map<string, MutableService>();
  private readonly desiredConfig = new Map<string, number>();
  private readonly desiredDecisions = new Map<string, number>();
  private readonly proxyStatus = new Map<string, ConfigStatus>();
  private decisions: DecisionEntry[] = [];
  private readonly alerts = new Map<string, AlertEntry>();
  private audit: AuditLog[] = [];
  private revision = 0;
  // What changed since the last takeDelta().
  private readonly dirtyServices = new Set<string>();
  private readonly removedServices = new Set<string>();
  /** Services whose latest config deletes them: late telemetry and decisions must not bring them back. */
  private readonly deletedServices = new Set<string>();
  private readonly dirtySections = new Set<'decisions' | 'alerts' | 'audit' | 'proxies'>();
  /** History points added since the last delta, by service then instance. */
  private readonly newPoints = new Map<string, Map<string, { score: HistoryPoint[]; rps: HistoryPoint[] }>>();

  constructor(limits: Partial<ConsoleModelLimits> = {}) {
    this.limits = Object.freeze({ ...DEFAULT_LIMITS, ...limits });
  }

  /** Fold one event in. Returns whether anything visible changed. */
  apply<T extends ConsoleTopic>(topic: T, value: TopicEvents[T]): boolean {
    const before = this.revision;
    if (SERVICE_EVIDENCE.has(topic) && this.deletedServices.has((value as { serviceId: string }).serviceId)) return false;
    switch (topic) {
      case 'health-scores':
        this.applyScore(value as HealthScore);
        break;
      case 'metrics-aggregated':
        this.applyMetrics(value as MetricsAggregated);
        break;
      case 'routing-decisions':
        this.applyDecision(value as RoutingDecision);
        break;
      case 'alerts':
        this.applyAlert(value as Alert);
        break;
      case 'audit-logs':
        this.applyAudit(value as AuditLog);
        break;
      case 'config-status':
        this.applyConfigStatus(value as ConfigStatus);
        break;
      case 'config-updates':
        this.applyConfigUpdate(value as ConfigUpdate);
        break;
    }
    return this.revision !== before;
  }

  snapshot(nowMs: number): ConsoleSnapshot {
    return {
      generatedAtMs: nowMs,
      historyWindows: this.limits.historyWindows,
      revision: this.revision,
      services: [...this.services.keys()].sort(natural.compare).map((id) => this.serviceView(id)),
      decisions: this.decisions.slice(),
      alerts: this.alertList(),
      audit: this.audit.slice(),
      proxies: this.proxyList(nowMs),
    };
  }

  /** What changed since the previous call, or undefined when nothing did. */
  takeDelta(nowMs: number): ConsoleDelta | undefined {
    if (this.dirtyServices.size === 0 && this.removedServices.size === 0 && this.dirtySections.size === 0) return undefined;
    const delta: ConsoleDelta = {
      generatedAtMs: nowMs,
      revision: this.revision,
      services: [...this.dirtyServices].filter((id) => this.services.has(id)).sort(natural.compare).map((id) => this.serviceDelta(id)),
      removedServices: [...this.removedServices].filter((id) => !this.services.has(id)),
      ...(this.dirtySections.has('decisions') ? { decisions: this.decisions.slice() } : {}),
      ...(this.dirtySections.has('alerts') ? { alerts: this.alertList() } : {}),
      ...(this.dirtySections.has('audit') ? { audit: this.audit.slice() } : {}),
      ...(this.dirtySections.has('proxies') ? { proxies: this.proxyList(nowMs) } : {}),
    };
    this.dirtyServices.clear();
    this.removedServices.clear();
    this.newPoints.clear();
    this.dirtySections.clear();
    return delta;
  }

  // --- folding -------------------------------------------------------------------------------------

  private applyScore(e: HealthScore): void {
    const instance = this.instance(e.serviceId, e.instanceId);
    instance.scoreHistory = addPoint(instance.scoreHistory, { t: e.windowEndMs, v: e.score }, this.limits.historyWindows);
    const added = this.pending(e.serviceId, e.instanceId);
    // Bounded too: a model nobody takes deltas from must not grow.
    added.score = addPoint(added.score, { t: e.windowEndMs, v: e.score }, this.limits.historyWindows);
    // A late window goes into the history but does not overwrite a newer "current" figure.
    if (instance.scoreWindowEndMs === null || e.windowEndMs >= instance.scoreWindowEndMs) {
      instance.score = e.score;
      instance.scoreWindowEndMs = e.windowEndMs;
      instance.components = e.components;
    }
    this.touchService(e.serviceId);
  }

  private applyMetrics(e: MetricsAggregated): void {
    const instance = this.instance(e.serviceId, e.instanceId);
    instance.rpsHistory = addPoint(instance.rpsHistory, { t: e.windowEndMs, v: e.rps }, this.limits.historyWindows);
    const added = this.pending(e.serviceId, e.instanceId);
    added.rps = addPoint(added.rps, { t: e.windowEndMs, v: e.rps }, this.limits.historyWindows);
    if (instance.metricsWindowEndMs === null || e.windowEndMs >= instance.metricsWindowEndMs) {
      instance.rps = e.rps;
      instance.p95LatencyMs = e.p95LatencyMs;
      instance.errorRate = e.errorRate;
      instance.inFlight = e.inFlight;
      instance.metricsWindowEndMs = e.windowEndMs;
    }
    this.touchService(e.serviceId);
  }

  private applyDecision(e: RoutingDecision): void {
    const known = this.desiredDecisions.get(e.serviceId);
    if (known !== undefined && e.version <= known) return;
    const service = this.service(e.serviceId);
    const changes: InstanceRoutingChange[] = [];
    const named = new Set<string>();
    for (const d of e.instances) {
      named.add(d.instanceId);
      const instance = this.instance(e.serviceId, d.instanceId);
      const from = instance.state === null || instance.weight === null ? null : { state: instance.state, weight: instance.weight };
      if (from === null || from.state !== d.state || from.weight !== d.weight) {
        changes.push({ instanceId: d.instanceId, from, to: { state: d.state, weight: d.weight }, reason: d.reason });
      }
      // Read the way every surface reads it (core's fleet read model).
      const route = instanceRoute(e, d.instanceId)!;
      instance.weight = route.weight;
      instance.state = route.state;
      instance.reason = route.reason;
      instance.stateUntilMs = route.stateUntilMs;
      instance.decisionScore = route.citedScore;
    }
    for (const instance of service.instances.values()) {
      if (named.has(instance.instanceId)) continue;
      instance.weight = null;
      instance.state = null;
      instance.reason = null;
      instance.stateUntilMs = null;
      instance.decisionScore = null;
    }
    service.decisionVersion = e.version;
    service.decisionIssuedAtMs = e.issuedAtMs;
    service.decisionExpiresAtMs = e.expiresAtMs;
    service.panic = e.panic;
    this.desiredDecisions.set(e.serviceId, e.version);
    const entry: DecisionEntry = {
      serviceId: e.serviceId,
      version: e.version,
      issuedAtMs: e.issuedAtMs,
      expiresAtMs: e.expiresAtMs,
      issuedBy: e.issuedBy,
      configVersion: e.configVersion,
      panic: e.panic,
      instances: e.instances,
      changes,
      evidence: e.evidence,
    };
    this.decisions = [entry, ...this.decisions].slice(0, this.limits.recentDecisions);
    this.touchService(e.serviceId);
    this.touchSection('decisions');
    this.touchSection('proxies');
  }

  private applyAlert(e: Alert): void {
    const current = this.alerts.get(e.dedupKey);
    // A FIRING that is not newer than the RESOLVED we hold is a replay, not a re-fire.
    if (current !== undefined && current.state === 'RESOLVED' && e.state === 'FIRING' && e.startsAtMs <= (current.endsAtMs ?? current.startsAtMs)) return;
    if (current !== undefined && current.alertId === e.alertId) return;
    this.alerts.delete(e.dedupKey);
    this.alerts.set(e.dedupKey, {
      dedupKey: e.dedupKey,
      alertId: e.alertId,
      name: e.name,
      state: e.state,
      severity: e.severity,
      serviceId: e.serviceId,
      instanceId: e.instanceId,
      summary: e.summary,
      description: e.description,
      labels: e.labels,
      startsAtMs: e.startsAtMs,
      endsAtMs: e.endsAtMs,
      evidence: e.evidence,
    });
    // Bounded: drop resolved alerts first (oldest first), then the oldest firing ones.
    if (this.alerts.size > this.limits.recentAlerts) {
      const keep = new Set(this.alertList().slice(0, this.limits.recentAlerts).map((a) => a.dedupKey));
      for (const key of [...this.alerts.keys()]) if (!keep.has(key)) this.alerts.delete(key);
    }
    this.touchSection('alerts');
  }

  private applyAudit(e: AuditLog): void {
    // Delivery is at-least-once: a redelivered record is shown once.
    if (this.audit.some((a) => a.auditId === e.auditId)) return;
    this.audit = [e, ...this.audit].sort((a, b) => b.atMs - a.atMs).slice(0, this.limits.recentAudit);
    this.touchSection('audit');
  }

  private applyConfigStatus(e: ConfigStatus): void {
    const current = this.proxyStatus.get(e.proxyId);
    if (current !== undefined && e.updatedAtMs < current.updatedAtMs) return;
    this.proxyStatus.set(e.proxyId, e);
    this.touchSection('proxies');
  }

  /**
   * A tombstone (null value) for the service's key on config-updates: removed as by a deleted
   * config, and its desired version forgotten (a tombstone has none; the next update re-creates
   * the service whatever its version). Returns whether anything visible changed.
   */
  removeService(serviceId: string): boolean {
    const before = this.revision;
    if (this.desiredConfig.delete(serviceId)) this.touchSection('proxies');
    if (serviceId === GLOBAL_SERVICE_ID) return this.revision !== before;
    this.deletedServices.add(serviceId);
    if (this.services.delete(serviceId)) {
      this.removedServices.add(serviceId);
      this.revision += 1;
    }
    this.newPoints.delete(serviceId);
    this.desiredDecisions.delete(serviceId);
    this.dirtyServices.delete(serviceId);
    return this.revision !== before;
  }

  private applyConfigUpdate(e: ConfigUpdate): void {
    const known = this.desiredConfig.get(e.serviceId);
    if (known !== undefined && e.version <= known) return;
    this.desiredConfig.set(e.serviceId, e.version);
    this.touchSection('proxies');
    if (e.serviceId === GLOBAL_SERVICE_ID) {
      this.revision += 1;
      return;
    }
    if (e.deleted) this.deletedServices.add(e.serviceId);
    else this.deletedServices.delete(e.serviceId);
    if (e.deleted) {
      if (this.services.delete(e.serviceId)) this.removedServices.add(e.serviceId);
      this.newPoints.delete(e.serviceId);
      this.desiredDecisions.delete(e.serviceId);
      this.dirtyServices.delete(e.serviceId);
      this.revision += 1;
      return;
    }
    const service = this.service(e.serviceId);
    service.configVersion = e.version;
    const configured = new Set(e.instances.map((i) => i.id));
    // Instances removed from the config leave the view (their telemetry stops with them).
    for (const id of [...service.instances.keys()]) {
      if (configured.has(id)) continue;
      service.instances.delete(id);
      this.newPoints.get(e.serviceId)?.delete(id);
    }
    for (const i of e.instances) {
      const instance = this.instance(e.serviceId, i.id);
      instance.address = i.address;
      instance.configWeight = i.weight;
      instance.inConfig = true;
    }
    this.touchService(e.serviceId);
  }

  // --- helpers -------------------------------------------------------------------------------------

  private service(serviceId: string): MutableService {
    let service = this.services.get(serviceId);
    if (service === undefined) {
      service = {
        serviceId,
        configVersion: null,
        decisionVersion: null,
        decisionIssuedAtMs: null,
        decisionExpiresAtMs: null,
        panic: false,
        instances: new Map(),
      };
      this.services.set(serviceId, service);
      this.removedServices.delete(serviceId);
    }
    return service;
  }

  private instance(serviceId: string, instanceId: string): MutableInstance {
    const service = this.service(serviceId);
    let instance = service.instances.get(instanceId);
    if (instance === undefined) service.instances.set(instanceId, (instance = emptyInstance(instanceId)));
    return instance;
  }

  private touchService(serviceId: string): void {
    this.dirtyServices.add(serviceId);
    this.revision += 1;
  }

  private touchSection(section: 'decisions' | 'alerts' | 'audit' | 'proxies'): void {
    this.dirtySections.add(section);
    this.revision += 1;
  }

  private serviceView(serviceId: string): ServiceView {
    const s = this.services.get(serviceId)!;
    return {
      serviceId: s.serviceId,
      configVersion: s.configVersion,
      decisionVersion: s.decisionVersion,
      decisionIssuedAtMs: s.decisionIssuedAtMs,
      decisionExpiresAtMs: s.decisionExpiresAtMs,
      panic: s.panic,
      instances: [...s.instances.keys()].sort(natural.compare).map((id) => ({ ...s.instances.get(id)! })),
    };
  }

  private serviceDelta(serviceId: string): ServiceDelta {
    const { instances, ...head } = this.serviceView(serviceId);
    const points = this.newPoints.get(serviceId);
    return {
      ...head,
      instances: instances.map(({ scoreHistory: _s, rpsHistory: _r, ...rest }) => {
        const added = points?.get(rest.instanceId);
        return { ...rest, scorePoints: added?.score ?? [], rpsPoints: added?.rps ?? [] };
      }),
    };
  }

  private pending(serviceId: string, instanceId: string): { score: HistoryPoint[]; rps: HistoryPoint[] } {
    let service = this.newPoints.get(serviceId);
    if (service === undefined) this.newPoints.set(serviceId, (service = new Map()));
    let entry = service.get(instanceId);
    if (entry === undefined) service.set(instanceId, (entry = { score: [], rps: [] }));
    return entry;
  }

  private alertList(): AlertEntry[] {
    return [...this.alerts.values()].sort(alertOrder);
  }

  private proxyList(nowMs: number): ProxyConvergence[] {
    return [...this.proxyStatus.keys()].sort(natural.compare).map((id) => {
      const status = this.proxyStatus.get(id)!;
      return { ...proxyConvergence(status, this.desiredConfig, this.desiredDecisions), ...proxyPresence(status, nowMs) };
    });
  }
}
