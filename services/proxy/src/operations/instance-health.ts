/**
 * Everything that changes whether this proxy sends an instance traffic, wired to the balancer,
 * metrics, logs and health-status: active health checks (one HealthChecker per service with a
 * healthCheck section) and passive outlier detection's events (inline from requests, and from
 * a 100 ms scan). The scan ends ejections whose time is up even without traffic, and looks for
 * stalled instances: tries unanswered while the peers answer (unanswered-tries.ts measures,
 * resilience/stall-detection.ts judges). An active check that passes again after failing ends
 * an outlier ejection. When an instance is ejected as stalled, the tries waiting on it are cut
 * short by the data path (`cutWaitingTries`), once the balancer has taken it out. The rules are
 * elsewhere: the verdict and an outlier event's effect in health-verdict.ts, ejection in
 * resilience/outlier-detector and stall-detection, which tries are cut and how in
 * resilience/stalled-tries.ts.
 */
import type { Clock, EventBus } from '@slb/core';
import type { Logger } from 'pino';
import { HealthChecker } from './health-checker.js';
import { healthVerdict, outlierEffect } from './health-verdict.js';
import type { ProxyMetrics } from './metrics.js';
import type { OutlierEvent } from '../resilience/index.js';
import { anySilentPastFloor, findStalls, type InstanceActivity } from '../resilience/stall-detection.js';
import { cutsWaitingTries } from '../resilience/stalled-tries.js';
import type { RoutedService } from '../control/routed-service.js';
import { UnansweredTries } from './unanswered-tries.js';

/**
 * How often the scan runs: ejections whose time is up end, stalled instances are found. Fine
 * enough that a stall is out within the floor (500 ms) plus about one scan.
 */
const OUTLIER_TICK_MS = 100;

export interface InstanceHealthDeps {
  readonly clock: Clock;
  readonly random: () => number;
  readonly logger: Logger;
  readonly metrics: ProxyMetrics;
  readonly bus: EventBus | undefined;
  readonly proxyId: string;
  /** The local address health checks leave from, as the data path's connections do. */
  readonly sourceAddress?: string | undefined;
  service(id: string): RoutedService | undefined;
  allServices(): Iterable<RoutedService>;
  /** The instance was ejected as stalled: cut short the tries waiting on it (data path). */
  cutWaitingTries(serviceId: string, instanceId: string): void;
}

export interface InstanceHealth {
  /** The service's config changed (or it went away): start, update or stop its checks. */
  sync(svc: RoutedService | undefined, serviceId: string): void;
  /** Applies outlier events to the balancer, metrics, logs and health-status. */
  onOutlierEvents(svc: RoutedService, events: readonly OutlierEvent[]): void;
  /** Starts the checks of every service and the outlier timer (on listen). */
  start(): void;
  stop(): void;
}

