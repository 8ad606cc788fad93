/**
 * Failure handling end to end: per-instance breakers answer a fast 503 that says why and close
 * again; timeouts answer 504; non-idempotent requests are not retried once sent; gateway
 * errors are retried on another instance; draining finishes in-flight requests.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { request } from 'undici';
import type { Proxy } from '@slb/proxy';
import { get, service, startProxy, startUpstream, type Upstream } from './support.js';

const running: Array<{ proxy?: Proxy; ups: Upstream[] }> = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.proxy?.close();
    await Promise.all(r.ups.map((u) => u.close()));
  }
});

async function setup(ids: string[], extra: Record<string, unknown> = {}) {
  const ups = await Promise.all(ids.map((id) => startUpstream(id)));
  const { proxy, addr } = await startProxy({ services: [service('svc', ups, extra)] });
  running.push({ proxy, ups });
  return { ups, proxy, addr, url: `${addr.url}/svc` };
}

/** Holds every request until release() (answers with the upstream id). */
function hold(up: Upstream) {
  const waiting: Array<() => void> = [];
  up.handler = (_req, res) => waiting.push(() => res.end(up.id));
  return { waiting, release: () => waiting.splice(0).forEach((f) => f()) };
}

describe('resilience', () => {
  it('opens the breaker at maxRequests with a fast 503 that says why, and closes it again', async () => {
    const { ups, url, proxy } = await setup(['a'], { circuitBreaker: { maxConnections: 10, maxPending: 10, maxRequests: 2 } });
    const held = hold(ups[0]!);
    const inflight = [get(`${url}/1`), get(`${url}/2`)];
    await vi.waitFor(() => expect(held.waiting.length).toBe(2));
    const rejected = await get(`${url}/3`);
    expect(rejected.status).toBe(503);
    expect(rejected.headers['x-slb-reason']).toBe('SLB_PROXY_CIRCUIT_OPEN');
    expect(JSON.parse(rejected.body)).toMatchObject({ code: 'SLB_PROXY_CIRCUIT_OPEN', message: expect.stringContaining('in-flight') });
    expect(await proxy.metrics.registry.getSingleMetricAsString('slb_proxy_breaker_open')).toContain('slb_proxy_breaker_open{service="svc",upstream="a"} 1');
    // No instance was tried: the request is counted under instance "none".
    expect(await proxy.metrics.registry.getSingleMetricAsString('slb_proxy_requests_total')).toContain('slb_proxy_requests_total{service="svc",upstream="none",status="503",outcome="5xx"} 1');
    held.release();
    expect((await Promise.all(inflight)).map((r) => r.status)).toEqual([200, 200]);
    ups[0]!.handler = (_req, res) => res.end('a');
    expect((await get(`${url}/4`)).status).toBe(200);
    expect(await proxy.metrics.registry.getSingleMetricAsString('slb_proxy_breaker_open')).toContain('slb_proxy_breaker_open{service="svc",upstream="a"} 0');
  });

  it('sends requests past a full instance to another one', async () => {
    const { ups, url } = await setup(['a', 'b'], { circuitBreaker: { maxConnections: 10, maxPending: 10, maxRequests: 1 }, policy: { type: 'ROUND_ROBIN' } });
    const held = hold(ups[0]!);
    const first = get(`${url}/1`);
    await vi.waitFor(() => expect(held.waiting.length).toBe(1));
    // Round robin would pick a next-but-one; a is full, so b takes all of these.
    for (let i = 0; i < 4; i++) expect((await get(`${url}/x`)).body).toBe('b');
    held.release();
    expect((await first).status).toBe(200);
  });

  it('answers 504 when the instance does not answer within the request timeout', async () => {
    const { ups, url } = await setup(['a'], { timeouts: { requestMs: 200, idleMs: 60_000 } });
    const held = hold(ups[0]!);
    const r = await get(`${url}/slow`);
    expect(r.status).toBe(504);
    expect(JSON.parse(r.body).code).toBe('SLB_PROXY_UPSTREAM_TIMEOUT');
    held.release();
  });

  it('retries a GET on another instance after a per-try timeout', async () => {
    const { ups, url } = await setup(['a', 'b'], { policy: { type: 'ROUND_ROBIN' }, retries: { maxRetries: 1, perTryTimeoutMs: 150, backoffBaseMs: 1, backoffMaxMs: 1 } });
    const heldA = hold(ups[0]!);
    const bodies = [];
    for (let i = 0; i < 4; i++) {
      const r = await get(`${url}/x`);
      expect(r.status).toBe(200);
      bodies.push(r.body);
    }
    expect(bodies).toEqual(['b', 'b', 'b', 'b']);
    heldA.release();
  });

  it('retries gateway errors of idempotent requests but never re-sends a POST that reached an instance', async () => {
    const { ups, url } = await setup(['a', 'b'], { policy: { type: 'ROUND_ROBIN' } });
    ups[0]!.handler = (_req, res) => {
      res.statusCode = 503;
      res.end('a down');
    };
    for (let i = 0; i < 4; i++) expect((await get(`${url}/x`)).body).toBe('b');
    // POST reaching a (which resets the connection) is not retried.
    ups[0]!.handler = (req) => req.socket.destroy();
    ups[1]!.handler = (req) => req.socket.destroy();
    const before = ups[0]!.received.length + ups[1]!.received.length;
    const r = await request(`${url}/order`, { method: 'POST', body: 'buy' });
    expect(r.statusCode).toBe(502);
    expect(((await r.body.json()) as { code: string }).code).toBe('SLB_PROXY_UPSTREAM_RESET');
    expect(ups[0]!.received.length + ups[1]!.received.length - before).toBe(1);
  });

  it('retries every fast failure of a fast service: 3 retries may always be in flight (Envoy min_retry_concurrency), not only 10 a second', async () => {
    // Outlier detection held back (a high threshold), so only the budget decides: `a` answers
    // every request 503 at once, round robin sends it every other request.
    const { ups, url, proxy } = await setup(['a', 'b'], {
      policy: { type: 'ROUND_ROBIN' },
      retries: { maxRetries: 2 },
      outlierDetection: { consecutive5xx: 1000, consecutiveGatewayFailures: 1000, enforcingSuccessRatePercent: 0 },
    });
    ups[0]!.handler = (_req, res) => {
      res.statusCode = 503;
      res.end('a overloaded');
    };
    const started = Date.now();
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) statuses.push((await get(`${url}/x`)).status);
    // 30 failed tries within about a second: a 10-a-second allowance alone refused 20 of them.
    expect(Date.now() - started, 'the 60 requests took under 1.5 s (else the per-second floor alone may suffice)').toBeLessThan(1_500);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(await proxy.metrics.registry.getSingleMetricAsString('slb_proxy_retry_budget_exhausted_total')).not.toMatch(/service="svc"} [1-9]/);
  });

  it('stops retrying when the retry budget is spent and passes the answer through', async () => {
    const { ups, url, proxy } = await setup(['a', 'b'], { policy: { type: 'ROUND_ROBIN' }, retries: { maxRetries: 2, budgetPercent: 0, minRetriesPerSecond: 0 } });
    for (const up of ups) {
      up.handler = (_req, res) => {
        res.statusCode = 503;
        res.end(`${up.id} overloaded`);
      };
    }
    const r = await get(`${url}/x`);
    expect(r.status).toBe(503);
    expect(r.body).toMatch(/^[ab] overloaded$/);
    expect(ups[0]!.received.length + ups[1]!.received.length).toBe(1);
    expect(await proxy.metrics.registry.getSingleMetricAsString('slb_proxy_retry_budget_exhausted_total')).toContain('slb_proxy_retry_budget_exhausted_total{service="svc"} 1');
  });

  it('hedges an idempotent request to another instance after the latency quantile; the first answer wins', async () => {
    const { ups, url, proxy } = await setup(['a', 'b'], { policy: { type: 'ROUND_ROBIN' }, retries: { maxRetries: 1, hedgeAfterQuantile: 0.5 } });
    // Warm the latency window with quick answers from both.
    for (let i = 0; i < 40; i++) expect((await get(`${url}/warm`)).status).toBe(200);
    const held = hold(ups[0]!);
    const bodies: string[] = [];
    for (let i = 0; i < 4; i++) bodies.push((await get(`${url}/x`)).body);
    // Requests that went to a (held) were answered by the hedge to b.
    expect(bodies).toEqual(['b', 'b', 'b', 'b']);
    expect(held.waiting.length).toBeGreaterThan(0);
    expect(await proxy.metrics.registry.getSingleMetricAsString('slb_proxy_hedges_total')).toMatch(/slb_proxy_hedges_total\{service="svc"\} [1-9]/);
    held.release();
    // The losers were cancelled: nothing is left in flight.
    await vi.waitFor(() => expect(proxy.inFlight()).toBe(0));
    const snap = proxy.state().services[0] as { balancer: { endpoints: Array<{ inFlight: number }> } };
    expect(snap.balancer.endpoints.map((e) => e.inFlight)).toEqual([0, 0]);
  });

  it('draining lets in-flight requests finish, then closes', async () => {
    const { ups, url, proxy } = await setup(['a']);
    const held = hold(ups[0]!);
    const inflight = [get(`${url}/1`), get(`${url}/2`), get(`${url}/3`)];
    await vi.waitFor(() => expect(held.waiting.length).toBe(3));
    const drained = proxy.drain(10_000);
    // Give drain a moment to stop accepting, then let the held requests finish.
    await vi.waitFor(async () => {
      const r = await fetch(`${url}/new`).catch((err: unknown) => err);
      expect(r).toBeInstanceOf(Error);
    });
    held.release();
    const results = await Promise.all(inflight);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(await drained).toEqual({ drained: true, abandoned: 0 });
    running[0]!.proxy = undefined;
  });
});
