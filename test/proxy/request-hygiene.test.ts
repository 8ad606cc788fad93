/**
 * Request hygiene found by outside attackers (docs/proxy.md, "HTTP hygiene"), on raw sockets
 * against real upstreams that record what they received: path normalisation before routing,
 * client-IP claims from untrusted peers, Host syntax, CONNECT and TRACE. Each case checks the
 * status, whether the proxy closed the connection, and exactly what reached an upstream.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Proxy, ProxyOptions } from '@slb/proxy';
import { service, startProxy, startUpstream, type Received, type Upstream } from './support.js';

interface Exchange {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** The proxy closed the connection after its answer (instead of keeping it alive). */
  readonly closed: boolean;
}

/**
 * One request on a fresh connection: the parsed answer, and whether the proxy closed the
 * connection within `lingerMs` of a complete answer.
 */
function exchange(port: number, request: string, lingerMs = 150): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let raw = '';
    let settled = false;
    const finish = (closed: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(giveUp);
      socket.destroy();
      const [head = '', ...rest] = raw.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1] ?? 0), headers, body: rest.join('\r\n\r\n'), closed });
    };
    const giveUp = setTimeout(() => finish(false), 3_000);
    socket.on('data', (d: Buffer) => {
      raw += d.toString('latin1');
      const end = raw.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: *(\d+)/i.exec(raw.slice(0, end))?.[1];
      if (end !== -1 && length !== undefined && raw.length >= end + 4 + Number(length)) setTimeout(() => finish(false), lingerMs);
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => undefined);
    socket.write(request, 'latin1');
  });
}

const get = (target: string, headers = 'Host: shop.example\r\n'): string => `GET ${target} HTTP/1.1\r\n${headers}\r\n`;

