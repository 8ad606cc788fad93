/**
 * The proxy's Prometheus metrics on its own Registry (never the global one, so several proxies
 * in one process, as in tests and standalone mode, do not collide). The two per-request
 * metrics are plain numbers cached on the routed service/instance objects and folded into
 * the registry at scrape time (data-path/request-metrics.ts); the rest change rarely and use prom-client
 * directly.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { createRequestMetrics } from '../data-path/request-metrics.js';
import type { RoutedInstance, RoutedService } from '../control/routed-service.js';

export interface ProxyMetrics {
  readonly registry: Registry;
  readonly ejections: Counter<'service' | 'instance' | 'reason'>;
  readonly retries: Counter<'service'>;
  readonly hedges: Counter<'service'>;
  readonly budgetExhausted: Counter<'service'>;
  readonly heldBack: Counter<'service' | 'instance'>;
  readonly breakerOpen: Gauge<'service' | 'instance'>;
  readonly healthyInstances: Gauge<'service'>;
  readonly configVersion: Gauge<'service'>;
  readonly configRejected: Counter<'service' | 'code'>;
  readonly telemetryDropped: Counter;
  /** Hot path: count one finished request. */
  countRequest(service: RoutedService, inst: RoutedInstance | undefined, status: number, seconds: number): void;
}

export interface ProxyMetricsOptions {
  readonly defaultMetrics?: boolean;
  /** Read at scrape time: healthy instances per service (nothing on the request path). */
  readonly healthyInstances?: () => Iterable<readonly [string, number]>;
}

export function createProxyMetrics(options: ProxyMetricsOptions = {}): ProxyMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'slb_proxy_' });
  const perRequest = createRequestMetrics(registry, [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
  const noInstance = new Map<string, RoutedInstance['statusCounts']>();
  return {
    registry,
    ejections: new Counter({ name: 'slb_proxy_ejections_total', help: 'Outlier ejections, by service, instance and reason.', labelNames: ['service', 'instance', 'reason'] as const, registers: [registry] }),
    retries: new Counter({ name: 'slb_proxy_retries_total', help: 'Retries started, by service.', labelNames: ['service'] as const, registers: [registry] }),
    hedges: new Counter({ name: 'slb_proxy_hedges_total', help: 'Hedged copies sent after the latency quantile, by service.', labelNames: ['service'] as const, registers: [registry] }),
    budgetExhausted: new Counter({ name: 'slb_proxy_retry_budget_exhausted_total', help: 'Retries refused because the retry budget was spent.', labelNames: ['service'] as const, registers: [registry] }),
    heldBack: new Counter({ name: 'slb_proxy_held_back_total', help: 'Throttled answers (429, or 503 with Retry-After) that held an instance back, by service and instance.', labelNames: ['service', 'instance'] as const, registers: [registry] }),
    breakerOpen: new Gauge({ name: 'slb_proxy_breaker_open', help: '1 while an instance is at a circuit-breaker limit.', labelNames: ['service', 'instance'] as const, registers: [registry] }),
    healthyInstances: new Gauge({
      name: 'slb_proxy_healthy_instances',
      help: 'Instances currently healthy, by service.',
      labelNames: ['service'] as const,
      registers: [registry],
      collect() {
        if (options.healthyInstances === undefined) return;
        this.reset();
        for (const [service, n] of options.healthyInstances()) this.labels(service).set(n);
      },
    }),
    configVersion: new Gauge({ name: 'slb_proxy_config_version', help: 'Applied ConfigUpdate version, by service.', labelNames: ['service'] as const, registers: [registry] }),
    configRejected: new Counter({ name: 'slb_proxy_config_rejected_total', help: 'Config updates rejected, by service and error code.', labelNames: ['service', 'code'] as const, registers: [registry] }),
    telemetryDropped: new Counter({ name: 'slb_proxy_telemetry_dropped_total', help: 'Telemetry events the bus did not accept or evicted.', registers: [registry] }),
    countRequest(service, inst, status, seconds) {
      let byStatus = inst?.statusCounts ?? noInstance.get(service.id);
      if (byStatus === undefined) noInstance.set(service.id, (byStatus = new Map()));
      let count = byStatus.get(status);
      if (count === undefined) {
        count = perRequest.requestCount(service.id, inst?.id ?? 'none', status);
        byStatus.set(status, count);
      }
      count.n++;
      perRequest.observe((service.duration ??= perRequest.durationCell(service.id)), seconds);
    },
  };
}
