/**
 * The proxy's /metrics shows every upstream outcome and what it knows of each upstream (issue
 * 13): a 503 that a retry hides from the client still counts as the upstream's 5xx try; a
 * refused connection counts as `connect`, on the try and on the request the proxy answered
 * for it; the controller's decision (weight, state) and local health show per upstream, under
 * the `upstream` label, never `instance`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { RoutingDecision } from '@slb/core';
import type { Proxy, ProxyAddresses } from '@slb/proxy';
import { get, service, startProxy, startUpstream, type Upstream } from './support.js';

/** Sample lines of `name` whose labels include every pair of `labels`, as [labels, value]. */
function series(text: string, name: string, labels: Record<string, string> = {}): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const close = line.lastIndexOf('}');
    const labelText = line.slice(name.length + 1, close);
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) out.push([labelText, Number(line.slice(close + 1))]);
  }
  return out;
}
const sum = (s: Array<[string, number]>) => s.reduce((n, [, v]) => n + v, 0);

describe('upstream outcomes and state on /metrics', () => {
  let flaky: Upstream, steady: Upstream;
  let proxy: Proxy, addr: ProxyAddresses;
  const metrics = async () => (await request(`${addr.adminUrl}/metrics`)).body.text();

  beforeAll(async () => {
    [flaky, steady] = await Promise.all([startUpstream('flaky'), startUpstream('steady')]);
    let n = 0;
    flaky.handler = (_req, res) => {
      n += 1;
      res.statusCode = n % 2 === 0 ? 503 : 200;
      res.end('flaky');
    };
    ({ proxy, addr } = await startProxy({ services: [service('svc', [flaky, steady], { outlierDetection: null })] }));
  });
  afterAll(async () => {
    await proxy.close();
    await Promise.all([flaky.close(), steady.close()]);
  });

  it("counts the 503s a retry hid from the clients as the upstream's 5xx tries", async () => {
    for (let i = 0; i < 40; i++) expect((await get(`${addr.url}/svc/x`)).status).toBe(200);
    const text = await metrics();
    expect(sum(series(text, 'slb_proxy_upstream_tries_total', { service: 'svc', upstream: 'flaky', outcome: '5xx' }))).toBeGreaterThan(0);
    expect(sum(series(text, 'slb_proxy_upstream_tries_total', { service: 'svc', upstream: 'flaky', outcome: '2xx' }))).toBeGreaterThan(0);
    expect(sum(series(text, 'slb_proxy_upstream_tries_total', { service: 'svc', upstream: 'steady', outcome: '5xx' }))).toBe(0);
    // The clients got 200 every time: the per-request counter has no 5xx.
    expect(sum(series(text, 'slb_proxy_requests_total', { service: 'svc', outcome: '5xx' }))).toBe(0);
    expect(sum(series(text, 'slb_proxy_requests_total', { service: 'svc', outcome: '2xx' }))).toBe(40);
    expect(text.split('\n').filter((l) => l.startsWith('slb_proxy_') && /[{,]instance="/.test(l))).toEqual([]);
  });

  it('counts a refused connection as `connect`, on the try and on the request the proxy answered', async () => {
    const gone = await startUpstream('gone');
    await gone.close();
    expect(proxy.applyConfig(service('dead', [gone], { retries: { maxRetries: 0 } }))).toMatchObject({ applied: true });
    const r = await get(`${addr.url}/dead/x`);
    expect(r.status).toBe(502);
    const text = await metrics();
    expect(series(text, 'slb_proxy_upstream_tries_total', { service: 'dead', upstream: 'gone', outcome: 'connect' })).toEqual([[expect.any(String), 1]]);
    expect(series(text, 'slb_proxy_requests_total', { service: 'dead', upstream: 'gone', status: '502', outcome: 'connect' })).toEqual([[expect.any(String), 1]]);
  });

  it("shows the controller's decision per upstream, the balancer's weight and local health", async () => {
    const now = Date.now();
    const decision: RoutingDecision = {
      serviceId: 'svc',
      version: 7,
      issuedAtMs: now,
      expiresAtMs: now + 60_000,
      issuedBy: 'test',
      configVersion: 1,
      panic: false,
      instances: [
        { instanceId: 'flaky', weight: 0, state: 'EJECTED', reason: 'errors', stateUntilMs: now + 30_000 },
        { instanceId: 'steady', weight: 1, state: 'ACTIVE', reason: '', stateUntilMs: null },
      ],
      evidence: { scores: [], windows: [], sources: [], notes: [] },
    };
    expect(proxy.applyDecision(decision)).toMatchObject({ applied: true });
    const text = await metrics();
    expect(text).toContain('slb_proxy_decision_version{service="svc"} 7');
    expect(text).toContain('slb_proxy_decision_active{service="svc"} 1');
    expect(text).toContain('slb_proxy_upstream_decision_state{service="svc",upstream="flaky",state="EJECTED"} 1');
    expect(text).toContain('slb_proxy_upstream_decision_state{service="svc",upstream="flaky",state="ACTIVE"} 0');
    expect(text).toContain('slb_proxy_upstream_decision_state{service="svc",upstream="steady",state="ACTIVE"} 1');
    expect(text).toContain('slb_proxy_upstream_decision_weight{service="svc",upstream="flaky"} 0');
    expect(text).toContain('slb_proxy_upstream_weight{service="svc",upstream="flaky"} 0');
    expect(text).toContain('slb_proxy_upstream_healthy{service="svc",upstream="steady"} 1');
    expect(text).toContain('slb_proxy_upstream_ejected{service="svc",upstream="flaky"} 0');
  });
});
