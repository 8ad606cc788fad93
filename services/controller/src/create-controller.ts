/**
 * The controller service (docs/controller.md): a consumer group member on health-scores and
 * config-updates that owns the services of its partitions. Thin wiring around the pure parts:
 * decisions/ (decide), alerts/ (the alert book), config-assessment, operator-actions,
 * decision-wire, audit-records. Works on any EventBus: Kafka (distributed) or in-process
 * (standalone).
 *
 * Per service, work runs on one serial lane, so decisions of a service are published in
 * version order. Ownership is learnt from the input: a member decides for a service while its
 * scores keep arriving here, takes it over from the latest routing decision (versions continue
 * above it, ejections and ramps keep their end times), and lets it go when another member
 * publishes a newer decision for it or its input stops for `ownershipTtlMs`.
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import {
  SlbError,
  signConfigUpdate,
  type AuditLog,
  type ConfigUpdate,
  type Delivered,
  type EventBus,
  type HealthScore,
  type LatestView,
  type Logger,
  type RoutingDecision as WireDecision,
  type Subscription,
  type TopicName,
} from '@slb/core';
import {
  createServiceState,
  decide,
  decisionPolicy,
  type DecisionChange,
  type DecisionPolicy,
  type InstanceScoreInput,
  type RoutingDecision,
  type ServiceDecisionState,
} from './decisions/index.js';
import {
  configSignal,
  consumerLagSignal,
  createAlertBook,
  decisionSignals,
  dedupKey,
  DEFAULT_ALERT_POLICY,
  DEFAULT_DECISION_ALERT_THRESHOLDS,
  DEFAULT_METRIC_ALERT_THRESHOLDS,
  metricSignals,
  updateAlerts,
  type AlertBookState,
  type AlertPolicy,
  type AlertScope,
  type AlertSignal,
  type DecisionAlertThresholds,
  type FiringAlert,
  type MetricAlertThresholds,
} from './alerts/index.js';
import { assessConfigUpdate, type AcceptedConfig } from './config-assessment.js';
import { drainedInstances, scoreInputOf, stateFromWireDecision, toWireDecision } from './decision-wire.js';
import { alertAuditRecord, configAuditRecord, decisionAuditRecords, operatorAuditRecord, type AuditContext } from './audit-records.js';
import { toWireAlert } from './alert-wire.js';
import { applyOperatorAction, actionName, type OperatorAction } from './operator-actions.js';
import { staleProxySignals, type Published } from './proxy-staleness.js';
import { serviceWindowMetrics } from './window-metrics.js';
import { explainInstance, type WhyAnswer } from './why.js';
import { createControllerMetrics, type ControllerMetrics } from './metrics.js';

export const DEFAULT_CONTROLLER_GROUP = 'slb-controller';

/** One partition's lag of this controller's group (from the broker's committed and end offsets). */
export interface LagSample {
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
  readonly lag: number;
}

