/**
 * Closes every instance's telemetry window and publishes it on service-metrics (through the
 * bus's non-blocking telemetry queue; drops counted in slb_proxy_telemetry_dropped_total).
 * Without a bus the windows are only reset. What a window holds and how it becomes an event:
 * telemetry.ts.
 */
import type { Clock, EventBus } from '@slb/core';
import type { ProxyMetrics } from './metrics.js';
import type { RoutedService } from '../control/routed-service.js';
import { drainWindow, resetWindow } from './telemetry.js';

export interface TelemetryFlushDeps {
  readonly clock: Clock;
  readonly bus: EventBus | undefined;
  readonly proxyId: string;
  readonly metrics: ProxyMetrics;
  allServices(): Iterable<RoutedService>;
}

export interface TelemetryFlush {
  /** Ends the current window (begun at creation or the last flush) now and publishes it. */
  flush(): void;
  /** Flushes every `windowMs` (0: never). */
  start(windowMs: number): void;
  stop(): void;
}

export function createTelemetryFlush(deps: TelemetryFlushDeps): TelemetryFlush {
  const { clock, bus } = deps;
  let windowStartMs = clock.now();
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    const end = clock.now();
    const start = windowStartMs;
    windowStartMs = end;
    for (const svc of deps.allServices()) {
      if (bus === undefined) {
        for (const inst of svc.instances.values()) resetWindow(inst.window);
        continue;
      }
      for (const inst of svc.instances.values()) {
        const event = drainWindow(inst.window, {
          serviceId: svc.id,
          instanceId: inst.id,
          proxyId: deps.proxyId,
          windowStartMs: start,
          windowEndMs: end,
          inFlight: inst.inFlight,
          activeConnections: inst.pool.stats.connected,
          tags: inst.config.zone === null ? {} : { zone: inst.config.zone },
        });
        const r = bus.publishTelemetry('service-metrics', svc.id, event);
        if (!r.accepted || r.evicted > 0) deps.metrics.telemetryDropped.inc((r.accepted ? 0 : 1) + r.evicted);
      }
    }
  };
  return {
    flush,
    start(windowMs) {
      if (windowMs <= 0) return;
      timer = setInterval(flush, windowMs);
      timer.unref();
    },
    stop() {
      if (timer !== undefined) clearInterval(timer);
    },
  };
}
