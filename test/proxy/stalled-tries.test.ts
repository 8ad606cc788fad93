/**
 * The tries already waiting on an instance when it hangs (it accepts and reads requests, never
 * answers) are cut short when the stall detector ejects it: an idempotent request is retried at
 * once on another instance, so its client sees no error, and a request that may not be retried
 * (a POST that reached the instance) gets a 504 at once instead of waiting for its client to
 * give up. The cut try is the instance's fault, counted once: a timeout in its telemetry window,
 * nothing more for outlier detection (the ejection stands for it).
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { request } from 'undici';
import type { Proxy } from '@slb/proxy';
import { service, startProxy, startUpstream, type Upstream } from './support.js';

/** The clients' timeout: a try left waiting on the hung instance ends here, as an error. */
const CLIENT_TIMEOUT_MS = 2_000;
/** "At once": the ejection comes 0.5–0.7 s after the hang; generous for a loaded 2-core machine. */
const WELL_BEFORE_TIMEOUT_MS = 1_500;

interface Outcome {
  readonly status: number;
  readonly body: string;
  readonly reason: string | undefined;
  readonly ms: number;
}

async function send(url: string, init: { method?: 'GET' | 'POST'; body?: string } = {}): Promise<Outcome> {
  const started = performance.now();
  try {
    const r = await request(url, { ...init, headersTimeout: CLIENT_TIMEOUT_MS, bodyTimeout: CLIENT_TIMEOUT_MS });
    const body = await r.body.text();
    const reason = r.headers['x-slb-reason'];
    return { status: r.statusCode, body, reason: typeof reason === 'string' ? reason : undefined, ms: performance.now() - started };
  } catch (err) {
    return { status: 0, body: String(err), reason: undefined, ms: performance.now() - started };
  }
}

/** An open-loop client: one GET every `everyMs` until stopped. */
function pacedGets(url: string, everyMs: number): { stop(): Promise<Outcome[]> } {
  const outcomes: Array<Promise<Outcome>> = [];
  const timer = setInterval(() => outcomes.push(send(url)), everyMs);
  return {
    async stop() {
      clearInterval(timer);
      return Promise.all(outcomes);
    },
  };
}

/** The instance accepts and reads requests from now on, and never answers them. */
function hang(up: Upstream): { readonly since: number; readonly received: () => number } {
  const since = up.received.length;
  up.handler = () => undefined;
  return { since, received: () => up.received.length - since };
}

function instance(proxy: Proxy, serviceId: string, id: string) {
  return proxy.controlPlane.service(serviceId)!.instances.get(id)!;
}

async function metric(adminUrl: string, prefix: string): Promise<string[]> {
  const text = await (await request(`${adminUrl}/metrics`)).body.text();
  return text.split('\n').filter((l) => l.startsWith(prefix));
}