export interface ControllerOptions {
  readonly bus: EventBus;
  /** This member's name: the actor of its audit records and the issuer of its decisions. */
  readonly member: string;
  readonly groupId?: string;
  /** Overrides of the decision policy (docs/decisions.md); a service's config overrides slowStartMs and panic. */
  readonly policy?: Partial<DecisionPolicy>;
  readonly alertPolicy?: Partial<AlertPolicy>;
  readonly decisionAlertThresholds?: Partial<DecisionAlertThresholds>;
  /** Thresholds of ERROR_RATE_HIGH / LATENCY_SLO_BREACH; `sloP95Ms` is the default SLO of every service. */
  readonly metricThresholds?: Partial<MetricAlertThresholds>;
  /** Per-service latency SLOs (p95, ms) over metricThresholds.sloP95Ms. */
  readonly latencySloMs?: Readonly<Record<string, number>>;
  /** How long the scores of one window are collected before a decision step (default 200 ms). */
  readonly batchMs?: number;
  /** Timer of time-driven steps: refreshes, slow-start ramps, alert holds, PROXY_STALE (default 1 s). */
  readonly tickMs?: number;
  /** A service whose scores stopped arriving here this long ago is let go (default 30 s). */
  readonly ownershipTtlMs?: number;
  /** PROXY_STALE: a proxy must have applied a version this long after it was published (default 15 s). */
  readonly proxyStaleGraceMs?: number;
  /** Proxies whose config-status has not moved for this long are taken as gone (default 5 min). */
  readonly proxyGoneAfterMs?: number;
  /** CONSUMER_LAG source (distributed mode: kafka-lag.ts); without one the alert is not raised. */
  readonly lagReader?: () => Promise<readonly LagSample[]>;
  readonly lagThreshold?: number;
  readonly lagIntervalMs?: number;
  /** Where a group with no committed offsets starts (default false: latest). */
  readonly fromBeginning?: boolean;
  /** Signs the config-updates the controller writes itself (when proxies verify signatures). */
  readonly signingKey?: KeyObject | string | Buffer;
  /** How many of its own recent audit records the member keeps for /api/why (default 2,000). */
  readonly auditMemory?: number;
  readonly registry?: Registry;
  readonly logger?: Logger;
  readonly now?: () => number;
}

export interface ServiceSummary {
  readonly serviceId: string;
  readonly decisionVersion: number | null;
  readonly configVersion: number | null;
  readonly panic: boolean;
  readonly ejected: readonly string[];
  readonly lastInputAtMs: number;
}

export interface Controller {
  readonly member: string;
  readonly running: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Services this member decides for now. */
  services(): ServiceSummary[];
  /** The latest routing decision of a service (this member's, else the topic's). */
  decision(serviceId: string): WireDecision | undefined;
  /** The service's last good config as this member knows it. */
  config(serviceId: string): ConfigUpdate | undefined;
  /** This member's recent audit records, newest last (optionally of one entity). */
  audit(entityId?: string): AuditLog[];
  why(serviceId: string, instanceId: string): WhyAnswer;
  /** An operator action: a new config version on config-updates, audited. Resolves with it. */
  operatorAction(serviceId: string, action: OperatorAction, operator: string): Promise<ConfigUpdate>;
}

interface PendingScore {
  readonly input: InstanceScoreInput;
  readonly score: HealthScore;
}

interface ServiceRuntime {
  readonly serviceId: string;
  state: ServiceDecisionState | null;
  /** Scores not yet decided on, in arrival order (several windows after a handover wait). */
  pending: PendingScore[];
  batchTimer: NodeJS.Timeout | null;
  lane: Promise<void>;
  lastInputAtMs: number;
  /** Newest window seen, when it arrived, the gap between the last two, and how many so far. */
  newestWindowEndMs: number;
  windowArrivedAtMs: number | null;
  windowIntervalMs: number | null;
  windowsSeen: number;
  /** Taking over from another member whose decision is still valid: wait until it has gone quiet. */
  handover: { readonly fromWindows: number; readonly deadlineMs: number; readonly from: string } | null;
  lastWire: WireDecision | undefined;
  readonly published: Published[];
  released: boolean;
}

/** Distinct windows a member taking a service over waits for before it publishes (see handover). */
const HANDOVER_WINDOWS = 3;
/** Time-driven steps stop when no new window came for this many window intervals. */
const INPUT_STALE_INTERVALS = 1.5;
const PUBLISHED_MEMORY = 32;

