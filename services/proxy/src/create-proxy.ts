/**
 * Assembles a proxy node from small modules: the data listener (fastify, forwarding through
 * undici dispatch), the admin listener, the control plane (config/decisions, snapshot, bus),
 * active health checks, outlier timers and telemetry windows. Everything with a side effect
 * is injected or started in `listen()` and stopped in `close()`.
 */
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { pino, type Logger } from 'pino';
import type { EventBus, LatestView, RoutingDecision } from '@slb/core';
import { toPublicKey } from '@slb/core';
import { createAdminApp } from './admin.js';
import { createDataServer } from './data-server.js';
import { configToJson, createControlReporter } from './control-reporting.js';
import { ControlPlane, type ApplyResult } from './control-plane.js';
import { createTrustPolicy } from './forwarded.js';
import type { ForwardContext } from './forward.js';
import { HealthChecker } from './health-checker.js';
import { createProxyMetrics, type ProxyMetrics } from './metrics.js';
import { DEFAULT_LIMITS, SYSTEM_CLOCK, type ProxyLimits, type ProxyOptions } from './options.js';
import type { ServiceRuntime } from './service-runtime.js';
import { SnapshotStore } from './snapshot-store.js';
import { drainWindow } from './telemetry.js';
import { proxyUpgrade } from './upgrade.js';
import type { OutlierEvent } from './resilience/index.js';

export interface ProxyAddresses {
  readonly port: number;
  readonly adminPort: number;
  readonly url: string;
  readonly adminUrl: string;
}

export interface Proxy {
  readonly proxyId: string;
  readonly metrics: ProxyMetrics;
  listen(): Promise<ProxyAddresses>;
  /** Stop taking connections, let in-flight requests finish (bounded), then close. */
  drain(timeoutMs?: number): Promise<{ drained: boolean; abandoned: number }>;
  close(): Promise<void>;
  applyConfig(raw: unknown): ApplyResult;
  applyDecision(decision: RoutingDecision): ApplyResult;
  /** Requests in flight through the proxy right now. */
  inFlight(): number;
  state(): ProxyStateView;
  /** Closes every telemetry window now (tests; also used on drain). */
  flushTelemetry(): void;
  readonly controlPlane: ControlPlane;
}

export interface ProxyStateView {
  readonly proxyId: string;
  readonly draining: boolean;
  readonly inFlight: number;
  readonly snapshotLoaded: boolean;
  readonly status: ReturnType<ControlPlane['status']>;
  readonly services: readonly unknown[];
}

