import { GLOBAL_SERVICE_ID } from '@slb/core/keys';
import type { ServiceDecision } from '../decisions/types.js';
import type { AlertScope, AlertSignal } from './types.js';

/**
 * Conditions: pure functions from what the controller knows to alert signals. Each returns the
 * complete set for its scope, so subjects that stop being a problem resolve on their own.
 */

export interface DecisionAlertThresholds {
  /** SERVICE_DEGRADED when the healthy fraction is below this (or in panic, or ejections deferred). */
  readonly degradedBelowHealthyFraction: number;
}

export const DEFAULT_DECISION_ALERT_THRESHOLDS: DecisionAlertThresholds = Object.freeze({ degradedBelowHealthyFraction: 0.75 });

/** INSTANCE_EJECTED per ejected instance, SERVICE_DEGRADED and NO_HEALTHY_INSTANCES for the service. */
export function decisionSignals(
  decision: ServiceDecision,
  thresholds: DecisionAlertThresholds = DEFAULT_DECISION_ALERT_THRESHOLDS,
): { signals: AlertSignal[]; scope: AlertScope } {
  const { serviceId, evidence } = decision;
  const signals: AlertSignal[] = [];
  const byId = new Map(evidence.instances.map((e) => [e.instanceId, e]));
  for (const route of decision.instances) {
    if (!route.ejected) continue;
    const ev = byId.get(route.instanceId);
    // The ejection's own record (the same words as the decision and its audit record), not the
    // latest window, which an ejected instance fills with next to no traffic.
    const why = ev?.ejection?.reason ?? `score ${ev?.score?.toFixed(3) ?? 'n/a'}`;
    signals.push({
      type: 'INSTANCE_EJECTED',
      serviceId,
      subject: route.instanceId,
      active: true,
      summary: `${serviceId}/${route.instanceId} ejected: ${why}`,
      evidence: { version: decision.version, instance: ev ?? null },
    });
  }
  const deferred = evidence.instances.filter((e) => e.ejectionDeferred).map((e) => e.instanceId);
  const degraded = decision.panic || deferred.length > 0 || evidence.healthyFraction < thresholds.degradedBelowHealthyFraction;
  signals.push({
    type: 'SERVICE_DEGRADED',
    serviceId,
    subject: null,
    active: degraded,
    summary: `${serviceId}: ${evidence.healthy} of ${evidence.total} instances healthy${decision.panic ? ', panic routing' : ''}${deferred.length > 0 ? `, ejection deferred for ${deferred.join(', ')}` : ''}`,
    evidence: { version: decision.version, healthy: evidence.healthy, total: evidence.total, panic: decision.panic, deferred, reasons: evidence.reasons },
  });
  signals.push({
    type: 'NO_HEALTHY_INSTANCES',
    serviceId,
    subject: null,
    active: evidence.total > 0 && evidence.healthy === 0,
    summary: `${serviceId}: no healthy instance of ${evidence.total}`,
    evidence: { version: decision.version, reasons: evidence.reasons },
  });
  return { signals, scope: { serviceId, types: ['INSTANCE_EJECTED', 'SERVICE_DEGRADED', 'NO_HEALTHY_INSTANCES'] } };
}

export interface ServiceMetrics {
  readonly serviceId: string;
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  readonly requests: number;
  readonly errorRate: number;
  readonly p95Ms: number | null;
}

export interface MetricAlertThresholds {
  /** null: the service has no latency SLO, LATENCY_SLO_BREACH never fires. */
  readonly sloP95Ms: number | null;
  readonly errorRateHigh: number;
  /** Below this many requests in the window, neither signal changes (too little evidence). */
  readonly minRequests: number;
}

export const DEFAULT_METRIC_ALERT_THRESHOLDS: MetricAlertThresholds = Object.freeze({ sloP95Ms: null, errorRateHigh: 0.05, minRequests: 20 });

