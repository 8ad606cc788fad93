/**
 * An instance that accepts connections and never answers (hung) is a hard fault: within 1 s of
 * the hang no new request reaches it, the proxy reports it ejected for `stalled`, and no healthy
 * instance is ever ejected. A service that is slow everywhere (every instance answers in 300 ms)
 * ejects nothing, and neither does one healthy instance much slower than its peers. And an instance ejected by outlier detection comes back as soon as its active
 * check passes again, not after the whole ejection time.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { request } from 'undici';
import { service, startProxy, startUpstream, type Upstream } from './support.js';

interface InstanceView {
  readonly id: string;
  readonly balancer: { readonly healthy: boolean; readonly unhealthySources: readonly string[] } | null;
  readonly outlier: { readonly ejected: boolean; readonly ejectionReason?: string } | null;
}

async function instances(adminUrl: string, serviceId: string): Promise<InstanceView[]> {
  const r = await request(`${adminUrl}/admin/services/${serviceId}/instances`);
  const body = (await r.body.json()) as { instances: InstanceView[] };
  return body.instances;
}

/** An open-loop client: one GET every `everyMs`, each given up after `timeoutMs`. */
function pacedLoad(url: string, everyMs: number, timeoutMs: number): { stop(): Promise<{ total: number; errors: number; statuses: Map<number, number> }> } {
  const pending = new Set<Promise<void>>();
  const statuses = new Map<number, number>();
  let total = 0;
  let errors = 0;
  const timer = setInterval(() => {
    total++;
    const p = request(url, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs })
      .then(async (r) => {
        await r.body.text();
        statuses.set(r.statusCode, (statuses.get(r.statusCode) ?? 0) + 1);
        if (r.statusCode !== 200) errors++;
      })
      .catch(() => void errors++)
      .finally(() => pending.delete(p));
    pending.add(p);
  }, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all([...pending]);
      return { total, errors, statuses };
    },
  };
}

/** Records when each request arrived (performance.now()), whatever the handler does with it. */
function arrivals(up: Upstream): number[] {
  const times: number[] = [];
  let current = up.handler;
  Object.defineProperty(up, 'handler', {
    get: () => (req: Parameters<Upstream['handler']>[0], res: Parameters<Upstream['handler']>[1], body: string) => {
      times.push(performance.now());
      current(req, res, body);
    },
    set: (h: Upstream['handler']) => {
      current = h;
    },
  });
  return times;
}