describe('tries waiting on an instance when it is ejected as stalled', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function setup(ids: readonly string[], extra: Record<string, unknown>) {
    const ups = await Promise.all(ids.map((id) => startUpstream(id)));
    cleanup.push(async () => void (await Promise.all(ups.map((u) => u.close()))));
    // No outlierDetection section: the defaults, the stall detector's among them.
    const { proxy, addr } = await startProxy({ services: [service('svc', ups, extra)] });
    cleanup.push(() => proxy.close());
    return { ups, proxy, addr, url: `${addr.url}/svc/x` };
  }

  // Traffic must reach the instance as it hangs. Least-request between two sends it requests
  // until it has one in flight; peak-EWMA sends it a few while it was the fastest.
  it.each([
    ['two instances, least-request', ['a1', 'a2'], 'LEAST_REQUEST', 0],
    ['three instances, peak-EWMA, the one that hangs was the fastest', ['b1', 'b2', 'b3'], 'PEAK_EWMA', 5],
  ] as const)('%s: the idempotent GETs waiting on it are retried at once elsewhere, none fails', async (_name, ids, policy, othersMs) => {
    const { ups, proxy, addr, url } = await setup(ids, { policy: { type: policy } });
    const hungUp = ups[ups.length - 1]!;
    for (const u of ups.slice(0, -1)) if (othersMs > 0) u.handler = (_req, res) => void setTimeout(() => res.end(u.id), othersMs);
    const load = pacedGets(url, 10);
    await sleep(1_000); // 100 answers: what "normal" is is known
    const hung = hang(hungUp);
    await sleep(2_500); // past the clients' timeout
    const outcomes = await load.stop();

    expect(hung.received(), 'GETs that reached the hung instance').toBeGreaterThan(0);
    const failed = outcomes.filter((o) => o.status !== 200);
    expect(failed, 'GETs that failed').toEqual([]);
    expect(Math.max(...outcomes.map((o) => o.ms)), 'the slowest GET (ms)').toBeLessThan(WELL_BEFORE_TIMEOUT_MS);

    expect(proxy.controlPlane.service('svc')!.detector.snapshot().find((h) => h.id === hungUp.id)).toMatchObject({
      ejected: true,
      ejectionReason: 'stalled',
      // The cut tries are the stall's evidence, not failures of their own.
      intervalFailures: 0,
      consecutiveGatewayFailures: 0,
    });
    // Each cut try counted once, as the instance's timeout; then retried once.
    expect(instance(proxy, 'svc', hungUp.id).window.timeouts).toBe(hung.received());
    expect(await metric(addr.adminUrl, 'slb_proxy_retries_total{')).toEqual([`slb_proxy_retries_total{service="svc"} ${hung.received()}`]);
    expect(await metric(addr.adminUrl, 'slb_proxy_ejections_total{')).toEqual([expect.stringMatching(new RegExp(`upstream="${hungUp.id}",reason="stalled"\\} 1$`))]);
  });

  it('a POST waiting on it gets a 504 at once and is not sent again; GETs still succeed', async () => {
    // Round robin: of six POSTs sent together, two go to the instance that hangs. It also sends
    // it every third GET until the ejection: budget enough to retry them all, however late.
    const { ups, url } = await setup(['p1', 'p2', 'p3'], { policy: { type: 'ROUND_ROBIN' }, retries: { minRetriesPerSecond: 100 } });
    for (let i = 0; i < 30; i++) expect((await send(url)).status).toBe(200);
    const hung = hang(ups[2]!);
    const posts = Array.from({ length: 6 }, (_, i) => send(url, { method: 'POST', body: `order-${i}` }));
    await vi.waitFor(() => expect(hung.received()).toBe(2), { timeout: 2_000, interval: 5 });
    const load = pacedGets(url, 30); // the peers keep answering; a few GETs go to the hung one too
    const postOutcomes = await Promise.all(posts);
    await sleep(300);
    const getOutcomes = await load.stop();

    const timedOut = postOutcomes.filter((o) => o.status !== 200);
    const gatewayTimeout = [504, 'SLB_PROXY_UPSTREAM_TIMEOUT', expect.stringContaining(`instance p3 of svc stalled (no answer while its peers answered); not retried (not-idempotent)`)];
    expect(timedOut.map((o) => [o.status, o.reason, o.body])).toEqual([gatewayTimeout, gatewayTimeout]);
    for (const o of timedOut) expect(o.ms, 'the 504 (ms after the POST)').toBeLessThan(WELL_BEFORE_TIMEOUT_MS);
    // Not retried: each POST reached exactly one instance.
    const postsReceived = ups.flatMap((u) => u.received.filter((r) => r.method === 'POST').map((r) => r.body)).sort();
    expect(postsReceived).toEqual(Array.from({ length: 6 }, (_, i) => `order-${i}`));
    expect(getOutcomes.filter((o) => o.status !== 200)).toEqual([]);
  });

  it('without retry budget, a GET waiting on it gets a 504 at once instead of waiting for its client to give up', async () => {
    const { ups, url } = await setup(['r1', 'r2', 'r3'], { policy: { type: 'ROUND_ROBIN' }, retries: { budgetPercent: 0, minRetriesPerSecond: 0 } });
    for (let i = 0; i < 30; i++) expect((await send(url)).status).toBe(200);
    const hung = hang(ups[2]!);
    const first = Array.from({ length: 3 }, () => send(url));
    await vi.waitFor(() => expect(hung.received()).toBe(1), { timeout: 2_000, interval: 5 });
    const load = pacedGets(url, 30);
    const outcomes = [...(await Promise.all(first)), ...(await load.stop())];

    const failed = outcomes.filter((o) => o.status !== 200);
    expect(failed.length).toBe(hung.received());
    for (const o of failed) {
      expect([o.status, o.reason, o.body]).toEqual([504, 'SLB_PROXY_UPSTREAM_TIMEOUT', expect.stringContaining('retry budget of svc exhausted after a timeout failure')]);
      expect(o.ms, 'the 504 (ms after the GET)').toBeLessThan(WELL_BEFORE_TIMEOUT_MS);
    }
  });
});