describe('request hygiene on raw sockets', () => {
  let pub: Upstream;
  let secret: Upstream;
  const proxies: Proxy[] = [];
  const ports: Record<string, number> = {};
  /** Services: /public on `pub`, /secret on `secret` (another service the public one must not reach). */
  const services = () => [service('public', [pub]), service('secret', [secret])];
  const start = async (name: string, options: Partial<ProxyOptions>) => {
    const { proxy, addr } = await startProxy({ services: services(), ...options });
    proxies.push(proxy);
    ports[name] = addr.port;
  };

  beforeAll(async () => {
    pub = await startUpstream('pub');
    secret = await startUpstream('secret');
    await start('default', {});
    await start('publicOnly', { services: [service('public', [pub])] });
    await start('merge', { pathNormalization: { mergeSlashes: true } });
    await start('reject', { pathNormalization: { escapedSlashes: 'reject' } });
    await start('decode', { pathNormalization: { escapedSlashes: 'decode' } });
    await start('trusted', { trustedProxies: ['127.0.0.1'] });
    await start('trace', { allowTrace: true });
  });
  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    await Promise.all([pub.close(), secret.close()]);
  });
  beforeEach(() => {
    pub.received.length = 0;
    secret.received.length = 0;
  });

  /** Paths each upstream received. */
  const received = () => ({ pub: pub.received.map((r) => r.url), secret: secret.received.map((r) => r.url) });
  const none = { pub: [], secret: [] };

  describe('path normalisation before routing', () => {
    const cases: Array<[string, string, string, number, boolean, { pub: string[]; secret: string[] }]> = [
      // name, proxy, target, status, closed, what the upstreams received
      ['plain path, untouched', 'default', '/public/a?q=%2e%2e', 200, false, { pub: ['/public/a?q=%2e%2e'], secret: [] }],
      ['dot-dot routes to the service the path names', 'default', '/public/../secret', 200, false, { pub: [], secret: ['/secret'] }],
      ['encoded dot-dot routes to the service the path names', 'default', '/public/%2e%2E/secret', 200, false, { pub: [], secret: ['/secret'] }],
      ['dot-dot to a path no route has is 404', 'publicOnly', '/public/../secret', 404, false, none],
      ['encoded dot-dot to a path no route has is 404', 'publicOnly', '/public/%2e%2e/secret', 404, false, none],
      ['dot-dot above the root stays at the root', 'default', '/../../public/x', 200, false, { pub: ['/public/x'], secret: [] }],
      ['dot-dot inside the service: normalised path upstream', 'default', '/public/a/./b/../c', 200, false, { pub: ['/public/a/c'], secret: [] }],
      ['unreserved escapes decoded, others upper-cased', 'default', '/public/%7euser/%c3%a9', 200, false, { pub: ['/public/~user/%C3%A9'], secret: [] }],
      ['escaped slash hiding dot-dot is refused by default', 'publicOnly', '/public/..%2fsecret', 400, true, none],
      ['escaped backslash hiding dot-dot is refused by default', 'publicOnly', '/public/..%5Csecret', 400, true, none],
      ['escaped slash kept by default', 'default', '/public/group%2fproject', 200, false, { pub: ['/public/group%2Fproject'], secret: [] }],
      ['escaped slash refused under reject', 'reject', '/public/group%2Fproject', 400, true, none],
      ['escaped slash decoded under decode', 'decode', '/public/group%2Fproject', 200, false, { pub: ['/public/group/project'], secret: [] }],
      ['decode: escaped-slash traversal resolved before routing', 'decode', '/public/..%2fsecret', 200, false, { pub: [], secret: ['/secret'] }],
      ['empty segments kept without merge', 'default', '/public//a', 200, false, { pub: ['/public//a'], secret: [] }],
      ['slashes merged under merge', 'merge', '//public///a//', 200, false, { pub: ['/public/a/'], secret: [] }],
      ['merge: // in front of a route is that route', 'merge', '//secret', 200, false, { pub: [], secret: ['/secret'] }],
      ['invalid percent-encoding', 'default', '/public/%zz', 400, true, none],
      ['truncated percent-encoding', 'default', '/public/a%4', 400, true, none],
      ['raw backslash', 'default', '/public/..\\secret', 400, true, none],
      ['fragment in the request target', 'default', '/public/a#frag', 400, true, none],
    ];
    it.each(cases)('%s', async (_name, proxy, target, status, closed, upstreams) => {
      const r = await exchange(ports[proxy]!, get(target));
      expect(r.status).toBe(status);
      expect(r.closed).toBe(closed);
      if (status === 400) expect(JSON.parse(r.body)).toMatchObject({ code: 'SLB_PROXY_BAD_PATH' });
      expect(received()).toEqual(upstreams);
    });

    it('normalises a WebSocket upgrade path before routing it too', async () => {
      const r = await exchange(ports.publicOnly!, get('/public/%2e%2e%2fsecret', 'Host: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n'));
      expect(r.status).toBe(400);
      expect(r.closed).toBe(true);
      expect(JSON.parse(r.body)).toMatchObject({ code: 'SLB_PROXY_BAD_PATH' });
      expect(received()).toEqual(none);
    });
  });

  describe('client-IP claims', () => {
    const claims = 'X-Real-IP: 127.0.0.1\r\nTrue-Client-IP: 127.0.0.2\r\nx-client-ip: 127.0.0.3\r\nCF-Connecting-IP: 127.0.0.4\r\n';
    const claimed = (r: Received) => ['x-real-ip', 'true-client-ip', 'x-client-ip', 'cf-connecting-ip'].map((h) => r.headers[h]);

    it('strips X-Real-IP, True-Client-IP, X-Client-IP and CF-Connecting-IP from an untrusted peer', async () => {
      const r = await exchange(ports.default!, get('/public', `Host: shop.example\r\n${claims}X-Other: kept\r\n`));
      expect([r.status, r.closed]).toEqual([200, false]);
      expect(pub.received).toHaveLength(1);
      expect(claimed(pub.received[0]!)).toEqual([undefined, undefined, undefined, undefined]);
      expect(pub.received[0]!.headers).toMatchObject({ 'x-other': 'kept', 'x-forwarded-for': '127.0.0.1' });
    });

    it('passes them from a trusted peer (SLB_TRUSTED_PROXIES)', async () => {
      const r = await exchange(ports.trusted!, get('/public', `Host: shop.example\r\n${claims}`));
      expect([r.status, r.closed]).toEqual([200, false]);
      expect(pub.received).toHaveLength(1);
      expect(claimed(pub.received[0]!)).toEqual(['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4']);
    });
  });

  describe('Host syntax', () => {
    const invalid: Array<[string, string]> = [
      ['empty', 'Host: \r\n'],
      ['space inside', 'Host: shop example\r\n'],
      ['userinfo', 'Host: evil@shop.example\r\n'],
      ['a path', 'Host: shop.example/admin\r\n'],
      ['a backslash', 'Host: shop.example\\admin\r\n'],
      ['port not a number', 'Host: shop.example:80x\r\n'],
      ['port out of range', 'Host: shop.example:65536\r\n'],
      ['two ports', 'Host: shop.example:80:81\r\n'],
      ['unclosed IPv6 literal', 'Host: [::1\r\n'],
      ['bracketed non-IPv6', 'Host: [shop.example]\r\n'],
      ['bare IPv6', 'Host: ::1\r\n'],
      ['bad percent-encoding', 'Host: shop%zz.example\r\n'],
    ];
    it.each(invalid)('%s -> 400', async (_name, host) => {
      const r = await exchange(ports.default!, get('/public', host));
      expect([r.status, r.closed]).toEqual([400, true]);
      expect(JSON.parse(r.body)).toMatchObject({ code: 'SLB_PROXY_BAD_HOST' });
      expect(received()).toEqual(none);
    });

    const valid = ['shop.example', 'shop.example:8080', '127.0.0.1:80', '[::1]:8080', 'SHOP.Example'];
    it.each(valid)('%s is forwarded', async (host) => {
      const r = await exchange(ports.default!, get('/public', `Host: ${host}\r\n`));
      expect([r.status, r.closed]).toEqual([200, false]);
      expect(pub.received.map((x) => x.headers.host)).toEqual([host]);
    });

    it('a valid Host after an invalid one on the same proxy is still checked afresh', async () => {
      expect((await exchange(ports.default!, get('/public', 'Host: a\r\n'))).status).toBe(200);
      expect((await exchange(ports.default!, get('/public', 'Host: a b\r\n'))).status).toBe(400);
      expect((await exchange(ports.default!, get('/public', 'Host: a\r\n'))).status).toBe(200);
      expect(pub.received).toHaveLength(2);
    });
  });

  describe('methods', () => {
    it('CONNECT gets 405 with a status line, Allow and the JSON error, and the connection closes', async () => {
      const r = await exchange(ports.default!, 'CONNECT secret.internal:443 HTTP/1.1\r\nHost: secret.internal:443\r\n\r\n');
      expect([r.status, r.closed]).toEqual([405, true]);
      expect(r.headers.allow).toBe('GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH');
      expect(r.headers['x-slb-reason']).toBe('SLB_PROXY_METHOD_NOT_ALLOWED');
      expect(r.headers['x-request-id']).toBeTruthy();
      expect(JSON.parse(r.body)).toMatchObject({ code: 'SLB_PROXY_METHOD_NOT_ALLOWED' });
      expect(received()).toEqual(none);
    });

    it('CONNECT is refused even when TRACE is allowed (Allow then lists TRACE)', async () => {
      const r = await exchange(ports.trace!, 'CONNECT public:443 HTTP/1.1\r\nHost: public:443\r\n\r\n');
      expect([r.status, r.closed]).toEqual([405, true]);
      expect(r.headers.allow).toBe('GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH, TRACE');
      expect(received()).toEqual(none);
    });

    it('TRACE gets 405 by default, routed or not', async () => {
      for (const target of ['/public', '/nowhere']) {
        const r = await exchange(ports.default!, `TRACE ${target} HTTP/1.1\r\nHost: shop.example\r\nCookie: session=s3cret\r\n\r\n`);
        expect([r.status, r.closed]).toEqual([405, true]);
        expect(r.headers.allow).toBe('GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH');
        expect(JSON.parse(r.body)).toMatchObject({ code: 'SLB_PROXY_METHOD_NOT_ALLOWED' });
      }
      expect(received()).toEqual(none);
    });

    it('TRACE is forwarded when allowed (SLB_ALLOW_TRACE=true)', async () => {
      const r = await exchange(ports.trace!, 'TRACE /public HTTP/1.1\r\nHost: shop.example\r\n\r\n');
      expect([r.status, r.closed]).toEqual([200, false]);
      expect(pub.received.map((x) => [x.method, x.url])).toEqual([['TRACE', '/public']]);
    });
  });
});
