/**
 * The proxy's Prometheus metrics on its own Registry (never the global one, so several proxies
 * in one process, as in tests and standalone mode, do not collide). What is known per upstream
 * (the `upstream` label: an instance id of the service; never `instance`, which is Prometheus's
 * own target label):
 *
 * - every request, by the status the client got and its outcome, and every try sent to an
 *   upstream (retries and hedges too), by what the upstream did: the per-request and per-try
 *   counters are plain numbers cached on the routed service/instance objects and folded into
 *   the registry at scrape time (data-path/request-metrics.ts);
 * - what the proxy knows about each upstream right now (the controller's decision weight and
 *   state, the weight the balancer uses, local health and outlier ejection) and the versions it
 *   applied: read from the control plane at scrape time, nothing on the request path;
 * - the rest (ejections, retries, hedges, breaker) changes rarely and uses prom-client directly.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { collectProcessMetrics, type RoutingDecision } from '@slb/core';
import { createRequestMetrics, outcomeIndex, UPSTREAM_OUTCOMES, type RequestCount, type UpstreamFailure } from '../data-path/request-metrics.js';
import type { RoutedInstance, RoutedService } from '../control/routed-service.js';
import { healthyCount } from './admin-views.js';

export interface ProxyMetrics {
  readonly registry: Registry;
  readonly ejections: Counter<'service' | 'upstream' | 'reason'>;
  readonly retries: Counter<'service'>;
  readonly hedges: Counter<'service'>;
  readonly budgetExhausted: Counter<'service'>;
  readonly heldBack: Counter<'service' | 'upstream'>;
  readonly breakerOpen: Gauge<'service' | 'upstream'>;
  readonly healthyInstances: Gauge<'service'>;
  readonly configVersion: Gauge<'service'>;
  readonly configRejected: Counter<'service' | 'code'>;
  readonly telemetryDropped: Counter;
  /**
   * Hot path: count one finished request. `failure`: the proxy answered for an upstream that
   * could not be reached or did not answer (the outcome is that failure, not the status class).
   */
  countRequest(service: RoutedService, inst: RoutedInstance | undefined, status: number, seconds: number, failure?: UpstreamFailure): void;
  /** Hot path: count one try that reached an end at its upstream (an answer, or a failure). */
  countTry(service: RoutedService, inst: RoutedInstance, status: number, failure?: UpstreamFailure): void;
}

/** What the control plane holds, read at scrape time. */
export interface ProxyMetricsView {
  readonly now: number;
  readonly services: Iterable<RoutedService>;
  readonly decisions: Iterable<RoutingDecision>;
}

export interface ProxyMetricsOptions {
  readonly defaultMetrics?: boolean;
  /** Read at scrape time: the routed services and the applied decisions (nothing on the request path). */
  readonly view?: () => ProxyMetricsView;
}

const DECISION_STATES = ['ACTIVE', 'SLOW_START', 'DRAINING', 'EJECTED'] as const;
/** statusCounts keys: requests are `status + 1000 × outcome index` (>= 0), tries are negative. */
const TRY_KEY_BASE = -1;

