/**
 * The demo fleet `npm start` runs when no --config is given: two services of three instances
 * each, with active health checks and outlier detection, so injecting latency or errors into an
 * instance (its /_demo/knobs) visibly moves scores, weights and alerts.
 */
import type { ConfigUpdate } from '@slb/core';

export interface DemoServiceSpec {
  readonly serviceId: string;
  readonly pathPrefix: string;
  readonly policy: 'PEAK_EWMA' | 'LEAST_REQUEST';
  readonly instances: number;
}

export const DEMO_SERVICES: readonly DemoServiceSpec[] = [
  { serviceId: 'checkout', pathPrefix: '/checkout', policy: 'PEAK_EWMA', instances: 3 },
  { serviceId: 'catalog', pathPrefix: '/catalog', policy: 'LEAST_REQUEST', instances: 3 },
];

export function demoServiceConfig(spec: DemoServiceSpec, addresses: readonly string[], nowMs: number): unknown {
  return {
    serviceId: spec.serviceId,
    version: 1,
    issuedAtMs: nowMs,
    issuedBy: 'standalone-demo',
    routes: [{ host: null, pathPrefix: spec.pathPrefix }],
    instances: addresses.map((address, i) => ({ id: `${spec.serviceId}-${i + 1}`, address, weight: 1, zone: null, tags: { demo: 'true' } })),
    policy: { type: spec.policy, hashOn: null, boundedLoadFactor: null },
    slowStartMs: 10_000,
    healthCheck: { type: 'HTTP', path: '/healthz', intervalMs: 2_000, timeoutMs: 1_000, healthyThreshold: 2, unhealthyThreshold: 2, jitterPercent: 10 },
    retries: { maxRetries: 2, perTryTimeoutMs: 0, budgetPercent: 20, minRetriesPerSecond: 10, backoffBaseMs: 25, backoffMaxMs: 250, hedgeAfterQuantile: null },
  } satisfies Partial<Record<keyof ConfigUpdate, unknown>>;
}
