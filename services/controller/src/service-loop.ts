/**
 * The decision loop of the services this member owns. Ownership is learnt from the input: a
 * member decides for a service while its scores keep arriving here, takes it over from the
 * latest routing decision (ownership/handover.ts), and lets it go when another member publishes
 * a newer decision for it, its input stops for `ownershipTtlMs`, or its config is deleted.
 *
 * Per service, work runs on one serial lane, so decisions of a service are published in version
 * order. A step collects the scores that arrived (one window, `batchMs` after its first score),
 * decides (decisions/decide-batch.ts), then publishes the decision, its audit and its alerts.
 */
import type { ConfigStatus, Delivered, HealthScore, LatestView, Logger, RoutingDecision } from '@slb/core';
import {
  decisionSignals,
  metricSignals,
  type AlertScope,
  type AlertSignal,
  type DecisionAlertThresholds,
  type MetricAlertThresholds,
} from './alerts/index.js';
import { decisionAuditRecords } from './audit-records.js';
import type { ConfigChains } from './config-chains.js';
import { createServiceState, decideBatch, type DecisionPolicy, type InstanceScoreInput, type ServiceDecisionState } from './decisions/index.js';
import { drainedInstances, scoreInputOf, stateFromWireDecision, toWireDecision } from './decision-wire.js';
import type { ControllerMetrics } from './metrics.js';
import { handoverFor, handoverWaiting, inputStale, noteArrival, NO_ARRIVALS, type Handover, type WindowArrivals } from './ownership/index.js';
import { staleProxySignals, type Published } from './proxy-staleness.js';
import type { Publisher } from './publisher.js';
import { serviceWindowMetrics } from './window-metrics.js';

const PUBLISHED_MEMORY = 32;

export interface ServiceLoopDeps {
  readonly member: string;
  readonly basePolicy: DecisionPolicy;
  readonly configs: ConfigChains;
  readonly publisher: Publisher;
  readonly routing: () => LatestView<'routing-decisions'> | undefined;
  readonly statuses: () => Iterable<ConfigStatus>;
  readonly metrics: ControllerMetrics;
  readonly logger: Logger;
  readonly now: () => number;
  /** Monotonic milliseconds, for the step-duration metric. */
  readonly monotonic: () => number;
  readonly batchMs: number;
  readonly ownershipTtlMs: number;
  readonly proxyStaleGraceMs: number;
  readonly proxyGoneAfterMs: number;
  readonly decisionThresholds: DecisionAlertThresholds;
  readonly metricThresholds: MetricAlertThresholds;
  readonly latencySloMs: Readonly<Record<string, number>>;
}

interface PendingScore {
  readonly input: InstanceScoreInput;
  readonly score: HealthScore;
}

interface OwnedService {
  readonly serviceId: string;
  state: ServiceDecisionState | null;
  /** Scores not yet decided on, in arrival order (several windows after a handover wait). */
  pending: PendingScore[];
  batchTimer: NodeJS.Timeout | null;
  lane: Promise<void>;
  lastInputAtMs: number;
  arrivals: WindowArrivals;
  handover: Handover | null;
  lastWire: RoutingDecision | undefined;
  readonly published: Published[];
  released: boolean;
}

export interface ServiceSummary {
  readonly serviceId: string;
  readonly decisionVersion: number | null;
  readonly configVersion: number | null;
  readonly panic: boolean;
  readonly ejected: readonly string[];
  readonly lastInputAtMs: number;
}

export interface ServiceLoop {
  onScore(message: Delivered<'health-scores'>): void;
  /** Another member published a decision: it owns the service now if it is newer than ours. */
  onDecisionSeen(serviceId: string, decision: RoutingDecision): void;
  /** Decide now (config changed), on the service's lane. */
  stepNow(serviceId: string): void;
  /** Time-driven work: refreshes, slow-start ramps, idle release, PROXY_STALE. */
  tick(): void;
  summaries(): ServiceSummary[];
  lastDecision(serviceId: string): RoutingDecision | undefined;
  /** Stops deciding: clears timers, waits for the lanes. */
  stop(): Promise<void>;
}