export function createProxyMetrics(options: ProxyMetricsOptions = {}): ProxyMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectProcessMetrics(registry);
  const perRequest = createRequestMetrics(registry, [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
  const noInstance = new Map<string, RoutedInstance['statusCounts']>();
  const registers = [registry];

  /** The control plane as it is now (each gauge reads it when scraped). */
  const read = () => {
    if (options.view === undefined) return undefined;
    const view = options.view();
    return { view, services: [...view.services], decisions: new Map([...view.decisions].map((d) => [d.serviceId, d])) };
  };
  /** A gauge whose series are all rebuilt from the control plane at scrape time. */
  const viewGauge = <L extends string>(name: string, help: string, labelNames: readonly L[], fill: (g: Gauge<L>, v: NonNullable<ReturnType<typeof read>>) => void): Gauge<L> =>
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers,
      collect() {
        const v = read();
        if (v === undefined) return;
        this.reset();
        fill(this, v);
      },
    });

  viewGauge('slb_proxy_decision_version', "Version of the controller's routing decision this proxy applied, by service (absent before the first decision).", ['service'], (g, v) => {
    for (const d of v.decisions.values()) g.labels(d.serviceId).set(d.version);
  });
  viewGauge('slb_proxy_decision_active', "1 while the service's routing decision is in force (applied and not expired), 0 when the proxy balances on local signals alone.", ['service'], (g, v) => {
    for (const s of v.services) g.labels(s.id).set(s.balancer.snapshot(v.view.now).decisionActive ? 1 : 0);
  });
  viewGauge('slb_proxy_upstream_decision_weight', "The controller's decision weight of each upstream (0 when ejected), from the applied decision.", ['service', 'upstream'], (g, v) => {
    for (const d of v.decisions.values()) for (const i of d.instances) g.labels(d.serviceId, i.instanceId).set(i.weight);
  });
  viewGauge(
    'slb_proxy_upstream_decision_state',
    "The controller's decision state of each upstream: 1 on the series of its state (ACTIVE, SLOW_START, DRAINING, EJECTED), 0 on the others.",
    ['service', 'upstream', 'state'],
    (g, v) => {
      for (const d of v.decisions.values()) {
        for (const i of d.instances) for (const state of DECISION_STATES) g.labels(d.serviceId, i.instanceId, state).set(i.state === state ? 1 : 0);
      }
    },
  );
  viewGauge('slb_proxy_upstream_weight', 'The weight the balancer gives each upstream right now: config weight * decision weight * slow-start factor (0 while excluded).', ['service', 'upstream'], (g, v) => {
    for (const s of v.services) for (const e of s.balancer.snapshot(v.view.now).endpoints) g.labels(s.id, e.id).set(e.effectiveWeight);
  });
  viewGauge('slb_proxy_upstream_healthy', "1 while this proxy's own checks (active health checks, outlier detection) find the upstream healthy.", ['service', 'upstream'], (g, v) => {
    for (const s of v.services) for (const e of s.balancer.snapshot(v.view.now).endpoints) g.labels(s.id, e.id).set(e.healthy ? 1 : 0);
  });
  viewGauge('slb_proxy_upstream_ejected', "1 while this proxy's outlier detection keeps the upstream ejected (local ejection; the controller's is slb_proxy_upstream_decision_state).", ['service', 'upstream'], (g, v) => {
    for (const s of v.services) {
      const ejected = new Set(s.detector.snapshot().filter((h) => h.ejected).map((h) => h.id));
      for (const id of s.instances.keys()) g.labels(s.id, id).set(ejected.has(id) ? 1 : 0);
    }
  });

  const countIn = (inst: RoutedInstance | undefined, serviceId: string): RoutedInstance['statusCounts'] => {
    let byKey = inst?.statusCounts ?? noInstance.get(serviceId);
    if (byKey === undefined) noInstance.set(serviceId, (byKey = new Map()));
    return byKey;
  };

  return {
    registry,
    ejections: new Counter({ name: 'slb_proxy_ejections_total', help: 'Local outlier ejections, by service, upstream and reason.', labelNames: ['service', 'upstream', 'reason'] as const, registers }),
    retries: new Counter({ name: 'slb_proxy_retries_total', help: 'Retries started, by service.', labelNames: ['service'] as const, registers }),
    hedges: new Counter({ name: 'slb_proxy_hedges_total', help: 'Hedged copies sent after the latency quantile, by service.', labelNames: ['service'] as const, registers }),
    budgetExhausted: new Counter({ name: 'slb_proxy_retry_budget_exhausted_total', help: 'Retries refused because the retry budget was spent.', labelNames: ['service'] as const, registers }),
    heldBack: new Counter({ name: 'slb_proxy_held_back_total', help: 'Throttled answers (429, or 503 with Retry-After) that held an upstream back, by service and upstream.', labelNames: ['service', 'upstream'] as const, registers }),
    breakerOpen: new Gauge({ name: 'slb_proxy_breaker_open', help: '1 while an upstream is at a circuit-breaker limit.', labelNames: ['service', 'upstream'] as const, registers }),
    healthyInstances: new Gauge({
      name: 'slb_proxy_healthy_instances',
      help: "Upstreams this proxy's own checks find healthy, by service (a controller ejection shows in slb_proxy_upstream_decision_state).",
      labelNames: ['service'] as const,
      registers,
      collect() {
        const v = read();
        if (v === undefined) return;
        this.reset();
        for (const s of v.services) this.labels(s.id).set(healthyCount(s.balancer.snapshot(v.view.now)));
      },
    }),
    configVersion: new Gauge({ name: 'slb_proxy_config_version', help: 'Applied ConfigUpdate version, by service.', labelNames: ['service'] as const, registers }),
    configRejected: new Counter({ name: 'slb_proxy_config_rejected_total', help: 'Config updates rejected, by service and error code.', labelNames: ['service', 'code'] as const, registers }),
    telemetryDropped: new Counter({ name: 'slb_proxy_telemetry_dropped_total', help: 'Telemetry events the bus did not accept or evicted.', registers }),
    countRequest(service, inst, status, seconds, failure) {
      const byKey = countIn(inst, service.id);
      const outcome = failure === undefined ? 0 : outcomeIndex(status, failure);
      const key = status + 1000 * outcome;
      let count: RequestCount | undefined = byKey.get(key);
      if (count === undefined) {
        count = perRequest.requestCount(service.id, inst?.id ?? 'none', status, failure === undefined ? undefined : UPSTREAM_OUTCOMES[outcome]);
        byKey.set(key, count);
      }
      count.n++;
      perRequest.observe((service.duration ??= perRequest.durationCell(service.id)), seconds);
    },
    countTry(service, inst, status, failure) {
      const outcome = outcomeIndex(status, failure);
      const key = TRY_KEY_BASE - outcome;
      let count = inst.statusCounts.get(key);
      if (count === undefined) {
        count = perRequest.tryCount(service.id, inst.id, UPSTREAM_OUTCOMES[outcome]!);
        inst.statusCounts.set(key, count);
      }
      count.n++;
    },
  };
}
