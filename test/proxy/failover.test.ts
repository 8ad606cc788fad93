/**
 * An instance killed under load: GETs see no error (retried on another instance), the dead
 * instance is ejected by passive outlier detection, and it gets traffic again once it is back.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { request } from 'undici';
import { load, service, startProxy, startUpstream } from './support.js';

describe('failover', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  it('kills an instance under load with zero client errors, ejects it, and takes it back', async () => {
    const ups = await Promise.all(['a', 'b', 'c'].map((id) => startUpstream(id)));
    const [a, b, c] = ups as [typeof ups[0], typeof ups[0], typeof ups[0]];
    cleanup.push(async () => void (await Promise.all([a.close(), c.close()])));
    const { proxy, addr } = await startProxy({
      services: [service('svc', ups, { outlierDetection: { consecutiveGatewayFailures: 3, baseEjectionMs: 300, maxEjectionPercent: 50, intervalMs: 1000 } })],
    });
    cleanup.push(() => proxy.close());

    const traffic = load(`${addr.url}/svc/item`, 8);
    await vi.waitFor(() => expect(b.received.length).toBeGreaterThan(20), { timeout: 10_000, interval: 20 });
    await b.close();
    await vi.waitFor(
      async () => {
        const text = await proxy.metrics.registry.getSingleMetricAsString('slb_proxy_ejections_total');
        expect(text).toMatch(/slb_proxy_ejections_total\{service="svc",upstream="b",reason="consecutive-gateway-failure"\} [1-9]/);
      },
      { timeout: 10_000, interval: 50 },
    );
    const beforeRestart = b.received.length;
    const mid = { a: a.received.length, c: c.received.length };
    await vi.waitFor(() => expect(a.received.length + c.received.length).toBeGreaterThan(mid.a + mid.c + 100), { timeout: 10_000, interval: 20 });

    await b.restart();
    cleanup.push(() => b.close());
    // Back after its ejection time: it gets requests again.
    await vi.waitFor(() => expect(b.received.length).toBeGreaterThan(beforeRestart + 20), { timeout: 15_000, interval: 50 });
    const { total, errors } = await traffic.stop();
    expect(total).toBeGreaterThan(200);
    expect(errors).toEqual([]);

    const admin = await request(`${addr.adminUrl}/admin/services/svc/instances`);
    const state = (await admin.body.json()) as { instances: Array<{ id: string; outlier: { ejectionCount: number } }> };
    expect(state.instances.find((i) => i.id === 'b')!.outlier.ejectionCount).toBeGreaterThanOrEqual(1);
  });
});
