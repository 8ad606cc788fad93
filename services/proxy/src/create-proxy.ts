/**
 * Assembles a proxy node from small modules: the data listener (fastify, forwarding through
 * undici dispatch), the admin listener and its views, the control plane (config/decisions,
 * snapshot, bus watches), instance health (active checks, outlier events) and telemetry windows.
 * It holds no rule of its own. Everything with a side effect is injected or started in
 * `listen()` and stopped in `close()`.
 */
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { pino, type Logger } from 'pino';
import type { RoutingDecision } from '@slb/core';
import { SYSTEM_CLOCK, toPublicKey } from '@slb/core';
import { createAdminApp } from './operations/admin.js';
import { createAdminAudit } from './operations/admin-audit.js';
import { instancesView, proxyStateView, readiness, type ProxyStateView as StateView } from './operations/admin-views.js';
import { createDataServer } from './data-path/data-server.js';
import { configToJson, createControlReporter } from './control/control-reporting.js';
import { ControlPlane, type ApplyResult } from './control/control-plane.js';
import { bootFromSnapshot, watchControlTopics, type ControlView } from './control/control-sources.js';
import { createTrustPolicy } from './data-path/forwarding-headers.js';
import { DEFAULT_PATH_NORMALIZATION } from './data-path/path-normalization.js';
import type { ForwardContext } from './data-path/proxied-request.js';
import { IdleWaiters } from './operations/idle-waiters.js';
import { createInstanceHealth } from './operations/instance-health.js';
import { createProxyMetrics, type ProxyMetrics } from './operations/metrics.js';
import { DEFAULT_LIMITS, type ProxyLimits, type ProxyOptions } from './options.js';
import { SnapshotStore } from './control/snapshot-store.js';
import { createTelemetryFlush } from './operations/telemetry-flush.js';

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

export type ProxyStateView = StateView<ReturnType<ControlPlane['status']>>;

