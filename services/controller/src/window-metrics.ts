/**
 * A service's fleet-wide figures for one window, from its instances' health scores (each score
 * carries the figures it was computed from). Feeds LATENCY_SLO_BREACH and ERROR_RATE_HIGH. Pure.
 */
import type { HealthScore } from '@slb/core';
import type { ServiceMetrics } from './alerts/index.js';

/**
 * Requests are summed; the error rate is request-weighted; p95 is the request-weighted mean of
 * the instances' p95 (an approximation: the exact fleet p95 needs the merged sketches, which
 * metrics-aggregated carries per instance, not per service).
 */
export function serviceWindowMetrics(serviceId: string, scores: readonly HealthScore[]): ServiceMetrics | null {
  if (scores.length === 0) return null;
  let requests = 0;
  let errors = 0;
  let latencyWeight = 0;
  let latencySum = 0;
  let windowStartMs = Number.POSITIVE_INFINITY;
  let windowEndMs = Number.NEGATIVE_INFINITY;
  for (const s of scores) {
    const n = s.inputs.requests;
    requests += n;
    errors += n * (s.inputs.errorRate ?? 0);
    if (s.inputs.p95LatencyMs !== null && n > 0) {
      latencySum += n * s.inputs.p95LatencyMs;
      latencyWeight += n;
    }
    windowStartMs = Math.min(windowStartMs, s.windowStartMs);
    windowEndMs = Math.max(windowEndMs, s.windowEndMs);
  }
  return {
    serviceId,
    windowStartMs,
    windowEndMs,
    requests,
    errorRate: requests === 0 ? 0 : errors / requests,
    p95Ms: latencyWeight === 0 ? null : latencySum / latencyWeight,
  };
}