export function createController(options: ControllerOptions): Controller {
  const { bus, member } = options;
  const now = options.now ?? Date.now;
  const logger = options.logger ?? pino({ level: 'silent' });
  const registry = options.registry ?? new Registry();
  const metrics: ControllerMetrics = createControllerMetrics(registry);
  const groupId = options.groupId ?? DEFAULT_CONTROLLER_GROUP;
  const basePolicy = decisionPolicy(options.policy);
  const alertPolicy: AlertPolicy = { ...DEFAULT_ALERT_POLICY, ...options.alertPolicy };
  const decisionThresholds = { ...DEFAULT_DECISION_ALERT_THRESHOLDS, ...options.decisionAlertThresholds };
  const metricThresholds = { ...DEFAULT_METRIC_ALERT_THRESHOLDS, ...options.metricThresholds };
  const batchMs = options.batchMs ?? 200;
  const tickMs = options.tickMs ?? 1_000;
  const ownershipTtlMs = options.ownershipTtlMs ?? 30_000;
  const proxyStaleGraceMs = options.proxyStaleGraceMs ?? 15_000;
  const proxyGoneAfterMs = options.proxyGoneAfterMs ?? 300_000;
  const lagThreshold = options.lagThreshold ?? 1_000;
  const lagIntervalMs = options.lagIntervalMs ?? 10_000;
  const auditMemory = options.auditMemory ?? 2_000;

  const services = new Map<string, ServiceRuntime>();
  const configs = new Map<string, AcceptedConfig>();
  const recentAudit: AuditLog[] = [];
  let book: AlertBookState = createAlertBook();
  let routingView: LatestView<'routing-decisions'> | undefined;
  let configView: LatestView<'config-updates'> | undefined;
  let statusView: LatestView<'config-status'> | undefined;
  let subscription: Subscription | undefined;
  let tickTimer: NodeJS.Timeout | undefined;
  let lagTimer: NodeJS.Timeout | undefined;
  let running = false;
  let stopping = false;

  const auditCtx = (): AuditContext => ({ actor: member, atMs: now(), newId: randomUUID });

  // --- publishing ------------------------------------------------------------------------------
  async function publish<T extends TopicName>(topic: T, key: string, value: Parameters<EventBus['publish']>[2] & object): Promise<boolean> {
    try {
      await bus.publish(topic, key, value as never);
      return true;
    } catch (error) {
      metrics.publishFailures.inc({ topic });
      logger.error({ topic, key, err: error }, 'publish failed');
      return false;
    }
  }

  async function publishAudit(records: readonly AuditLog[]): Promise<void> {
    for (const r of records) {
      recentAudit.push(r);
      metrics.audits.inc({ action: r.action });
    }
    if (recentAudit.length > auditMemory) recentAudit.splice(0, recentAudit.length - auditMemory);
    await Promise.all(records.map((r) => publish('audit-logs', r.entityId, r)));
  }

  /** Feeds signals to the alert book and publishes the transitions (and audits them). */
  async function raise(signals: readonly AlertSignal[], scopes: readonly AlertScope[] = []): Promise<void> {
    const at = now();
    const r = updateAlerts(book, { signals, scopes }, at, alertPolicy);
    book = r.state;
    if (r.events.length === 0) return;
    const ctx = auditCtx();
    await Promise.all(
      r.events.map(async (e) => {
        metrics.alerts.inc({ type: e.type, status: e.status });
        logger.info({ dedupKey: e.dedupKey, status: e.status }, e.summary);
        await publish('alerts', e.serviceId, toWireAlert(e, { alertId: randomUUID(), member }));
      }),
    );
    await publishAudit(r.events.map((e) => alertAuditRecord(e, ctx)));
  }

  // --- config ----------------------------------------------------------------------------------
  // Two chains of a service's config, fed by the same messages in the same order, so they agree.
  // `configs` (with `previous`, the version it replaced) is what decisions and operator actions
  // use; every member keeps it for every service from the config-updates latest view, because a
  // service's config-updates and health-scores partitions may belong to different members.
  // `handled` is the config-updates handler's own chain on the member that owns the key's
  // partition; only it audits and raises CONFIG_REJECTED, so each outcome is reported once.
  const handled = new Map<string, AcceptedConfig>();
  const previous = new Map<string, AcceptedConfig | undefined>();

  let configViewLive = false;

  /**
   * The latest view's callback. While the view replays the topic, the first version seen of a
   * key may have had predecessors that compaction removed, so the checks across versions are
   * skipped for it; once the view is live, it has seen every version since, and a key it has
   * never seen is a service with no config.
   */
  function onConfigSeen(serviceId: string, value: ConfigUpdate): void {
    const held = configs.get(serviceId);
    const a = assessConfigUpdate(value, held, basePolicy, held !== undefined || !configViewLive);
    if (a.kind !== 'accepted') return;
    previous.set(serviceId, held);
    configs.set(serviceId, { config: a.config, policy: a.policy });
  }

  function knownConfig(serviceId: string): AcceptedConfig | undefined {
    return configs.get(serviceId);
  }

  async function onConfigUpdate(message: Delivered<'config-updates'>): Promise<void> {
    const serviceId = message.key;
    let current = handled.get(serviceId);
    let known = current !== undefined;
    if (current === undefined) {
      // This member has just taken the key's partition over: its view chain is its best knowledge
      // (the view may be ahead of or behind this delivery).
      const viewed = configs.get(serviceId);
      if (viewed !== undefined) {
        known = true;
        current = viewed.config.version === message.value.version ? previous.get(serviceId) : viewed;
      }
    }
    const a = assessConfigUpdate(message.value, current, basePolicy, known);
    const source = { topic: message.topic, partition: message.partition, offset: message.offset };
    metrics.configs.inc({ outcome: a.kind });
    if (a.kind === 'replay') {
      logger.debug({ serviceId, version: a.version }, 'config replay ignored');
      return;
    }
    if (a.kind === 'rejected') {
      const key = a.serviceId === '' ? serviceId : a.serviceId;
      logger.warn({ serviceId: key, version: a.version, code: a.error.code }, a.error.message);
      await publishAudit([configAuditRecord({ kind: 'rejected', serviceId: key, version: a.version, code: a.error.code, reason: a.error.message, before: current?.config }, source, auditCtx())]);
      await raise([configSignal({ key, version: a.version, accepted: false, reason: `${a.error.code}: ${a.error.message}` })]);
      return;
    }
    handled.set(serviceId, { config: a.config, policy: a.policy });
    // The view chain takes the same update in its own callback (decisions read it from there).
    if ((configs.get(serviceId)?.config.version ?? -1) < a.config.version) onConfigSeen(serviceId, a.config);
    logger.info({ serviceId, version: a.config.version, issuedBy: a.config.issuedBy }, 'config accepted');
    await publishAudit([configAuditRecord({ kind: 'accepted', config: a.config, before: current?.config }, source, auditCtx())]);
    await raise([configSignal({ key: serviceId, version: a.config.version, accepted: true })]);
    const svc = services.get(serviceId);
    // Membership or policy changed: decide now rather than at the next window.
    if (svc !== undefined) void onLane(svc, () => step(svc, 'time'));
  }

  // --- decisions -------------------------------------------------------------------------------
  function runtime(serviceId: string): ServiceRuntime {
    let svc = services.get(serviceId);
    if (svc === undefined) {
      svc = {
        serviceId,
        state: null,
        pending: [],
        batchTimer: null,
        lane: Promise.resolve(),
        lastInputAtMs: now(),
        newestWindowEndMs: Number.NEGATIVE_INFINITY,
        windowArrivedAtMs: null,
        windowIntervalMs: null,
        windowsSeen: 0,
        handover: null,
        lastWire: undefined,
        published: [],
        released: false,
      };
      services.set(serviceId, svc);
      metrics.servicesOwned.set(services.size);
    }
    return svc;
  }

  function onLane(svc: ServiceRuntime, work: () => Promise<void>): Promise<void> {
    const next = svc.lane.then(work).catch((error: unknown) => logger.error({ serviceId: svc.serviceId, err: error }, 'controller step failed'));
    svc.lane = next;
    return next;
  }

  function release(svc: ServiceRuntime, reason: string): void {
    if (svc.released) return;
    svc.released = true;
    if (svc.batchTimer !== null) clearTimeout(svc.batchTimer);
    services.delete(svc.serviceId);
    metrics.servicesOwned.set(services.size);
    metrics.releases.inc({ reason });
    logger.info({ serviceId: svc.serviceId, reason }, 'service released');
  }

  function onScore(message: Delivered<'health-scores'>): void {
    const score = message.value;
    const svc = runtime(message.key);
    const at = now();
    svc.lastInputAtMs = at;
    if (score.windowEndMs > svc.newestWindowEndMs) {
      svc.newestWindowEndMs = score.windowEndMs;
      if (svc.windowArrivedAtMs !== null) svc.windowIntervalMs = at - svc.windowArrivedAtMs;
      svc.windowArrivedAtMs = at;
      svc.windowsSeen += 1;
    }
    svc.pending.push({ input: scoreInputOf(score, { topic: message.topic, partition: message.partition, offset: message.offset }), score });
    // The scorer emits a window's scores of every instance together: collect them, then decide once.
    svc.batchTimer ??= setTimeout(() => {
      svc.batchTimer = null;
      void onLane(svc, () => step(svc, 'input'));
    }, batchMs);
  }

  /**
   * A member taking a service over adopts the INSTANCE_EJECTED alerts its predecessor raised for
   * the instances still ejected (without publishing them again), so that it is the one that
   * resolves them when they return. Other alert types are re-raised from its own evidence.
   */
  function adoptEjectionAlerts(wire: WireDecision, at: number): void {
    let firing: Map<string, FiringAlert> | null = null;
    for (const i of wire.instances) {
      if (i.state !== 'EJECTED') continue;
      const key = dedupKey('INSTANCE_EJECTED', wire.serviceId, i.instanceId);
      if (book.firing.has(key)) continue;
      firing ??= new Map(book.firing);
      firing.set(key, {
        dedupKey: key,
        type: 'INSTANCE_EJECTED',
        serviceId: wire.serviceId,
        subject: i.instanceId,
        severity: alertPolicy.severityByType.INSTANCE_EJECTED,
        summary: `${wire.serviceId}/${i.instanceId} ejected (adopted from ${wire.issuedBy} at version ${wire.version})`,
        firedAtMs: Math.min(at, wire.issuedAtMs),
        clearSinceMs: null,
        evidence: { version: wire.version, reason: i.reason },
      });
    }
    if (firing !== null) book = { ...book, firing };
  }

  /** Whether the service's scores stopped coming here (lost partition, scorer down). */
  function inputStale(svc: ServiceRuntime, at: number): boolean {
    if (svc.windowIntervalMs === null || svc.windowArrivedAtMs === null) return false;
    return at - svc.windowArrivedAtMs > Math.max(INPUT_STALE_INTERVALS * svc.windowIntervalMs, 2 * batchMs);
  }

  /**
   * One decision step of a service: decide, then publish the decision, its audit and alerts.
   *
   * Handover: the group moves a partition to this member only after the previous owner gave it
   * up, but that owner may still have a step in flight, and it keeps doing time-driven steps
   * until it notices its scores stopped coming (`inputStale`, 1.5 window intervals). So a member
   * taking over a service whose latest decision is another member's and still valid waits for
   * HANDOVER_WINDOWS distinct windows (≥ 2 intervals after its first) before publishing, keeping
   * the scores meanwhile; proxies hold a valid decision all along. It never waits past that
   * decision's expiry (minus a margin).
   */
  async function step(svc: ServiceRuntime, trigger: 'input' | 'time'): Promise<void> {
    if (svc.released || stopping) return;
    const at = now();
    // No decisions from stale evidence: without new windows, let the last decision expire (the
    // proxies fall back to their local loop) instead of refreshing it.
    if (trigger === 'time' && inputStale(svc, at)) return;
    const started = process.hrtime.bigint();
    const cfg = knownConfig(svc.serviceId);
    if (cfg?.config.deleted === true) {
      release(svc, 'deleted');
      return;
    }
    const policy = cfg?.policy ?? basePolicy;
    const latest = routingView?.get(svc.serviceId);
    if (svc.state === null) {
      if (latest !== undefined) {
        svc.state = stateFromWireDecision(latest, policy);
        svc.lastWire = latest;
        metrics.takeovers.inc();
        adoptEjectionAlerts(latest, at);
        if (latest.issuedBy !== member && at < latest.expiresAtMs) {
          svc.handover = { fromWindows: svc.windowsSeen, deadlineMs: latest.expiresAtMs - Math.min(policy.decisionTtlMs / 4, 2_000), from: latest.issuedBy };
        }
        logger.info({ serviceId: svc.serviceId, version: latest.version, from: latest.issuedBy, wait: svc.handover !== null }, 'service taken over');
      } else {
        svc.state = createServiceState(svc.serviceId, policy);
      }
    }
    if (svc.handover !== null) {
      if (svc.windowsSeen - svc.handover.fromWindows < HANDOVER_WINDOWS && at < svc.handover.deadlineMs) return;
      logger.info({ serviceId: svc.serviceId, from: svc.handover.from }, 'handover complete');
      svc.handover = null;
      // Publish now, whatever changed: this member's first decision for the service.
      svc.state = { ...svc.state, issuedAtMs: null };
    }
    if (latest !== undefined && latest.version > svc.state.version) {
      // Someone published above us (a failover in flight): continue above it, never beside it.
      svc.state = { ...svc.state, version: latest.version };
    }

    const batch = svc.pending;
    svc.pending = [];
    const inputs = cfg === undefined ? {} : { instances: cfg.config.instances.map((i) => i.id), policy };
    // One decide() per window in arrival order (usually one; several after a handover wait), so
    // consecutive-window counters see every window.
    const byWindow = new Map<number, InstanceScoreInput[]>();
    for (const b of batch) {
      const list = byWindow.get(b.input.windowEndMs);
      if (list === undefined) byWindow.set(b.input.windowEndMs, [b.input]);
      else list.push(b.input);
    }
    const groups = byWindow.size === 0 ? [[]] : [...byWindow.entries()].sort((x, y) => x[0] - y[0]).map(([, g]) => g);
    let state = svc.state;
    let decision: RoutingDecision | null = null;
    const changes: DecisionChange[] = [];
    for (const [k, scores] of groups.entries()) {
      const r = decide(state, { scores, ...inputs }, at);
      state = r.state;
      changes.push(...r.changes.filter((c) => c.kind !== 'refresh'));
      if (r.decision !== null) decision = r.decision;
      else if (decision !== null && k === groups.length - 1) {
        // An earlier window changed something and the last did not: publish the final state.
        const f = decide({ ...state, issuedAtMs: null }, { scores: [], ...inputs }, at);
        state = f.state;
        decision = f.decision;
        changes.push(...f.changes.filter((c) => c.kind !== 'refresh'));
      }
    }
    if (decision !== null && changes.length === 0) changes.push({ kind: 'refresh', instanceId: null, before: null, after: null, reason: `re-issued before expiry (${state.policy.refreshAfterMs} ms)` });
    svc.state = state;

    const signals: AlertSignal[] = [];
    const scopes: AlertScope[] = [];
    if (batch.length > 0) {
      // The newest window in the batch: the service's fleet-wide figures for ERROR_RATE_HIGH / SLO.
      const newest = Math.max(...batch.map((b) => b.score.windowEndMs));
      const m = serviceWindowMetrics(svc.serviceId, batch.filter((b) => b.score.windowEndMs === newest).map((b) => b.score));
      const slo = options.latencySloMs?.[svc.serviceId] ?? metricThresholds.sloP95Ms;
      if (m !== null) signals.push(...metricSignals(m, { ...metricThresholds, sloP95Ms: slo }));
    }
    let wire: WireDecision | undefined;
    if (decision !== null) {
      wire = toWireDecision(decision, state, changes, { issuedBy: member, configVersion: cfg?.config.version ?? null, drained: drainedInstances(cfg?.config) });
      const ds = decisionSignals(decision, decisionThresholds);
      signals.push(...ds.signals);
      scopes.push(ds.scope);
    }
    metrics.stepSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);

    if (wire !== undefined && decision !== null) {
      const refresh = changes.every((c) => c.kind === 'refresh');
      if (await publish('routing-decisions', svc.serviceId, wire)) {
        svc.lastWire = wire;
        svc.published.push({ version: wire.version, publishedAtMs: at });
        if (svc.published.length > PUBLISHED_MEMORY) svc.published.shift();
        metrics.decisions.inc({ reason: refresh ? 'refresh' : 'change' });
        for (const c of changes) metrics.changes.inc({ kind: c.kind });
        if (!refresh) logger.info({ serviceId: svc.serviceId, version: wire.version, changes: changes.length }, decision.evidence.reasons.join('; ') || 'decision');
      } else if (svc.state !== null) {
        // The bus gave up (after its own retries): re-issue at the next step rather than wait for a refresh.
        svc.state = { ...svc.state, issuedAtMs: null };
      }
      // The changes are the controller's either way; the next decision carries them to the proxies.
      await publishAudit(decisionAuditRecords(decision, changes, auditCtx()));
    }
    if (signals.length > 0 || scopes.length > 0) await raise(signals, scopes);
  }

  // --- time-driven work ------------------------------------------------------------------------
  function tick(): void {
    const at = now();
    for (const svc of [...services.values()]) {
      if (at - svc.lastInputAtMs > ownershipTtlMs) {
        release(svc, 'idle');
        continue;
      }
      // A batch on its way decides soon anyway; the proxies' staleness is checked regardless.
      const decideNow = svc.batchTimer === null;
      void onLane(svc, async () => {
        if (decideNow) await step(svc, 'time');
        if (svc.released || stopping) return;
        const cfg = knownConfig(svc.serviceId);
        const statuses = statusView?.entries().values() ?? [];
        const stale = staleProxySignals({
          serviceId: svc.serviceId,
          decisions: svc.published,
          config: cfg === undefined ? null : { version: cfg.config.version, publishedAtMs: cfg.config.issuedAtMs },
          statuses,
          graceMs: proxyStaleGraceMs,
          goneAfterMs: proxyGoneAfterMs,
          nowMs: now(),
        });
        await raise(stale.signals, [stale.scope]);
      });
    }
    // Time alone resolves alerts whose hold has run out.
    void raise([]).catch((error: unknown) => logger.error({ err: error }, 'alert update failed'));
  }

  async function checkLag(): Promise<void> {
    if (options.lagReader === undefined) return;
    try {
      const samples = await options.lagReader();
      await raise(samples.map((s) => consumerLagSignal(s, lagThreshold)), [{ serviceId: '_global', types: ['CONSUMER_LAG'] }]);
    } catch (error) {
      logger.warn({ err: error }, 'consumer lag check failed');
    }
  }

  // --- operator actions ------------------------------------------------------------------------
  async function operatorAction(serviceId: string, action: OperatorAction, operator: string): Promise<ConfigUpdate> {
    const current = knownConfig(serviceId);
    if (current === undefined || current.config.deleted) throw new SlbError('SLB_CONTROLLER_NOT_FOUND', `service ${serviceId} has no config`);
    let next = applyOperatorAction(current.config, action, member, now());
    if (options.signingKey !== undefined) next = signConfigUpdate(next, options.signingKey);
    // The same checks any config gets, before it is written: an action must not produce a config
    // the controller would reject (e.g. draining the last instance with weight).
    const a = assessConfigUpdate(next, current, basePolicy);
    if (a.kind !== 'accepted') {
      throw new SlbError('SLB_CONTROLLER_BAD_REQUEST', `${actionName(action)} on ${serviceId}/${action.instanceId} would make an invalid config: ${a.kind === 'rejected' ? a.error.message : 'not newer'}`);
    }
    await bus.publish('config-updates', serviceId, next);
    await publishAudit([operatorAuditRecord(actionName(action), current.config, next, action.instanceId, operator, auditCtx())]);
    return next;
  }

  /**
   * Start-up steps that meet a broker still settling (leaders of just-created topics not yet
   * elected) are retried with backoff while the error says it is retriable.
   */
  async function withRetries<T>(what: string, fn: () => Promise<T>, attempts = 8): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await fn();
      } catch (error) {
        const retriable = (error as { retriable?: unknown }).retriable === true;
        if (!retriable || attempt >= attempts) throw error;
        logger.warn({ err: error, attempt }, `${what} failed; retrying`);
        await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 200 * 2 ** (attempt - 1))));
      }
    }
  }

  // --- lifecycle -------------------------------------------------------------------------------
  return {
    member,
    get running() {
      return running;
    },

    async start(): Promise<void> {
      if (running) return;
      stopping = false;
      routingView = await withRetries('watch routing-decisions', () =>
        bus.watchLatest('routing-decisions', (key, d) => {
          const svc = services.get(key);
          // Another member published a newer decision for a service we hold: it owns it now.
          if (svc !== undefined && d.issuedBy !== member && d.version >= (svc.state?.version ?? 0)) release(svc, 'other-member');
        }),
      );
      configView = await withRetries('watch config-updates', () => bus.watchLatest('config-updates', onConfigSeen));
      statusView = await withRetries('watch config-status', () => bus.watchLatest('config-status'));
      await Promise.all([routingView.caughtUp, configView.caughtUp, statusView.caughtUp]);
      configViewLive = true;
      subscription = await bus.subscribe(['health-scores', 'config-updates'], { groupId, fromBeginning: options.fromBeginning ?? false }, async (message) => {
        if (message.topic === 'health-scores') {
          onScore(message as Delivered<'health-scores'>);
          return;
        }
        await onConfigUpdate(message as Delivered<'config-updates'>);
      });
      tickTimer = setInterval(tick, tickMs);
      tickTimer.unref();
      if (options.lagReader !== undefined) {
        lagTimer = setInterval(() => void checkLag(), lagIntervalMs);
        lagTimer.unref();
      }
      running = true;
      logger.info({ member, groupId }, 'controller started');
    },

    async stop(): Promise<void> {
      if (stopping) return;
      stopping = true;
      running = false;
      configViewLive = false;
      clearInterval(tickTimer);
      clearInterval(lagTimer);
      await subscription?.stop();
      const lanes = [...services.values()].map((s) => {
        if (s.batchTimer !== null) clearTimeout(s.batchTimer);
        return s.lane;
      });
      await Promise.allSettled(lanes);
      await Promise.allSettled([routingView?.close(), configView?.close(), statusView?.close()]);
      services.clear();
      logger.info({ member }, 'controller stopped');
    },

    services(): ServiceSummary[] {
      return [...services.values()].map((s) => ({
        serviceId: s.serviceId,
        decisionVersion: s.lastWire?.version ?? null,
        configVersion: configs.get(s.serviceId)?.config.version ?? null,
        panic: s.lastWire?.panic ?? false,
        ejected: s.lastWire?.instances.filter((i) => i.state === 'EJECTED').map((i) => i.instanceId) ?? [],
        lastInputAtMs: s.lastInputAtMs,
      }));
    },

    decision(serviceId: string): WireDecision | undefined {
      const mine = services.get(serviceId)?.lastWire;
      const latest = routingView?.get(serviceId);
      if (mine === undefined) return latest;
      return latest !== undefined && latest.version > mine.version ? latest : mine;
    },

    config(serviceId: string): ConfigUpdate | undefined {
      return knownConfig(serviceId)?.config;
    },

    audit(entityId?: string): AuditLog[] {
      return entityId === undefined ? [...recentAudit] : recentAudit.filter((r) => r.entityId === entityId);
    },

    why(serviceId: string, instanceId: string): WhyAnswer {
      return explainInstance(serviceId, instanceId, recentAudit, this.decision(serviceId));
    },

    operatorAction,
  };
}