/** LATENCY_SLO_BREACH and ERROR_RATE_HIGH from a service's fleet-wide window. */
export function metricSignals(m: ServiceMetrics, t: MetricAlertThresholds = DEFAULT_METRIC_ALERT_THRESHOLDS): AlertSignal[] {
  if (m.requests < t.minRequests) return [];
  const window = { windowStartMs: m.windowStartMs, windowEndMs: m.windowEndMs, requests: m.requests };
  const out: AlertSignal[] = [
    {
      type: 'ERROR_RATE_HIGH',
      serviceId: m.serviceId,
      subject: null,
      active: m.errorRate > t.errorRateHigh,
      summary: `${m.serviceId}: error rate ${(m.errorRate * 100).toFixed(2)} % (threshold ${(t.errorRateHigh * 100).toFixed(2)} %)`,
      evidence: { ...window, errorRate: m.errorRate, threshold: t.errorRateHigh },
    },
  ];
  if (t.sloP95Ms !== null && m.p95Ms !== null) {
    out.push({
      type: 'LATENCY_SLO_BREACH',
      serviceId: m.serviceId,
      subject: null,
      active: m.p95Ms > t.sloP95Ms,
      summary: `${m.serviceId}: p95 ${m.p95Ms.toFixed(1)} ms (SLO ${t.sloP95Ms} ms)`,
      evidence: { ...window, p95Ms: m.p95Ms, sloP95Ms: t.sloP95Ms },
    });
  }
  return out;
}

export interface ProxyApplied {
  readonly proxyId: string;
  /** The highest version of `key` the proxy reported as applied; null if none yet. */
  readonly appliedVersion: number | null;
}

/**
 * PROXY_STALE per proxy that has not applied the latest version of a key (a service's config or
 * decisions) within `graceMs` of its publication. A proxy catching up resolves it.
 */
export function proxyStaleSignals(
  latest: { readonly key: string; readonly version: number; readonly publishedAtMs: number },
  proxies: readonly ProxyApplied[],
  graceMs: number,
  nowMs: number,
): { signals: AlertSignal[]; scope: AlertScope } {
  const overdue = nowMs - latest.publishedAtMs > graceMs;
  const signals = proxies.map((p): AlertSignal => {
    const behind = p.appliedVersion === null || p.appliedVersion < latest.version;
    return {
      type: 'PROXY_STALE',
      serviceId: latest.key,
      subject: p.proxyId,
      active: behind && overdue,
      summary: `proxy ${p.proxyId} has ${p.appliedVersion ?? 'no'} version of ${latest.key}, latest ${latest.version} (published ${nowMs - latest.publishedAtMs} ms ago)`,
      evidence: { latestVersion: latest.version, appliedVersion: p.appliedVersion, publishedAtMs: latest.publishedAtMs, graceMs },
    };
  });
  return { signals, scope: { serviceId: latest.key, types: ['PROXY_STALE'] } };
}

/** CONFIG_REJECTED for one config key: fires on a rejection, resolves on the next accepted version. */
export function configSignal(outcome: { readonly key: string; readonly version: number | null; readonly accepted: boolean; readonly reason?: string }): AlertSignal {
  return {
    type: 'CONFIG_REJECTED',
    serviceId: outcome.key,
    subject: null,
    active: !outcome.accepted,
    summary: outcome.accepted
      ? `config ${outcome.key} version ${outcome.version ?? 'n/a'} accepted`
      : `config ${outcome.key} version ${outcome.version ?? 'n/a'} rejected: ${outcome.reason ?? 'invalid'}`,
    evidence: outcome,
  };
}

/** CONSUMER_LAG per group/topic/partition above the threshold. */
export function consumerLagSignal(
  lag: { readonly groupId: string; readonly topic: string; readonly partition: number; readonly lag: number },
  threshold: number,
): AlertSignal {
  return {
    type: 'CONSUMER_LAG',
    serviceId: GLOBAL_SERVICE_ID,
    subject: `${lag.groupId}/${lag.topic}/${lag.partition}`,
    active: lag.lag > threshold,
    summary: `consumer ${lag.groupId} is ${lag.lag} messages behind on ${lag.topic}[${lag.partition}] (threshold ${threshold})`,
    evidence: { ...lag, threshold },
  };
}
