/**
 * A proxy that ejects an instance on its own (passive outlier detection) says so on
 * health-status, so the scorer sees failure rather than the silence that follows a local
 * ejection, and the control plane can take the instance out on every proxy. When the ejection
 * ends, the proxy says HEALTHY again.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createInProcessBus, checkConfigUpdate, type HealthStatus } from '@slb/core';
import { hits, service, startProxy, startUpstream, type Upstream } from './support.js';

describe('outlier ejection on health-status', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  it('publishes UNHEALTHY with the outlier source on ejection and HEALTHY when it ends', async () => {
    const ups: Upstream[] = await Promise.all(['good', 'bad'].map((id) => startUpstream(id)));
    cleanup.push(async () => void (await Promise.all(ups.map((u) => u.close()))));
    ups[1]!.handler = (_req, res) => {
      res.writeHead(503).end('down');
    };
    const bus = createInProcessBus();
    cleanup.push(() => bus.close());
    const checked = checkConfigUpdate({
      ...service('svc', ups),
      issuedAtMs: 0,
      issuedBy: 'test',
      outlierDetection: { consecutive5xx: 3, consecutiveGatewayFailures: 3, intervalMs: 200, baseEjectionMs: 600, maxEjectionPercent: 50 },
    });
    if (!checked.ok) throw checked.error;
    await bus.publish('config-updates', 'svc', checked.value);
    const health: HealthStatus[] = [];
    await bus.subscribe(['health-status'], { groupId: 'test-outlier-health', fromBeginning: true }, (m) => void health.push(m.value));

    const { proxy, addr } = await startProxy({ bus, proxyId: 'proxy-outlier' });
    cleanup.push(() => proxy.close());
    await vi.waitFor(() => expect(proxy.state().status.appliedVersions).toEqual({ svc: 1 }));

    // GETs to the failing instance are retried on the good one, so clients see 200s throughout.
    const seen = await hits(`${addr.url}/svc/x`, 20);
    expect([...seen.keys()]).toEqual(['good']);

    await vi.waitFor(() => expect(health.find((h) => h.instanceId === 'bad' && h.status === 'UNHEALTHY')).toBeDefined(), { timeout: 5_000 });
    const ejected = health.find((h) => h.instanceId === 'bad' && h.status === 'UNHEALTHY')!;
    expect(ejected).toMatchObject({ serviceId: 'svc', proxyId: 'proxy-outlier', details: { source: 'outlier', unhealthySources: 'outlier' } });
    expect(health.filter((h) => h.instanceId === 'good' && h.status === 'UNHEALTHY')).toEqual([]);

    await vi.waitFor(() => expect(health.filter((h) => h.instanceId === 'bad').at(-1)?.status).toBe('HEALTHY'), { timeout: 10_000 });
  });
});