describe('a stalled instance', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  it('is out within 1 s of hanging, reported ejected for stalled; healthy instances stay in', async () => {
    const ups = await Promise.all(['u1', 'u2', 'u3', 'u4'].map((id) => startUpstream(id)));
    cleanup.push(async () => void (await Promise.all(ups.map((u) => u.close()))));
    const hungArrivals = arrivals(ups[3]!);
    // The default policy (least-request), and no outlierDetection section: the defaults.
    const { proxy, addr } = await startProxy({ services: [service('svc', ups, { policy: { type: 'LEAST_REQUEST' } })] });
    cleanup.push(() => proxy.close());

    const load = pacedLoad(`${addr.url}/svc/x`, 10, 2_000);
    await sleep(1_500);
    const hungAt = performance.now();
    ups[3]!.handler = () => undefined; // accepts, reads the request, never answers
    // Past the clients' 2 s timeout: least-request alone would pick it again once those end.
    await sleep(3_500);
    const result = await load.stop();

    const late = hungArrivals.filter((t) => t > hungAt + 1_000).map((t) => Math.round(t - hungAt));
    expect(late, 'requests that reached the hung instance more than 1 s after it hung (ms after)').toEqual([]);
    const view = await instances(addr.adminUrl, 'svc');
    expect(view.find((i) => i.id === 'u4')).toMatchObject({ balancer: { healthy: false, unhealthySources: ['outlier'] }, outlier: { ejected: true, ejectionReason: 'stalled' } });
    for (const id of ['u1', 'u2', 'u3']) expect(view.find((i) => i.id === id)).toMatchObject({ balancer: { healthy: true }, outlier: { ejected: false } });
    const metrics = await (await request(`${addr.adminUrl}/metrics`)).body.text();
    const ejections = metrics.split('\n').filter((l) => l.startsWith('slb_proxy_ejections_total{'));
    expect(ejections).toEqual([expect.stringMatching(/upstream="u4",reason="stalled"\} 1$/)]);
    // The requests already waiting on it when it hung were cut short and retried elsewhere (stalled-tries.test.ts).
    expect(result.errors).toBe(0);
  });

  /** 4 s of paced traffic to instances answering after `delayMs(i)`: no error, nothing ejected, no ejection counted. */
  async function expectNoEjection(serviceId: string, policy: string, delayMs: (i: number) => number): Promise<void> {
    const ups = await Promise.all([0, 1, 2, 3].map((i) => startUpstream(`${serviceId}${i}`)));
    cleanup.push(async () => void (await Promise.all(ups.map((u) => u.close()))));
    ups.forEach((u, i) => {
      u.handler = (_req, res) => void setTimeout(() => res.end(u.id), delayMs(i));
    });
    const { proxy, addr } = await startProxy({ services: [service(serviceId, ups, { policy: { type: policy } })] });
    cleanup.push(() => proxy.close());

    const load = pacedLoad(`${addr.url}/${serviceId}/x`, 10, 5_000);
    await sleep(4_000);
    const result = await load.stop();

    expect(result.errors).toBe(0);
    for (const i of await instances(addr.adminUrl, serviceId)) expect(i).toMatchObject({ balancer: { healthy: true }, outlier: { ejected: false } });
    const metrics = await (await request(`${addr.adminUrl}/metrics`)).body.text();
    expect(metrics.split('\n').filter((l) => l.startsWith('slb_proxy_ejections_total{'))).toEqual([]);
  }

  it('a service slow everywhere (every instance 300 ms) ejects nothing', async () => {
    await expectNoEjection('slow', 'LEAST_REQUEST', () => 300);
  });

  it('a healthy instance slower than its peers (350 ms against at once) is not stalled', async () => {
    // Round robin keeps its full share on it, so it always has requests waiting.
    await expectNoEjection('mixed', 'ROUND_ROBIN', (i) => (i === 3 ? 350 : 0));
  });

  it('an instance ejected by outlier detection is back as soon as its active check passes again', async () => {
    const ups = await Promise.all(['r1', 'r2', 'r3'].map((id) => startUpstream(id)));
    cleanup.push(async () => void (await Promise.all(ups.map((u) => u.close()))));
    const { proxy, addr } = await startProxy({
      services: [
        service('rec', ups, {
          healthCheck: { type: 'HTTP', path: '/health', intervalMs: 200, timeoutMs: 100, healthyThreshold: 2, unhealthyThreshold: 2, jitterPercent: 0 },
          outlierDetection: { consecutiveGatewayFailures: 3, baseEjectionMs: 30_000, maxEjectionPercent: 50 },
        }),
      ],
    });
    cleanup.push(() => proxy.close());

    const load = pacedLoad(`${addr.url}/rec/x`, 10, 2_000);
    await sleep(500);
    await ups[2]!.close(); // killed: connections refused
    await vi.waitFor(
      async () => expect([...((await instances(addr.adminUrl, 'rec')).find((i) => i.id === 'r3')?.balancer?.unhealthySources ?? [])].sort()).toEqual(['active', 'outlier']),
      { timeout: 5_000, interval: 50 },
    );
    const served = () => ups[2]!.received.filter((r) => r.url === '/rec/x').length;
    const before = served();
    await ups[2]!.restart();
    const restartedAt = performance.now();
    // Two passing checks (200 ms apart) make it healthy; the outlier ejection (30 s) ends with them.
    await vi.waitFor(async () => expect((await instances(addr.adminUrl, 'rec')).find((i) => i.id === 'r3')).toMatchObject({ balancer: { healthy: true }, outlier: { ejected: false } }), {
      timeout: 5_000,
      interval: 50,
    });
    await vi.waitFor(() => expect(served()).toBeGreaterThan(before + 10), { timeout: 5_000, interval: 50 });
    expect(performance.now() - restartedAt).toBeLessThan(5_000);
    const result = await load.stop();
    expect(result.errors).toBe(0);
  });
});
