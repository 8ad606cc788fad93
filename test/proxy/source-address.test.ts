/**
 * SLB_UPSTREAM_SOURCE_ADDRESS (nginx `proxy_bind`, HAProxy `source`): every connection the
 * proxy opens to an instance leaves from that local address, data requests and health checks
 * alike, so an instance's firewall can tell this proxy from the others. Linux answers on all of
 * 127.0.0.0/8, so 127.0.0.3 is a second local address without any setup.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { get, service, startProxy, startUpstream, type Upstream } from './support.js';
import type { Proxy, ProxyAddresses } from '@slb/proxy';

const HEALTH = { type: 'HTTP', path: '/health', intervalMs: 200, timeoutMs: 150, unhealthyThreshold: 2, healthyThreshold: 1, jitterPercent: 0 };

describe('the source address of connections to instances', () => {
  let upstream: Upstream;
  const seen: Array<{ url: string; from: string | undefined }> = [];
  const proxies: Proxy[] = [];

  beforeAll(async () => {
    upstream = await startUpstream('u1');
    upstream.handler = (req, res) => {
      seen.push({ url: req.url ?? '', from: req.socket.remoteAddress });
      res.end('ok');
    };
  });
  afterAll(async () => {
    for (const proxy of proxies) await proxy.close();
    await upstream.close();
  });

  async function proxyWith(sourceAddress: string | undefined): Promise<ProxyAddresses> {
    const { proxy, addr } = await startProxy({ upstreamSourceAddress: sourceAddress, services: [service('svc', [upstream], { healthCheck: HEALTH })] });
    proxies.push(proxy);
    return addr;
  }

  async function addressesSeenAfter(run: () => Promise<void>): Promise<{ data: Set<string | undefined>; checks: Set<string | undefined> }> {
    seen.length = 0;
    await run();
    await vi.waitFor(() => expect(seen.some((s) => s.url === '/health')).toBe(true), { timeout: 5_000, interval: 20 });
    return { data: new Set(seen.filter((s) => s.url !== '/health').map((s) => s.from)), checks: new Set(seen.filter((s) => s.url === '/health').map((s) => s.from)) };
  }

  it('leaves from the configured address, for requests and health checks', async () => {
    const addr = await proxyWith('127.0.0.3');
    const { data, checks } = await addressesSeenAfter(async () => {
      for (let i = 0; i < 3; i++) expect((await get(`http://127.0.0.1:${addr.port}/svc/x`)).status).toBe(200);
    });
    expect([...data]).toEqual(['127.0.0.3']);
    expect([...checks]).toEqual(["127.0.0.3"]);
    await proxies.pop()!.close();
  });

  it('leaves from whatever the OS picks when unset', async () => {
    const addr = await proxyWith(undefined);
    const { data } = await addressesSeenAfter(async () => {
      expect((await get(`http://127.0.0.1:${addr.port}/svc/x`)).status).toBe(200);
    });
    expect([...data]).toEqual(['127.0.0.1']);
  });
});