export function createServiceLoop(deps: ServiceLoopDeps): ServiceLoop {
  const { member, configs, publisher, metrics, logger, now } = deps;
  const services = new Map<string, OwnedService>();
  let stopping = false;

  function owned(serviceId: string): OwnedService {
    let svc = services.get(serviceId);
    if (svc === undefined) {
      svc = { serviceId, state: null, pending: [], batchTimer: null, lane: Promise.resolve(), lastInputAtMs: now(), arrivals: NO_ARRIVALS, handover: null, lastWire: undefined, published: [], released: false };
      services.set(serviceId, svc);
      metrics.servicesOwned.set(services.size);
    }
    return svc;
  }

  function onLane(svc: OwnedService, work: () => Promise<void>): Promise<void> {
    const next = svc.lane.then(work).catch((error: unknown) => logger.error({ serviceId: svc.serviceId, err: error }, 'controller step failed'));
    svc.lane = next;
    return next;
  }

  function release(svc: OwnedService, reason: string): void {
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
    // A deleted service stays deleted: a late score must not bring it back (and be released
    // again on every batch).
    if (configs.gone(message.key)) return;
    const svc = owned(message.key);
    const at = now();
    svc.lastInputAtMs = at;
    svc.arrivals = noteArrival(svc.arrivals, score.windowEndMs, at);
    svc.pending.push({ input: scoreInputOf(score, { topic: message.topic, partition: message.partition, offset: message.offset }), score });
    // The scorer emits a window's scores of every instance together: collect them, then decide once.
    svc.batchTimer ??= setTimeout(() => {
      svc.batchTimer = null;
      void onLane(svc, () => step(svc, 'input'));
    }, deps.batchMs);
  }

  /** The state to decide from; on the first step, taken over from the latest decision if any. */
  function stateOf(svc: OwnedService, policy: DecisionPolicy, at: number): ServiceDecisionState {
    if (svc.state !== null) return svc.state;
    const latest = deps.routing()?.get(svc.serviceId);
    if (latest === undefined) return createServiceState(svc.serviceId, policy);
    svc.lastWire = latest;
    metrics.takeovers.inc();
    publisher.adoptEjections(latest);
    svc.handover = handoverFor(latest, member, at, svc.arrivals.seen, policy.decisionTtlMs);
    logger.info({ serviceId: svc.serviceId, version: latest.version, from: latest.issuedBy, wait: svc.handover !== null }, 'service taken over');
    return stateFromWireDecision(latest, policy);
  }

  async function step(svc: OwnedService, trigger: 'input' | 'time'): Promise<void> {
    if (svc.released || stopping) return;
    const at = now();
    // No decisions from stale evidence: without new windows, let the last decision expire (the
    // proxies fall back to their local loop) instead of refreshing it.
    if (trigger === 'time' && inputStale(svc.arrivals, at, deps.batchMs)) return;
    const started = deps.monotonic();
    const cfg = configs.known(svc.serviceId);
    if (configs.gone(svc.serviceId)) {
      release(svc, 'deleted');
      return;
    }
    const policy = cfg?.policy ?? deps.basePolicy;
    svc.state = stateOf(svc, policy, at);
    if (svc.handover !== null) {
      if (handoverWaiting(svc.handover, svc.arrivals.seen, at)) return;
      logger.info({ serviceId: svc.serviceId, from: svc.handover.from }, 'handover complete');
      svc.handover = null;
      // Publish now, whatever changed: this member's first decision for the service.
      svc.state = { ...svc.state, issuedAtMs: null };
    }
    const latest = deps.routing()?.get(svc.serviceId);
    // Someone published above us (a failover in flight): continue above it, never beside it.
    if (latest !== undefined && latest.version > svc.state.version) svc.state = { ...svc.state, version: latest.version };

    const batch = svc.pending;
    svc.pending = [];
    const inputs = cfg === undefined ? {} : { instances: cfg.config.instances.map((i) => i.id), policy };
    const { state, decision, changes } = decideBatch(svc.state, batch.map((b) => b.input), inputs, at);
    svc.state = state;

    const signals: AlertSignal[] = [];
    const scopes: AlertScope[] = [];
    if (batch.length > 0) {
      // The newest window in the batch: the service's fleet-wide figures for ERROR_RATE_HIGH / SLO.
      const newest = Math.max(...batch.map((b) => b.score.windowEndMs));
      const m = serviceWindowMetrics(svc.serviceId, batch.filter((b) => b.score.windowEndMs === newest).map((b) => b.score));
      const slo = deps.latencySloMs[svc.serviceId] ?? deps.metricThresholds.sloP95Ms;
      if (m !== null) signals.push(...metricSignals(m, { ...deps.metricThresholds, sloP95Ms: slo }));
    }
    const wire = decision === null ? undefined : toWireDecision(decision, state, changes, { issuedBy: member, configVersion: cfg?.config.version ?? null, drained: drainedInstances(cfg?.config) });
    metrics.stepSeconds.observe((deps.monotonic() - started) / 1_000);
    if (decision !== null && wire !== undefined) {
      const ds = decisionSignals(decision, deps.decisionThresholds);
      signals.push(...ds.signals);
      scopes.push(ds.scope);
      const refresh = changes.every((c) => c.kind === 'refresh');
      if (await publisher.publish('routing-decisions', svc.serviceId, wire)) {
        svc.lastWire = wire;
        svc.published.push({ version: wire.version, publishedAtMs: at });
        if (svc.published.length > PUBLISHED_MEMORY) svc.published.shift();
        metrics.decisions.inc({ reason: refresh ? 'refresh' : 'change' });
        for (const c of changes) metrics.changes.inc({ kind: c.kind });
        if (!refresh) logger.info({ serviceId: svc.serviceId, version: wire.version, changes: changes.length }, decision.evidence.reasons.join('; ') || 'decision');
      } else {
        // The bus gave up (after its own retries): re-issue at the next step rather than wait for a refresh.
        svc.state = { ...svc.state, issuedAtMs: null };
      }
      // The changes are the controller's either way; the next decision carries them to the proxies.
      await publisher.publishAudit(decisionAuditRecords(decision, changes, publisher.auditContext()));
    }
    if (signals.length > 0 || scopes.length > 0) await publisher.raise(signals, scopes);
  }

  async function checkStaleProxies(svc: OwnedService): Promise<void> {
    const cfg = configs.known(svc.serviceId);
    const stale = staleProxySignals({
      serviceId: svc.serviceId,
      decisions: svc.published,
      config: cfg === undefined ? null : { version: cfg.config.version, publishedAtMs: cfg.config.issuedAtMs },
      statuses: deps.statuses(),
      graceMs: deps.proxyStaleGraceMs,
      goneAfterMs: deps.proxyGoneAfterMs,
      nowMs: now(),
    });
    await publisher.raise(stale.signals, [stale.scope]);
  }

  return {
    onScore,

    onDecisionSeen(serviceId, d) {
      const svc = services.get(serviceId);
      if (svc !== undefined && d.issuedBy !== member && d.version >= (svc.state?.version ?? 0)) release(svc, 'other-member');
    },

    stepNow(serviceId) {
      const svc = services.get(serviceId);
      if (svc !== undefined) void onLane(svc, () => step(svc, 'time'));
    },

    tick() {
      const at = now();
      for (const svc of [...services.values()]) {
        if (at - svc.lastInputAtMs > deps.ownershipTtlMs) {
          release(svc, 'idle');
          continue;
        }
        // A batch on its way decides soon anyway; the proxies' staleness is checked regardless.
        const decideNow = svc.batchTimer === null;
        void onLane(svc, async () => {
          if (decideNow) await step(svc, 'time');
          if (!svc.released && !stopping) await checkStaleProxies(svc);
        });
      }
    },

    summaries() {
      return [...services.values()].map((s) => ({
        serviceId: s.serviceId,
        decisionVersion: s.lastWire?.version ?? null,
        configVersion: configs.known(s.serviceId)?.config.version ?? null,
        panic: s.lastWire?.panic ?? false,
        ejected: s.lastWire?.instances.filter((i) => i.state === 'EJECTED').map((i) => i.instanceId) ?? [],
        lastInputAtMs: s.lastInputAtMs,
      }));
    },

    lastDecision: (serviceId) => services.get(serviceId)?.lastWire,

    async stop() {
      stopping = true;
      const lanes = [...services.values()].map((s) => {
        if (s.batchTimer !== null) clearTimeout(s.batchTimer);
        return s.lane;
      });
      await Promise.allSettled(lanes);
      services.clear();
    },
  };
}
