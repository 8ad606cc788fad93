/**
 * This proxy's verdict on an instance, as published on health-status. Pure.
 *
 * health-status carries the proxy's whole verdict: UNHEALTHY while its active check OR its
 * passive outlier detection says so. A proxy that ejected an instance locally stops sending it
 * traffic, so without this the scorer would see silence, not failure, and the other proxies
 * would each have to find the failure again on their own clients' requests.
 */
import type { HealthStatus } from '@slb/core';
import type { HealthSource } from '../balancing/types.js';
import type { OutlierEvent } from '../resilience/outlier-detector.js';

export interface VerdictInput {
  readonly timestamp: number;
  readonly serviceId: string;
  readonly instanceId: string;
  readonly proxyId: string;
  /** The balancer's sources that hold the instance out right now (active check, outlier). */
  readonly unhealthySources: readonly HealthSource[];
  readonly checkType: 'HTTP' | 'TCP';
  readonly responseTimeMs: number | null;
  readonly details: Readonly<Record<string, string>>;
}

export function healthVerdict(v: VerdictInput): HealthStatus {
  const healthy = v.unhealthySources.length === 0;
  return {
    timestamp: v.timestamp,
    serviceId: v.serviceId,
    instanceId: v.instanceId,
    proxyId: v.proxyId,
    status: healthy ? 'HEALTHY' : 'UNHEALTHY',
    responseTime: v.responseTimeMs,
    checkType: v.checkType,
    details: healthy ? { ...v.details } : { ...v.details, unhealthySources: v.unhealthySources.join(',') },
  };
}

/** What an outlier event does to the instance, or undefined when nothing (a skipped ejection). */
export interface OutlierEffect {
  /** The outlier source's new say on the instance. */
  readonly healthy: boolean;
  /** The details its health-status verdict carries. */
  readonly details: Readonly<Record<string, string>>;
}

export function outlierEffect(e: OutlierEvent): OutlierEffect | undefined {
  switch (e.type) {
    case 'eject':
      return { healthy: false, details: { source: 'outlier', reason: e.reason, untilMs: String(e.untilMs) } };
    case 'uneject':
      return { healthy: true, details: { source: 'outlier', reason: e.cause === 'active-check' ? 'active check passed' : 'ejection time over' } };
    case 'skipped':
      return undefined;
  }
}
