/**
 * Maps the Avro records of the topics (services/core contracts) to and from the shapes of the
 * pure window and scoring stages. Pure: no clock (computedAtMs is a parameter), no I/O.
 */
import type { HealthScore as HealthScoreRecord, HealthStatus, MetricsAggregated, ScoreComponent, ServiceMetrics, SourceOffset as SourceRecord } from '@slb/core';
import type { HealthScore, ScoreComponents } from './scoring/index.js';
import type { HealthVerdict, InstanceWindow, ProxyWindowReport, SourceOffset } from './windows/index.js';

export function reportFromRecord(value: ServiceMetrics, source?: SourceOffset): ProxyWindowReport {
  return {
    proxyId: value.proxyId,
    serviceId: value.serviceId,
    instanceId: value.instanceId,
    windowStartMs: value.windowStartMs,
    windowEndMs: value.windowEndMs,
    requests: value.requests,
    // 4xx are the client's mistakes, not the instance's: they are carried along (status4xx on
    // metrics-aggregated) but are not errors of the instance.
    errors: {
      status5xx: value.errors.status5xx,
      connectFailures: value.errors.connectFailures,
      timeouts: value.errors.timeouts,
      resets: value.errors.resets,
    },
    inFlight: value.inFlight,
    latencySketch: value.latencySketch,
    ...(source === undefined ? {} : { source }),
  };
}

export function verdictFromRecord(value: HealthStatus, source?: SourceOffset): HealthVerdict {
  return {
    proxyId: value.proxyId,
    serviceId: value.serviceId,
    instanceId: value.instanceId,
    status: value.status,
    atMs: value.timestamp,
    ...(source === undefined ? {} : { source }),
  };
}

/** Extra per-instance figures the adapter keeps beside the aggregator. */
export interface InstanceExtras {
  readonly status4xx: number;
  /** Reports of this instance that arrived late since its previous emitted window. */
  readonly lateCount: number;
}

export function aggregatedRecord(w: InstanceWindow, extras: InstanceExtras, computedAtMs: number): MetricsAggregated {
  return {
    serviceId: w.serviceId,
    instanceId: w.instanceId,
    windowStartMs: w.windowStartMs,
    windowEndMs: w.windowEndMs,
    computedAtMs,
    requests: w.requests,
    rps: w.rps,
    errorRate: w.errorRate,
    errors: {
      status5xx: w.errors.status5xx,
      status4xx: extras.status4xx,
      connectFailures: w.errors.connectFailures,
      timeouts: w.errors.timeouts,
      resets: w.errors.resets,
    },
    p50LatencyMs: w.latencyMs?.p50 ?? null,
    p95LatencyMs: w.latencyMs?.p95 ?? null,
    p99LatencyMs: w.latencyMs?.p99 ?? null,
    inFlight: w.inFlight,
    proxiesReporting: w.proxies.length,
    lateCount: extras.lateCount,
    // The window stage keeps quantiles, not the merged sketch; consumers use the quantiles.
    latencySketch: null,
  };
}

/** The component names on the topic, in a fixed order, with the prefix of their reason sentence. */
const COMPONENTS: readonly { readonly key: keyof ScoreComponents; readonly reason: string }[] = [
  { key: 'success', reason: 'success ' },
  { key: 'latency', reason: 'latency ' },
  { key: 'activeCheck', reason: 'active checks ' },
  { key: 'saturation', reason: 'saturation ' },
];

export function scoreRecord(score: HealthScore, w: InstanceWindow, computedAtMs: number): HealthScoreRecord {
  const components: ScoreComponent[] = COMPONENTS.map(({ key, reason }) => ({
    name: key,
    value: score.components[key].value,
    weight: score.components[key].weight,
    // What pulled it down, then what could not be judged (e.g. too few peers to compare with).
    detail: [...score.reasons, ...score.notes].filter((r) => r.startsWith(reason)).join('; '),
  }));
  return {
    serviceId: score.serviceId,
    instanceId: score.instanceId,
    score: score.score,
    components,
    windowStartMs: score.windowStartMs,
    windowEndMs: score.windowEndMs,
    computedAtMs,
    inputs: {
      requests: w.requests,
      rps: w.rps,
      errorRate: w.requests > 0 ? w.errorRate : null,
      p95LatencyMs: w.latencyMs?.p95 ?? null,
      p99LatencyMs: w.latencyMs?.p99 ?? null,
      inFlight: w.inFlight,
      proxiesReporting: w.proxies.length,
      healthyChecks: w.check.healthy,
      unhealthyChecks: w.check.unhealthy,
      degradedChecks: w.check.degraded,
    },
    sources: score.sources.map(sourceRecord),
  };
}

function sourceRecord(s: SourceOffset): SourceRecord {
  return { topic: s.topic, partition: s.partition, offset: Number(s.offset) };
}