export function createProxy(options: ProxyOptions): Proxy {
  const clock = options.clock ?? SYSTEM_CLOCK;
  const random = options.random ?? Math.random;
  const logger: Logger = options.logger ?? pino({ name: 'proxy:http', level: 'info' });
  const limits: ProxyLimits = Object.freeze({ ...DEFAULT_LIMITS, ...options.limits });
  const metrics = createProxyMetrics({ view: () => ({ now: clock.now(), services: plane.allServices(), decisions: plane.allDecisions() }) });
  const bus = options.bus;
  const proxyId = options.proxyId;
  const snapshot = options.snapshotDir === undefined ? undefined : new SnapshotStore(options.snapshotDir);
  const idle = new IdleWaiters();
  const views: ControlView[] = [];
  const stopWatches = new AbortController();
  let closed = false;
  let listening = false;
  let requestSeq = 0;
  const requestIdPrefix = randomBytes(4).toString('hex');

  const reporter = createControlReporter({ bus, proxyId, now: () => clock.now(), logger, isClosed: () => closed });
  const health = createInstanceHealth({ clock, random, logger, metrics, bus, proxyId, sourceAddress: options.upstreamSourceAddress, service: (id) => plane.service(id), allServices: () => plane.allServices(), cutWaitingTries: (s, i) => cutWaitingTries(s, i) });
  const plane: ControlPlane = new ControlPlane({
    proxyId,
    now: () => clock.now(),
    random,
    metrics,
    logger,
    publicKey: options.configPublicKey === undefined ? undefined : toPublicKey(options.configPublicKey),
    upstreamSourceAddress: options.upstreamSourceAddress,
    onChange: (kind, serviceId) => {
      if (snapshot !== undefined) {
        snapshot.save(plane.configs(), plane.allDecisions(), clock.now()).catch((err: unknown) => logger.error({ err }, 'snapshot write failed'));
      }
      if (kind === 'config') health.sync(plane.service(serviceId), serviceId);
    },
    onStatus: (status) => reporter.status(status),
    onRejected: (serviceId, version, error) => reporter.rejected(serviceId, version, error),
    onApplied: (update, previous) => reporter.applied(update, previous),
  });
  const telemetry = createTelemetryFlush({ clock, bus, proxyId, metrics, allServices: () => plane.allServices() });

  const ctx: ForwardContext = {
    clock,
    random,
    metrics,
    logger,
    accessLog: options.accessLog ?? true,
    trust: createTrustPolicy(options.trustedProxies ?? [], options.clientIpHeaders),
    limits,
    inFlight: 0,
    draining: false,
    nextRequestId: () => `${requestIdPrefix}-${(++requestSeq).toString(36)}`,
    onRequestDone() {
      ctx.inFlight--;
      if (ctx.inFlight === 0) idle.idle();
    },
    onOutlierEvents: health.onOutlierEvents,
    onAdmissionChange(svc, inst, open) {
      metrics.breakerOpen.labels(svc.id, inst.id).set(open ? 1 : 0);
      logger.warn({ serviceId: svc.id, instanceId: inst.id, open }, open ? 'circuit breaker opened' : 'circuit breaker closed');
    },
  };

  const hygiene = { path: { ...DEFAULT_PATH_NORMALIZATION, ...options.pathNormalization }, allowTrace: options.allowTrace ?? false };
  const { app: dataApp, server, cutWaitingTries, upgrade } = createDataServer(ctx, limits, () => plane.table, hygiene);

  const adminApp = createAdminApp({
    token: options.adminToken,
    metricsContentType: metrics.registry.contentType,
    metricsText: () => metrics.registry.metrics(),
    live: () => !closed,
    ready: () => readiness({ draining: ctx.draining, listening, routes: plane.table.entries.length }),
    state: () => proxy.state(),
    config: () => plane.configs().map(configToJson),
    instances: (serviceId) => {
      const svc = plane.service(serviceId);
      if (svc === undefined) return undefined;
      return instancesView({
        serviceId,
        version: svc.version,
        instances: svc.config.instances,
        balancer: svc.balancer.snapshot(clock.now()),
        outliers: svc.detector.snapshot(),
        adminDrained: plane.drainedInstances(serviceId),
        inFlight: (id) => svc.instances.get(id)?.inFlight ?? 0,
        breakerOpen: (id) => svc.admission.isAtLimit(id),
      });
    },
    drain: () => void proxy.drain(),
    drainInstance: (s, i, d) => plane.setInstanceDrained(s, i, d),
    isInstanceDrained: (s, i) => plane.drainedInstances(s).has(i),
    applyConfig: (raw) => plane.applyConfig(raw),
  }, createAdminAudit({ proxyId, logger, registry: metrics.registry, bus, now: () => clock.now() }));

  const proxy: Proxy = {
    proxyId,
    metrics,
    controlPlane: plane,
    async listen() {
      await bootFromSnapshot(snapshot, plane, logger);
      for (const s of options.services ?? []) plane.applyConfig(s);
      await dataApp.listen({ host: options.host ?? '0.0.0.0', port: options.port ?? 0 });
      await adminApp.listen({ host: options.adminHost ?? '127.0.0.1', port: options.adminPort ?? 0 });
      listening = true;
      server.on('upgrade', upgrade);
      health.start();
      telemetry.start(options.telemetryWindowMs ?? 1000);
      if (bus !== undefined) void watchControlTopics({ bus, plane, logger, signal: stopWatches.signal, onView: (v) => views.push(v) });
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
      const drained = ctx.inFlight === 0 || (await idle.wait(timeoutMs));
      const abandoned = ctx.inFlight;
      await proxy.close();
      return { drained, abandoned };
    },
    async close() {
      if (closed) return;
      closed = true;
      ctx.draining = true;
      stopWatches.abort();
      telemetry.stop();
      health.stop();
      await Promise.all(views.map((v) => v.close().catch(() => undefined)));
      if (listening) telemetry.flush();
      server?.closeAllConnections();
      await Promise.all([dataApp.close(), adminApp.close()]);
      await plane.close();
      await snapshot?.flush().catch(() => undefined);
    },
    applyConfig: (raw) => plane.applyConfig(raw),
    applyDecision: (d) => plane.applyDecision(d),
    inFlight: () => ctx.inFlight,
    flushTelemetry: telemetry.flush,
    state() {
      const now = clock.now();
      return proxyStateView({
        proxyId,
        draining: ctx.draining,
        inFlight: ctx.inFlight,
        snapshotLoaded: plane.snapshotLoaded,
        status: plane.status(),
        services: [...plane.allServices()].map((s) => ({ id: s.id, version: s.version, routes: s.config.routes, balancer: s.balancer.snapshot(now), retryBudget: s.budget.snapshot() })),
      });
    },
  };
  return proxy;
}
