/**
 * Everything that changes whether this proxy sends an instance traffic, wired to the balancer,
 * metrics, logs and health-status: active health checks (one HealthChecker per service with a
 * healthCheck section) and passive outlier detection's events (inline from requests, and from
 * a 250 ms timer so ejections end even without traffic). The rules are elsewhere: the verdict
 * and an outlier event's effect in health-verdict.ts, ejection in resilience/outlier-detector.
 */
import type { Clock, EventBus } from '@slb/core';
import type { Logger } from 'pino';
import { HealthChecker } from './health-checker.js';
import { healthVerdict, outlierEffect } from './health-verdict.js';
import type { ProxyMetrics } from './metrics.js';
import type { OutlierEvent } from '../resilience/index.js';
import type { RoutedService } from '../control/routed-service.js';

/** How often ejections are checked for their end when no request does it. */
export const OUTLIER_TICK_MS = 250;

export interface InstanceHealthDeps {
  readonly clock: Clock;
  readonly random: () => number;
  readonly logger: Logger;
  readonly metrics: ProxyMetrics;
  readonly bus: EventBus | undefined;
  readonly proxyId: string;
  service(id: string): RoutedService | undefined;
  allServices(): Iterable<RoutedService>;
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
      } else logger.info({ serviceId: svc.id, instanceId: e.id }, 'instance returned from ejection');
      publishVerdict(svc, e.id, checkType, null, effect.details);
    }
  };

  const sync = (svc: RoutedService | undefined, serviceId: string) => {
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
        monotonic: () => clock.monotonic(),
        onResult: (r) => {
          const current = deps.service(serviceId);
          if (current === undefined) return;
          if (r.transition !== undefined) {
            current.balancer.setHealth(r.instanceId, r.healthy, clock.now(), 'active');
            logger.info({ serviceId, instanceId: r.instanceId, state: r.transition, details: r.details }, 'health check state changed');
          }
          publishVerdict(current, r.instanceId, cfg.type, r.responseTimeMs, r.details);
        },
      });
    checkers.set(serviceId, checker);
    checker.update(cfg, svc.config.instances.map((i) => ({ id: i.id, address: i.address })));
  };

  return {
    sync,
    onOutlierEvents,
    start() {
      started = true;
      for (const svc of deps.allServices()) sync(svc, svc.id);
      timer = setInterval(() => {
        const now = clock.now();
        for (const svc of deps.allServices()) {
          const events = svc.detector.tick(now);
          if (events.length > 0) onOutlierEvents(svc, events);
        }
      }, OUTLIER_TICK_MS);
      timer.unref();
    },
    stop() {
      started = false;
      if (timer !== undefined) clearInterval(timer);
      for (const c of checkers.values()) c.stop();
      checkers.clear();
    },
  };
}
