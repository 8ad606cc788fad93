/**
 * The proxy on the in-process bus (standalone mode; same topics and semantics as Kafka):
 * config-updates and routing-decisions consumed live, config-status written for applied and
 * rejected versions, service-metrics windows with a mergeable DDSketch, health-status from
 * active checks.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { DDSketch } from '@datadog/sketches-js';
import { createInProcessBus, normalizeConfigUpdate, type Alert, type AuditLog, type ConfigStatus, type ConfigUpdate, type HealthStatus, type RoutingDecision, type ServiceMetrics } from '@slb/core';
import { hits, service, startProxy, startUpstream, type Upstream } from './support.js';

const config = (raw: Record<string, unknown>): ConfigUpdate => normalizeConfigUpdate(raw).value;

function decision(version: number, expiresInMs: number, ejected: string[], ids: string[]): RoutingDecision {
  const now = Date.now();
  return {
    serviceId: 'svc', version, issuedAtMs: now, expiresAtMs: now + expiresInMs, issuedBy: 'controller-0', configVersion: null, panic: false,
    instances: ids.map((id) => ({ instanceId: id, weight: 1, state: ejected.includes(id) ? 'EJECTED' : 'ACTIVE', reason: ejected.includes(id) ? 'score 0.1' : '', stateUntilMs: null })),
    evidence: { scores: [], windows: [], sources: [], notes: [] },
  };
}

describe('control plane over the bus', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  it('consumes config and decisions, reports config-status, publishes telemetry and health', async () => {
    const ups: Upstream[] = await Promise.all(['a', 'b'].map((id) => startUpstream(id)));
    cleanup.push(async () => void (await Promise.all(ups.map((u) => u.close()))));
    const b = ups[1]!;
    const bus = createInProcessBus();
    cleanup.push(() => bus.close());
    // Written before the proxy starts: read from the compacted topic at start.
    await bus.publish('config-updates', 'svc', config(service('svc', ups)));

    const statuses: ConfigStatus[] = [];
    const metrics: ServiceMetrics[] = [];
    const health: HealthStatus[] = [];
    await bus.watchLatest('config-status', (_k, v) => void statuses.push(v));
    await bus.subscribe(['service-metrics'], { groupId: 'test-metrics', fromBeginning: true }, (m) => void metrics.push(m.value));
    await bus.subscribe(['health-status'], { groupId: 'test-health', fromBeginning: true }, (m) => void health.push(m.value));
    const audits: AuditLog[] = [];
    const alerts: Alert[] = [];
    await bus.subscribe(['audit-logs'], { groupId: 'test-audit', fromBeginning: true }, (m) => void audits.push(m.value));
    await bus.subscribe(['alerts'], { groupId: 'test-alerts', fromBeginning: true }, (m) => void alerts.push(m.value));

    const { proxy, addr } = await startProxy({ bus, proxyId: 'proxy-bus-1' });
    cleanup.push(() => proxy.close());
    const url = `${addr.url}/svc/x`;
    expect((await hits(url, 10)).size).toBe(2);
    await vi.waitFor(() => expect(statuses.at(-1)?.appliedVersions).toEqual({ svc: 1 }));

    // A rejected update keeps the last good config and is reported.
    // Valid for the schema, unusable for a proxy: two instances on one address, per-try timeout above the request timeout.
    await bus.publish('config-updates', 'svc', config({ ...service('svc', [b]), version: 2, instances: [{ id: 'b', address: b.address }, { id: 'b2', address: b.address }], retries: { perTryTimeoutMs: 20_000 } }));
    await vi.waitFor(() => expect(statuses.at(-1)?.lastRejected).toMatchObject({ serviceId: 'svc', version: 2, errorCode: 'SLB_SERVICE_CONFIG_INVALID' }));
    expect(statuses.at(-1)!.appliedVersions).toEqual({ svc: 1 });
    expect((await hits(url, 10)).size).toBe(2);
    await vi.waitFor(() => expect(alerts.map((a) => [a.name, a.state, a.serviceId])).toEqual([['CONFIG_REJECTED', 'FIRING', 'svc']]));
    await vi.waitFor(() => expect(audits.map((a) => [a.action, a.entityId, a.role])).toEqual([['config.apply', 'svc', 'proxy'], ['config.reject', 'svc', 'proxy']]));

    // A routing decision ejecting a; after it expires, local signals alone route again.
    await bus.publish('routing-decisions', 'svc', decision(1, 600, ['a'], ['a', 'b']));
    expect(await hits(url, 6)).toEqual(new Map([['b', 6]]));
    await vi.waitFor(async () => expect((await hits(url, 6)).get('a') ?? 0).toBeGreaterThan(0), { timeout: 5000, interval: 100 });
    // An older decision is ignored.
    await bus.publish('routing-decisions', 'svc', decision(1, 60_000, ['b'], ['a', 'b']));
    expect((await hits(url, 10)).size).toBe(2);
    await vi.waitFor(() => expect(statuses.at(-1)?.decisionVersions).toEqual({ svc: 1 }));

    // Telemetry: one event per instance per window, with counts and a DDSketch.
    proxy.flushTelemetry();
    await vi.waitFor(() => expect(metrics.filter((m) => m.requests > 0).length).toBeGreaterThanOrEqual(2));
    const forA = metrics.find((m) => m.instanceId === 'a' && m.requests > 0)!;
    expect(forA).toMatchObject({ serviceId: 'svc', proxyId: 'proxy-bus-1', errors: { status5xx: 0, connectFailures: 0 } });
    expect(forA.metrics.p95Latency).toBeGreaterThan(0);
    const sketch = DDSketch.fromProto(forA.latencySketch!);
    expect(sketch.count).toBe(forA.requests);

    // Active health checks: b stops answering its checks and becomes UNHEALTHY.
    await bus.publish('config-updates', 'svc', config({ ...service('svc', ups), version: 3, healthCheck: { type: 'HTTP', path: '/health', intervalMs: 100, timeoutMs: 50, unhealthyThreshold: 2, healthyThreshold: 1 } }));
    b.handler = (req, res) => {
      res.statusCode = req.url === '/health' ? 500 : 200;
      res.end('b');
    };
    // The next valid config resolves the rejection alert.
    await vi.waitFor(() => expect(alerts.map((a) => a.state)).toEqual(['FIRING', 'RESOLVED']));
    await vi.waitFor(() => expect(health.some((h) => h.instanceId === 'b' && h.status === 'UNHEALTHY' && h.checkType === 'HTTP')).toBe(true), { timeout: 5000 });
    expect(health.some((h) => h.instanceId === 'a' && h.status === 'HEALTHY')).toBe(true);
    expect(await hits(url, 6)).toEqual(new Map([['a', 6]]));
    b.handler = (_req, res) => res.end('b');
    await vi.waitFor(() => expect(health.filter((h) => h.instanceId === 'b').at(-1)?.status).toBe('HEALTHY'), { timeout: 5000 });
  });
});
