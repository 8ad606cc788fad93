/**
 * An instance that answers 429 with Retry-After is overloaded, not dead. Its idempotent
 * requests are retried on an instance that has room, so clients see no 429 while one exists;
 * the proxy holds the instance back for the Retry-After time (a trickle of its usual share,
 * never an ejection): it stays healthy, outlier detection does not count it, and its share
 * comes back by itself when the time is up. A request that may not be repeated (POST), or one
 * whose every try was throttled, gets the instance's 429 and Retry-After as they are.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { request } from 'undici';
import { createInProcessBus, type HealthStatus, type ServiceMetrics } from '@slb/core';
import type { Proxy, ProxyAddresses } from '@slb/proxy';
import { get, load, service, startProxy, startUpstream, type Upstream } from './support.js';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const throttle = (seconds: string) => (_req: unknown, res: import('node:http').ServerResponse) => {
  res.writeHead(429, { 'retry-after': seconds, 'content-type': 'text/plain' }).end('busy');
};

interface InstanceView {
  id: string;
  balancer: { healthy: boolean; unhealthySources: string[]; heldBackUntilMs?: number };
  outlier: { ejected: boolean; ejectionCount: number; consecutive5xx: number; consecutiveGatewayFailures: number; intervalRequests: number; intervalFailures: number };
}

async function instances(addr: ProxyAddresses, svc = 'svc'): Promise<InstanceView[]> {
  const body = (await (await fetch(`${addr.adminUrl}/admin/services/${svc}/instances`)).json()) as { instances: InstanceView[] };
  return body.instances;
}

async function fleet(ids: string[], extra: Record<string, unknown> = {}): Promise<{ ups: Upstream[]; proxy: Proxy; addr: ProxyAddresses; metrics: ServiceMetrics[]; health: HealthStatus[] }> {
  const ups = await Promise.all(ids.map((id) => startUpstream(id)));
  cleanup.push(() => Promise.all(ups.map((u) => u.close())));
  const bus = createInProcessBus();
  cleanup.push(() => bus.close());
  const metrics: ServiceMetrics[] = [];
  const health: HealthStatus[] = [];
  await bus.subscribe(['service-metrics'], { groupId: 'throttled-metrics', fromBeginning: true }, (m) => void metrics.push(m.value));
  await bus.subscribe(['health-status'], { groupId: 'throttled-health', fromBeginning: true }, (m) => void health.push(m.value));
  const { proxy, addr } = await startProxy({ bus, services: [service('svc', ups, extra)] });
  cleanup.push(() => proxy.close());
  return { ups, proxy, addr, metrics, health };
}

/** Tries each instance received during `run` (the upstreams record every request). */
async function triesDuring(ups: Upstream[], run: () => Promise<void>): Promise<Map<string, number>> {
  const before = ups.map((u) => u.received.length);
  await run();
  return new Map(ups.map((u, i) => [u.id, u.received.length - before[i]!]));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('an instance answering 429 with Retry-After is held back, not ejected', () => {
  it.each(['LEAST_REQUEST', 'PEAK_EWMA', 'ROUND_ROBIN'])('%s: clients get 200s, the instance gets a trickle, stays healthy, and comes back after Retry-After', async (policy) => {
    const f = await fleet(['a', 'b', 'c'], { policy: { type: policy } });
    const c = f.ups[2]!;
    c.handler = throttle('2');

    let result: { total: number; errors: Array<{ status: number; body: string }> } = { total: 0, errors: [] };
    const held = await triesDuring(f.ups, async () => {
      const l = load(`${f.addr.url}/svc/x`, 6);
      await sleep(1_500);
      result = await l.stop();
    });
    // No client saw the 429 while a and b had room.
    expect(result.errors).toEqual([]);
    expect(result.total).toBeGreaterThan(100);
    const tries = [...held.values()].reduce((a, b) => a + b, 0);
    // A trickle: the throttled instance's share of tries is far below its third.
    expect(held.get('c')!, JSON.stringify([...held])).toBeGreaterThan(0);
    expect(held.get('c')! / tries, JSON.stringify([...held])).toBeLessThan(0.12);

    // Held back, not ejected: healthy, no health source against it, outlier counters at 0.
    const view = (await instances(f.addr)).find((i) => i.id === 'c')!;
    expect(view.balancer).toMatchObject({ healthy: true, unhealthySources: [] });
    expect(view.balancer.heldBackUntilMs).toBeGreaterThan(Date.now());
    expect(view.balancer.heldBackUntilMs).toBeLessThanOrEqual(Date.now() + 2_000);
    expect(view.outlier).toMatchObject({ ejected: false, ejectionCount: 0, consecutive5xx: 0, consecutiveGatewayFailures: 0, intervalRequests: 0, intervalFailures: 0 });
    expect(await f.proxy.metrics.registry.getSingleMetricAsString('slb_proxy_ejections_total')).not.toMatch(/slb_proxy_ejections_total\{/);
    expect(await f.proxy.metrics.registry.getSingleMetricAsString('slb_proxy_held_back_total')).toMatch(/slb_proxy_held_back_total\{service="svc",upstream="c"\} [1-9]/);

    // Telemetry: a 429 is a 4xx of the instance, never a 5xx or a gateway failure.
    f.proxy.flushTelemetry();
    await vi.waitFor(() => expect(f.metrics.some((m) => m.instanceId === 'c')).toBe(true));
    const cErrors = f.metrics.filter((m) => m.instanceId === 'c').map((m) => m.errors);
    expect(cErrors.reduce((n, e) => n + e.status4xx, 0)).toBeGreaterThan(0);
    for (const e of cErrors) expect(e).toMatchObject({ status5xx: 0, connectFailures: 0, timeouts: 0, resets: 0 });
    expect(f.health.filter((h) => h.status === 'UNHEALTHY')).toEqual([]);

    // The instance has room again: once its last Retry-After is up, its share comes back alone.
    c.handler = (_req, res) => void res.end('c');
    await vi.waitFor(async () => expect((await instances(f.addr)).find((i) => i.id === 'c')!.balancer.heldBackUntilMs).toBeUndefined(), { timeout: 4_000, interval: 100 });
    const back = await triesDuring(f.ups, async () => {
      const l = load(`${f.addr.url}/svc/y`, 6);
      await sleep(1_000);
      result = await l.stop();
    });
    expect(result.errors).toEqual([]);
    const total = [...back.values()].reduce((a, b) => a + b, 0);
    expect(back.get('c')! / total, JSON.stringify([...back])).toBeGreaterThan(0.2);
    expect((await instances(f.addr)).find((i) => i.id === 'c')!.outlier).toMatchObject({ ejected: false, ejectionCount: 0 });
  });

  it('does not retry a POST: the client gets the 429 and the Retry-After, and one instance saw it', async () => {
    const f = await fleet(['a', 'b', 'c']);
    for (const u of f.ups) u.handler = throttle('7');
    const r = await request(`${f.addr.url}/svc/order`, { method: 'POST', body: 'one order', headers: { 'content-type': 'text/plain' } });
    expect(r.statusCode).toBe(429);
    expect(r.headers['retry-after']).toBe('7');
    expect(await r.body.text()).toBe('busy');
    const posts = f.ups.flatMap((u) => u.received).filter((x) => x.method === 'POST');
    expect(posts.map((p) => p.body)).toEqual(['one order']);
    // Still held back all the same (the instance said it is overloaded).
    const views = await instances(f.addr);
    expect(views.filter((v) => v.balancer.heldBackUntilMs !== undefined)).toHaveLength(1);
  });

  it('passes the 429 through when every try was throttled, and does not ask the same instance twice', async () => {
    const f = await fleet(['a', 'b', 'c']);
    for (const u of f.ups) u.handler = throttle('3');
    const r = await get(`${f.addr.url}/svc/z`);
    expect(r.status).toBe(429);
    expect(r.headers['retry-after']).toBe('3');
    // One retry by default (no retries section): two different instances were asked.
    const asked = f.ups.filter((u) => u.received.length > 0).map((u) => u.received.length);
    expect(asked).toEqual([1, 1]);

    // A service with one instance: no other instance to ask, so the 429 comes back at once.
    const solo = await fleet(['solo']);
    solo.ups[0]!.handler = throttle('1');
    const s = await get(`${solo.addr.url}/svc/z`);
    expect(s.status).toBe(429);
    expect(s.headers['retry-after']).toBe('1');
    expect(solo.ups[0]!.received).toHaveLength(1);
  });
});
