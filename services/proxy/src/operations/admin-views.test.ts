import { describe, expect, it } from 'vitest';
import type { InstanceConfig } from '@slb/core';
import { healthyCount, instancesView, proxyStateView, readiness, type InstancesInput } from './admin-views.js';
import type { BalancerSnapshot, EndpointSnapshot } from '../balancing/types.js';
import type { OutlierHostSnapshot } from '../resilience/outlier-detector.js';

const instance = (id: string, weight = 1): InstanceConfig => ({ id, address: `10.0.0.${id.length}:80`, weight, zone: null, tags: {} });
const endpoint = (id: string, over: Partial<EndpointSnapshot> = {}): EndpointSnapshot => ({
  id,
  address: `10.0.0.${id.length}:80`,
  configWeight: 1,
  effectiveWeight: 1,
  healthy: true,
  unhealthySources: [],
  ejectedByDecision: false,
  slowStartFactor: 1,
  inFlight: 0,
  latencyEwmaMs: undefined,
  heldBackUntilMs: undefined,
  ...over,
});
const outlier = (id: string, ejected = false): OutlierHostSnapshot => ({ id, ejected, ejectedUntilMs: ejected ? 30_000 : undefined, ejectionCount: ejected ? 1 : 0, consecutive5xx: 0, consecutiveGatewayFailures: 0, intervalRequests: 0, intervalFailures: 0 });
const balancer = (endpoints: EndpointSnapshot[], over: Partial<BalancerSnapshot> = {}): BalancerSnapshot => ({ policy: 'least-request', panic: false, decisionActive: false, endpoints, ...over });

const input = (over: Partial<InstancesInput>): InstancesInput => ({
  serviceId: 'shop',
  version: 3,
  instances: [instance('a'), instance('bb', 2)],
  balancer: balancer([endpoint('a'), endpoint('bb')]),
  outliers: [outlier('a'), outlier('bb')],
  adminDrained: new Set(),
  inFlight: () => 0,
  breakerOpen: () => false,
  ...over,
});

describe('admin instances view', () => {
  const cases: Array<[string, Partial<InstancesInput>, Record<string, unknown>]> = [
    ['a plain service', {}, { serviceId: 'shop', version: 3, policy: 'least-request', panic: false, decisionActive: false, instances: [{ id: 'a', weight: 1, adminDrained: false, inFlight: 0, breakerOpen: false }, { id: 'bb', weight: 2 }] }],
    ['an ejected instance shows its outlier state and health sources', { balancer: balancer([endpoint('a', { healthy: false, unhealthySources: ['outlier'] }), endpoint('bb')], { panic: true }), outliers: [outlier('a', true), outlier('bb')] }, { panic: true, instances: [{ id: 'a', balancer: { healthy: false, unhealthySources: ['outlier'] }, outlier: { ejected: true, ejectedUntilMs: 30_000 } }, { id: 'bb', outlier: { ejected: false } }] }],
    ['drained, busy and breaker-open instances', { adminDrained: new Set(['bb']), inFlight: (id) => (id === 'a' ? 7 : 0), breakerOpen: (id) => id === 'a' }, { instances: [{ id: 'a', inFlight: 7, breakerOpen: true, adminDrained: false }, { id: 'bb', adminDrained: true, breakerOpen: false }] }],
    ['an instance the balancer and detector do not know yet shows null', { balancer: balancer([endpoint('a')]), outliers: [outlier('a')] }, { instances: [{ id: 'a' }, { id: 'bb', balancer: null, outlier: null }] }],
    ['a routing decision in force', { balancer: balancer([endpoint('a', { ejectedByDecision: true, effectiveWeight: 0 }), endpoint('bb')], { decisionActive: true, policy: 'peak-ewma' }) }, { policy: 'peak-ewma', decisionActive: true, instances: [{ id: 'a', balancer: { ejectedByDecision: true, effectiveWeight: 0 } }, { id: 'bb' }] }],
  ];
  it.each(cases)('%s', (_name, over, expected) => {
    expect(instancesView(input(over))).toMatchObject(expected);
  });
});

describe('admin proxy state view', () => {
  it('lists each service with its routes, balancer and retry budget', () => {
    const state = {
      proxyId: 'p1',
      draining: true,
      inFlight: 2,
      snapshotLoaded: false,
      status: { appliedVersions: { shop: 3 } },
      services: [{ id: 'shop', version: 3, routes: [{ host: null, pathPrefix: '/shop' }], balancer: balancer([endpoint('a')]), retryBudget: { active: 2, retriesInFlight: 0, exhausted: 0 } }],
    };
    expect(proxyStateView(state)).toEqual(state);
  });
});

describe('readiness', () => {
  const cases: Array<[string, { draining: boolean; listening: boolean; routes: number }, ReturnType<typeof readiness>]> = [
    ['listening with routes', { draining: false, listening: true, routes: 2 }, { ready: true }],
    ['draining wins over everything', { draining: true, listening: true, routes: 2 }, { ready: false, reason: 'draining' }],
    ['not listening yet', { draining: false, listening: false, routes: 2 }, { ready: false, reason: 'not listening' }],
    ['no config applied', { draining: false, listening: true, routes: 0 }, { ready: false, reason: 'no config applied' }],
  ];
  it.each(cases)('%s', (_name, input, expected) => {
    expect(readiness(input)).toEqual(expected);
  });

  it('counts the instances the balancer holds healthy', () => {
    expect(healthyCount(balancer([endpoint('a'), endpoint('b', { healthy: false }), endpoint('c')]))).toBe(2);
    expect(healthyCount(balancer([]))).toBe(0);
  });
});
