import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, hits, service, startProxy, startUpstream, type Upstream } from './support.js';
import type { Proxy, ProxyAddresses } from '@slb/proxy';

describe('proxy routing', () => {
  let a: Upstream, b: Upstream, c: Upstream;
  let proxy: Proxy, addr: ProxyAddresses;
  beforeAll(async () => {
    [a, b, c] = await Promise.all([startUpstream('a'), startUpstream('b'), startUpstream('c')]);
    ({ proxy, addr } = await startProxy({
      services: [
        service('shop', [a, b]),
        { ...service('shop-api', [c]), routes: [{ pathPrefix: '/shop/api' }] },
        { ...service('admin-host', [c]), routes: [{ host: 'admin.example', pathPrefix: '/' }] },
      ],
    }));
  });
  afterAll(async () => {
    await proxy.close();
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  it('sends a path prefix to its service, longest prefix first', async () => {
    expect((await get(`${addr.url}/shop/api/items`)).body).toBe('c');
    expect(['a', 'b']).toContain((await get(`${addr.url}/shop/items?x=1`)).body);
    expect(['a', 'b']).toContain((await get(`${addr.url}/shop`)).body);
  });

  it('matches prefixes on segment boundaries and answers 404 with a stable code', async () => {
    const r = await get(`${addr.url}/shopping`);
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body)).toMatchObject({ code: 'SLB_PROXY_NO_ROUTE' });
  });

  it('routes on the Host header before host-less routes', async () => {
    expect((await get(`${addr.url}/shop/x`, { host: 'admin.example' })).body).toBe('c');
    expect((await get(`${addr.url}/shop/x`, { host: 'ADMIN.example:8080' })).body).toBe('c');
  });

  it('round-robins over the instances', async () => {
    const counts = await hits(`${addr.url}/shop/rr`, 20);
    expect(counts.get('a')).toBe(10);
    expect(counts.get('b')).toBe(10);
  });

  it('streams request bodies through and propagates x-request-id', async () => {
    const { request } = await import('undici');
    const r = await request(`${addr.url}/shop/api/upload`, { method: 'POST', body: 'hello body', headers: { 'x-request-id': 'req-123' } });
    expect(r.statusCode).toBe(200);
    expect(r.headers['x-request-id']).toBe('req-123');
    await r.body.text();
    const seen = c.received.at(-1)!;
    expect(seen.body).toBe('hello body');
    expect(seen.headers['x-request-id']).toBe('req-123');
  });
});