export function createInstanceHealth(deps: InstanceHealthDeps): InstanceHealth {
  const { clock, logger, bus } = deps;
  const checkers = new Map<string, HealthChecker>();
  let started = false;
  let timer: NodeJS.Timeout | undefined;
  const tries = new UnansweredTries(() => clock.monotonic());
  let lastScanMono: number | undefined;

  const publishVerdict = (svc: RoutedService, instanceId: string, checkType: 'HTTP' | 'TCP', responseTimeMs: number | null, details: Record<string, string>) => {
    if (bus === undefined) return;
    const now = clock.now();
    const unhealthySources = svc.balancer.snapshot(now).endpoints.find((e) => e.id === instanceId)?.unhealthySources ?? [];
    bus.publishTelemetry('health-status', svc.id, healthVerdict({ timestamp: now, serviceId: svc.id, instanceId, proxyId: deps.proxyId, unhealthySources, checkType, responseTimeMs, details }));
  };

  const onOutlierEvents = (svc: RoutedService, events: readonly OutlierEvent[]) => {
    const now = clock.now();
    const checkType = svc.config.healthCheck?.type ?? 'HTTP';
    for (const e of events) {
      const effect = outlierEffect(e);
      if (effect === undefined) continue;
      svc.balancer.setHealth(e.id, effect.healthy, now, 'outlier');
      if (e.type === 'eject') {
        deps.metrics.ejections.labels(svc.id, e.id, e.reason).inc();
        logger.warn({ serviceId: svc.id, instanceId: e.id, reason: e.reason, untilMs: e.untilMs, evidence: e.evidence }, 'instance ejected');
      } else logger.info({ serviceId: svc.id, instanceId: e.id, cause: e.cause }, 'instance returned from ejection');
      publishVerdict(svc, e.id, checkType, null, effect.details);
    }
    // After every event is applied: the retries of the cut tries pick among what is left.
    for (const e of events) if (cutsWaitingTries(e)) deps.cutWaitingTries(svc.id, e.id);
  };

  const sync = (svc: RoutedService | undefined, serviceId: string) => {
    // The instances (or the services) changed: follow the tries of those where a stall can be found.
    if (started) tries.watch(stallWatched());
    const cfg = svc?.config.healthCheck ?? null;
    const existing = checkers.get(serviceId);
    if (svc === undefined || cfg === null) {
      existing?.stop();
      checkers.delete(serviceId);
      return;
    }
    if (!started) return;
    const checker =
      existing ??
      new HealthChecker(cfg, {
        random: deps.random,
        sourceAddress: deps.sourceAddress,
        monotonic: () => clock.monotonic(),
        onResult: (r) => {
          const current = deps.service(serviceId);
          if (current === undefined) return;
          if (r.transition !== undefined) {
            current.balancer.setHealth(r.instanceId, r.healthy, clock.now(), 'active');
            logger.info({ serviceId, instanceId: r.instanceId, state: r.transition, details: r.details }, 'health check state changed');
          }
          const returned = current.detector.activeCheckResult(r.instanceId, r.passed, r.healthy, clock.now());
          if (returned.length > 0) onOutlierEvents(current, returned);
          publishVerdict(current, r.instanceId, cfg.type, r.responseTimeMs, r.details);
        },
      });
    checkers.set(serviceId, checker);
    checker.update(cfg, svc.config.instances.map((i) => ({ id: i.id, address: i.address })));
  };

  /** The stalled instances of `svc` now; the typical latencies are read only when someone may be. */
  const stalls = (svc: RoutedService, nowMono: number, lateByMs: number) => {
    const cfg = svc.detector.config.stall;
    const look = (quantile?: number): InstanceActivity[] => [...svc.instances.values()].map((i) => tries.activity(i.id, i.address, nowMono, quantile));
    if (!anySilentPastFloor(look(), cfg)) return [];
    return findStalls(look(cfg.latencyQuantile), lateByMs, cfg);
  };

  /**
   * Whether a stall can be found in `svc`: it is enforced, and there is a peer to keep answering.
   * Only such services' tries are followed (unanswered-tries.ts listens to nothing otherwise).
   */
  const stallsPossible = (svc: RoutedService) => svc.detector.config.stall.enforcingStalled > 0 && svc.instances.size >= 2;
  const stallWatched = () => [...deps.allServices()].filter(stallsPossible).flatMap((svc) => [...svc.instances.values()].map((i) => i.address));

  const scan = () => {
    const now = clock.now();
    const mono = clock.monotonic();
    // How late this scan is: the proxy's own event-loop lag, when the rule must not judge.
    const lateByMs = lastScanMono === undefined ? 0 : mono - lastScanMono - OUTLIER_TICK_MS;
    lastScanMono = mono;
    for (const svc of deps.allServices()) {
      const events = svc.detector.tick(now);
      if (stallsPossible(svc)) for (const s of stalls(svc, mono, lateByMs)) events.push(...svc.detector.ejectStalled(s.id, s.evidence, now));
      if (events.length > 0) onOutlierEvents(svc, events);
    }
  };

  return {
    sync,
    onOutlierEvents,
    start() {
      started = true;
      for (const svc of deps.allServices()) sync(svc, svc.id);
      tries.start();
      tries.watch(stallWatched());
      timer = setInterval(scan, OUTLIER_TICK_MS);
      timer.unref();
    },
    stop() {
      started = false;
      if (timer !== undefined) clearInterval(timer);
      tries.stop();
      lastScanMono = undefined;
      for (const c of checkers.values()) c.stop();
      checkers.clear();
    },
  };
}