export function createProxy(options: ProxyOptions): Proxy {
  const clock = options.clock ?? SYSTEM_CLOCK;
  const random = options.random ?? Math.random;
  const logger: Logger = options.logger ?? pino({ name: 'proxy:http', level: 'info' });
  const limits: ProxyLimits = Object.freeze({ ...DEFAULT_LIMITS, ...options.limits });
  const metrics = createProxyMetrics({
    healthyInstances: function* () {
      const now = clock.now();
      for (const svc of plane.allServices()) {
        let healthy = 0;
        for (const ep of svc.balancer.snapshot(now).endpoints) if (ep.healthy) healthy++;
        yield [svc.id, healthy] as const;
      }
    },
  });
  const trust = createTrustPolicy(options.trustedProxies ?? []);
  const bus: EventBus | undefined = options.bus;
  const proxyId = options.proxyId;
  const snapshot = options.snapshotDir === undefined ? undefined : new SnapshotStore(options.snapshotDir);
  const healthCheckers = new Map<string, HealthChecker>();
  const drainWaiters: Array<() => void> = [];
  const timers: NodeJS.Timeout[] = [];
  const views: Array<LatestView<'config-updates'> | LatestView<'routing-decisions'>> = [];
  let windowStartMs = clock.now();
  let closed = false;
  let listening = false;
  let requestSeq = 0;
  const requestIdPrefix = randomBytes(4).toString('hex');

  const reporter = createControlReporter({ bus, proxyId, now: () => clock.now(), logger, isClosed: () => closed });

  const syncHealthChecks = (svc: ServiceRuntime | undefined, serviceId: string) => {
    const cfg = svc?.config.healthCheck ?? null;
    const existing = healthCheckers.get(serviceId);
    if (svc === undefined || cfg === null) {
      existing?.stop();
      healthCheckers.delete(serviceId);
      return;
    }
    if (!listening) return;
    const checker =
      existing ??
      new HealthChecker(cfg, {
        random,
        monotonic: () => clock.monotonic(),
        onResult: (r) => {
          const current = plane.service(serviceId);
          if (current === undefined) return;
          if (r.transition !== undefined) {
            current.balancer.setHealth(r.instanceId, r.healthy, clock.now(), 'active');
            logger.info({ serviceId, instanceId: r.instanceId, state: r.transition, details: r.details }, 'health check state changed');
          }
          publishVerdict(current, r.instanceId, cfg.type, r.responseTimeMs, r.details);
        },
      });
    healthCheckers.set(serviceId, checker);
    checker.update(cfg, svc.config.instances.map((i) => ({ id: i.id, address: i.address })));
  };

  const plane: ControlPlane = new ControlPlane({
    proxyId,
    now: () => clock.now(),
    random,
    metrics,
    logger,
    publicKey: options.configPublicKey === undefined ? undefined : toPublicKey(options.configPublicKey),
    onChange: (kind, serviceId) => {
      if (snapshot !== undefined) {
        snapshot.save(plane.configs(), plane.allDecisions(), clock.now()).catch((err: unknown) => logger.error({ err }, 'snapshot write failed'));
      }
      if (kind === 'config') syncHealthChecks(plane.service(serviceId), serviceId);
    },
    onStatus: (status) => reporter.status(status),
    onRejected: (serviceId, version, error) => reporter.rejected(serviceId, version, error),
    onApplied: (update, previous) => reporter.applied(update, previous),
  });

  /**
   * health-status carries this proxy's whole verdict on an instance: UNHEALTHY while its active
   * check OR its passive outlier detection says so. A proxy that ejected an instance locally stops
   * sending it traffic, so without this the scorer would see silence, not failure, and the other
   * proxies would each have to find the failure again on their own clients' requests.
   */
  const publishVerdict = (svc: ServiceRuntime, instanceId: string, checkType: 'HTTP' | 'TCP', responseTimeMs: number | null, details: Record<string, string>) => {
    if (bus === undefined) return;
    const sources = svc.balancer.snapshot(clock.now()).endpoints.find((e) => e.id === instanceId)?.unhealthySources ?? [];
    bus.publishTelemetry('health-status', svc.id, {
      timestamp: clock.now(),
      serviceId: svc.id,
      instanceId,
      proxyId,
      status: sources.length === 0 ? 'HEALTHY' : 'UNHEALTHY',
      responseTime: responseTimeMs,
      checkType,
      details: sources.length === 0 ? details : { ...details, unhealthySources: sources.join(',') },
    });
  };

  const onOutlierEvents = (svc: ServiceRuntime, events: OutlierEvent[]) => {
    const now = clock.now();
    const checkType = svc.config.healthCheck?.type ?? 'HTTP';
    for (const e of events) {
      if (e.type === 'eject') {
        svc.balancer.setHealth(e.id, false, now, 'outlier');
        metrics.ejections.labels(svc.id, e.id, e.reason).inc();
        logger.warn({ serviceId: svc.id, instanceId: e.id, reason: e.reason, untilMs: e.untilMs, evidence: e.evidence }, 'instance ejected');
        publishVerdict(svc, e.id, checkType, null, { source: 'outlier', reason: e.reason, untilMs: String(e.untilMs) });
      } else if (e.type === 'uneject') {
        svc.balancer.setHealth(e.id, true, now, 'outlier');
        logger.info({ serviceId: svc.id, instanceId: e.id }, 'instance returned from ejection');
        publishVerdict(svc, e.id, checkType, null, { source: 'outlier', reason: 'ejection time over' });
      }
    }
  };

  const ctx: ForwardContext = {
    clock,
    random,
    metrics,
    logger,
    accessLog: options.accessLog ?? true,
    trust,
    limits,
    inFlight: 0,
    draining: false,
    nextRequestId: () => `${requestIdPrefix}-${(++requestSeq).toString(36)}`,
    onRequestDone() {
      ctx.inFlight--;
      if (ctx.inFlight === 0 && drainWaiters.length > 0) for (const w of drainWaiters.splice(0)) w();
    },
    onOutlierEvents,
    onBreaker(svc, inst, open) {
      metrics.breakerOpen.labels(svc.id, inst.id).set(open ? 1 : 0);
      logger.warn({ serviceId: svc.id, instanceId: inst.id, open }, open ? 'circuit breaker opened' : 'circuit breaker closed');
    },
  };

  const { app: dataApp, server } = createDataServer(ctx, limits, () => plane.table);

  // ---- admin ----
  const adminApp = createAdminApp({
    token: options.adminToken,
    metricsContentType: metrics.registry.contentType,
    metricsText: () => metrics.registry.metrics(),
    live: () => !closed,
    ready: () => {
      if (ctx.draining) return { ready: false, reason: 'draining' };
      if (!listening) return { ready: false, reason: 'not listening' };
      const table = plane.table;
      if (table.entries.length === 0) return { ready: false, reason: 'no config applied' };
      return { ready: true };
    },
    state: () => proxy.state(),
    config: () => plane.configs().map(configToJson),
    instances: (serviceId) => {
      const svc = plane.service(serviceId);
      if (svc === undefined) return undefined;
      const snap = svc.balancer.snapshot(clock.now());
      const outliers = new Map(svc.detector.snapshot().map((h) => [h.id, h]));
      const drained = plane.drainedInstances(serviceId);
      return {
        serviceId,
        version: svc.version,
        policy: snap.policy,
        panic: snap.panic,
        decisionActive: snap.decisionActive,
        instances: svc.config.instances.map((i) => ({
          id: i.id,
          address: i.address,
          weight: i.weight,
          adminDrained: drained.has(i.id),
          inFlight: svc.instances.get(i.id)?.inFlight ?? 0,
          balancer: snap.endpoints.find((e) => e.id === i.id) ?? null,
          outlier: outliers.get(i.id) ?? null,
          breakerOpen: svc.breakers.isOpen(i.id),
        })),
      };
    },
    drain: () => void proxy.drain(),
    drainInstance: (s, i, d) => plane.setInstanceDrained(s, i, d),
    applyConfig: (raw) => plane.applyConfig(raw),
  });

  const flushTelemetry = () => {
    const end = clock.now();
    const start = windowStartMs;
    windowStartMs = end;
    for (const svc of plane.allServices()) {
      if (bus === undefined) {
        for (const inst of svc.instances.values()) inst.window.requests = inst.window.latencyCount = 0;
        continue;
      }
      for (const inst of svc.instances.values()) {
        const event = drainWindow(inst.window, {
          serviceId: svc.id,
          instanceId: inst.id,
          proxyId,
          windowStartMs: start,
          windowEndMs: end,
          inFlight: inst.inFlight,
          activeConnections: inst.pool.stats.connected,
          tags: inst.config.zone === null ? {} : { zone: inst.config.zone },
        });
        const r = bus.publishTelemetry('service-metrics', svc.id, event);
        if (!r.accepted || r.evicted > 0) metrics.telemetryDropped.inc((r.accepted ? 0 : 1) + r.evicted);
      }
    }
  };

  const bootFromSnapshot = async () => {
    if (snapshot === undefined) return;
    try {
      const snap = await snapshot.load();
      if (snap === undefined) return;
      let any = false;
      for (const c of snap.configs) any = plane.applyConfig(c).applied || any;
      for (const d of snap.decisions) {
        const dec = d as RoutingDecision;
        plane.applyDecision(dec);
      }
      plane.snapshotLoaded = any;
      logger.info({ file: snapshot.file, services: snap.configs.length, decisions: snap.decisions.length }, 'booted from snapshot');
    } catch (err) {
      logger.error({ err }, 'snapshot unreadable; starting without it');
    }
  };

  /**
   * Consumes the compacted control topics (latest config/decision per service) without ever
   * holding up the data path: with Kafka down the proxy routes from its snapshot and these
   * watches are retried until the broker is back (ARCHITECTURE rule 2).
   */
  const watchControlTopics = async (b: EventBus): Promise<void> => {
    const safely = (what: string, fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        logger.error({ err, what }, 'control message could not be applied');
      }
    };
    for (const topic of ['config-updates', 'routing-decisions'] as const) {
      for (let attempt = 1; !closed; attempt++) {
        try {
          const view =
            topic === 'config-updates'
              ? await b.watchLatest('config-updates', (_key, value) => safely(topic, () => plane.applyConfig(value)))
              : await b.watchLatest('routing-decisions', (_key, value) => safely(topic, () => plane.applyDecision(value)));
          if (closed) await view.close();
          else views.push(view);
          break;
        } catch (err) {
          logger.warn({ err, topic, attempt }, 'cannot watch control topic yet; routing on last-known-good state');
          await new Promise((r) => setTimeout(r, Math.min(30_000, 500 * 2 ** Math.min(attempt, 6))).unref());
        }
      }
    }
  };

  const proxy: Proxy = {
    proxyId,
    metrics,
    controlPlane: plane,
    async listen() {
      await bootFromSnapshot();
      for (const s of options.services ?? []) plane.applyConfig(s);
      await dataApp.listen({ host: options.host ?? '0.0.0.0', port: options.port ?? 0 });
      await adminApp.listen({ host: options.adminHost ?? '127.0.0.1', port: options.adminPort ?? 0 });
      listening = true;
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => proxyUpgrade(ctx, plane.table.match(req.headers.host, req.url ?? '/'), req, socket, head));
      for (const svc of plane.allServices()) syncHealthChecks(svc, svc.id);
      const windowMs = options.telemetryWindowMs ?? 1000;
      if (windowMs > 0) timers.push(setInterval(flushTelemetry, windowMs));
      // Ejections end even when no traffic reaches the service to trigger the detector.
      timers.push(
        setInterval(() => {
          const now = clock.now();
          for (const svc of plane.allServices()) {
            const events = svc.detector.tick(now);
            if (events.length > 0) onOutlierEvents(svc, events);
          }
        }, 250),
      );
      for (const t of timers) t.unref();
      if (bus !== undefined) void watchControlTopics(bus);
      const port = (dataApp.server.address() as AddressInfo).port;
      const adminPort = (adminApp.server.address() as AddressInfo).port;
      reporter.status(plane.status());
      return { port, adminPort, url: `http://127.0.0.1:${port}`, adminUrl: `http://127.0.0.1:${adminPort}` };
    },
    async drain(timeoutMs = options.drainTimeoutMs ?? 30_000) {
      ctx.draining = true;
      // Stop accepting; idle keep-alive connections close now, busy ones after their response.
      server?.close();
      server?.closeIdleConnections();
      let drained = ctx.inFlight === 0;
      if (!drained) {
        drained = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), timeoutMs);
          drainWaiters.push(() => {
            clearTimeout(timer);
            resolve(true);
          });
        });
      }
      const abandoned = ctx.inFlight;
      await proxy.close();
      return { drained, abandoned };
    },
    async close() {
      if (closed) return;
      closed = true;
      ctx.draining = true;
      for (const t of timers) clearInterval(t);
      for (const c of healthCheckers.values()) c.stop();
      healthCheckers.clear();
      await Promise.all(views.map((v) => v.close().catch(() => undefined)));
      if (listening) flushTelemetry();
      server?.closeAllConnections();
      await Promise.all([dataApp.close(), adminApp.close()]);
      await plane.close();
      await snapshot?.flush().catch(() => undefined);
    },
    applyConfig: (raw) => plane.applyConfig(raw),
    applyDecision: (d) => plane.applyDecision(d),
    inFlight: () => ctx.inFlight,
    flushTelemetry,
    state() {
      const now = clock.now();
      return {
        proxyId,
        draining: ctx.draining,
        inFlight: ctx.inFlight,
        snapshotLoaded: plane.snapshotLoaded,
        status: plane.status(),
        services: [...plane.allServices()].map((s) => ({
          id: s.id,
          version: s.version,
          routes: s.config.routes,
          balancer: s.balancer.snapshot(now),
          retryBudget: s.budget.snapshot(),
        })),
      };
    },
  };
  return proxy;
}
