/**
 * Raw-socket hygiene: each malformed or hostile request gets its expected status, and nothing
 * smuggled reaches the upstream (it records every request it parsed).
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Proxy, ProxyAddresses } from '@slb/proxy';
import { rawExchange as raw, service, startProxy, startUpstream, statusOf, type Upstream } from './support.js';

const statuses = (response: string) => [...response.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));

describe('HTTP hygiene on raw sockets', () => {
  let up: Upstream;
  let proxy: Proxy;
  let addr: ProxyAddresses;
  beforeAll(async () => {
    up = await startUpstream('u');
    ({ proxy, addr } = await startProxy({
      services: [service('svc', [up])],
      trustedProxies: ['10.0.0.0/8'],
      limits: { maxBodyBytes: 1024, maxHeaderBytes: 4096, maxHeaders: 20, maxUrlLength: 200, headersTimeoutMs: 500, requestTimeoutMs: 1000, keepAliveTimeoutMs: 300 },
    }));
  });
  afterAll(async () => {
    await proxy.close();
    await up.close();
  });
  beforeEach(() => {
    up.received.length = 0;
  });

  const cases: Array<[string, string, number, number]> = [
    // name, request, expected status, requests the upstream may see
    ['Content-Length with Transfer-Encoding', 'POST /svc HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /svc/smuggled HTTP/1.1\r\nHost: x\r\n\r\n', 400, 0],
    ['duplicate differing Content-Length', 'POST /svc HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 40\r\n\r\nabcd', 400, 0],
    ['malformed Content-Length', 'POST /svc HTTP/1.1\r\nHost: x\r\nContent-Length: 4x\r\n\r\nabcd', 400, 0],
    ['negative Content-Length', 'POST /svc HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n', 400, 0],
    ['Transfer-Encoding not ending in chunked', 'POST /svc HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n', 400, 0],
    ['Transfer-Encoding xchunked', 'POST /svc HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n', 400, 0],
    ['Transfer-Encoding with space before colon', 'POST /svc HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n', 400, 0],
    ['obs-fold header', 'GET /svc HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n', 400, 0],
    ['missing Host', 'GET /svc HTTP/1.1\r\n\r\n', 400, 0],
    ['oversized URL', `GET /svc/${'a'.repeat(300)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414, 0],
    ['oversized headers', `GET /svc HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(5000)}\r\n\r\n`, 431, 0],
    ['too many headers', `GET /svc HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 30 }, (_, i) => `X-H${i}: v`).join('\r\n')}\r\n\r\n`, 431, 0],
    ['oversized Content-Length body', `POST /svc HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n${'x'.repeat(100)}`, 413, 0],
  ];

  it.each(cases)('%s', async (_name, request, expected, upstreamSees) => {
    const response = await raw(addr.port, request);
    expect(statusOf(response)).toBe(expected);
    expect(up.received.length).toBeLessThanOrEqual(upstreamSees);
    expect(up.received.some((r) => r.url.includes('smuggled'))).toBe(false);
  });

  it('answers 413 to a chunked body over the limit and forwards nothing complete', async () => {
    const chunk = 'x'.repeat(600);
    const body = `258\r\n${chunk}\r\n258\r\n${chunk}\r\n0\r\n\r\n`;
    const response = await raw(addr.port, `POST /svc HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${body}`);
    expect(statusOf(response)).toBe(413);
    expect(up.received.filter((r) => r.body.length > 1024)).toEqual([]);
  });

  it('strips hop-by-hop headers and the fields Connection names, without a 5xx', async () => {
    const response = await raw(
      addr.port,
      'GET /svc/hop HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, X-Secret, Host\r\nX-Secret: s\r\nKeep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\nTE: trailers\r\nUpgrade: h2c\r\nX-Kept: k\r\nConnection: close\r\n\r\n',
    );
    expect(statusOf(response)).toBe(200);
    const seen = up.received.at(-1)!;
    for (const h of ['x-secret', 'keep-alive', 'proxy-connection', 'te', 'upgrade']) expect(seen.headers[h]).toBeUndefined();
    expect(seen.headers['x-kept']).toBe('k');
    expect(seen.headers.host).toBe('x');
  });

  it('strips hop-by-hop headers from the response', async () => {
    up.handler = (_req, res) => {
      res.setHeader('connection', 'x-internal');
      res.setHeader('x-internal', 'secret');
      res.setHeader('keep-alive', 'timeout=99');
      res.setHeader('x-fine', 'yes');
      res.end('ok');
    };
    try {
      const response = await raw(addr.port, 'GET /svc/resp HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      expect(statusOf(response)).toBe(200);
      expect(response.toLowerCase()).not.toContain('x-internal');
      expect(response.toLowerCase()).not.toContain('timeout=99');
      expect(response.toLowerCase()).toContain('x-fine: yes');
    } finally {
      up.handler = (_req, res) => res.end('u');
    }
  });

  it('replaces a spoofed X-Forwarded-For from an untrusted client', async () => {
    await raw(addr.port, 'GET /svc/xff HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 1.2.3.4\r\nForwarded: for=1.2.3.4\r\nX-Forwarded-Host: evil\r\nConnection: close\r\n\r\n');
    const seen = up.received.at(-1)!;
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.headers['x-forwarded-host']).toBe('x');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(seen.headers.forwarded).toBe('for=127.0.0.1;host=x;proto=http');
    expect(seen.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-/);
  });

  it('keeps two pipelined requests apart', async () => {
    const response = await raw(addr.port, 'GET /svc/one HTTP/1.1\r\nHost: x\r\n\r\nGET /svc/two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(statuses(response)).toEqual([200, 200]);
    expect(up.received.map((r) => r.url)).toEqual(['/svc/one', '/svc/two']);
  });

  it('times out a slowloris client that never finishes its headers (408)', async () => {
    const parts = ['GET /svc/slow HTTP/1.1\r\n', 'Host: x\r\n', 'X-A: 1\r\n', 'X-B: 2\r\n', 'X-C: 3\r\n', 'X-D: 4\r\n', 'X-E: 5\r\n', 'X-F: 6\r\n'];
    const started = Date.now();
    const response = await raw(addr.port, parts, { gapMs: 250, waitMs: 5000 });
    expect(statusOf(response)).toBe(408);
    expect(Date.now() - started).toBeLessThan(4500);
    expect(up.received).toEqual([]);
  });

  it('times out a client that sends its headers but trickles its body (408)', async () => {
    const parts = ['POST /svc/trickle HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n', ...Array.from({ length: 12 }, () => 'x')];
    const response = await raw(addr.port, parts, { gapMs: 200, waitMs: 5000 });
    expect(statusOf(response)).toBe(408);
    expect(up.received.filter((r) => r.url === '/svc/trickle')).toEqual([]);
  });

  it('closes an idle keep-alive connection after the keep-alive timeout', async () => {
    const socket = connect(addr.port, '127.0.0.1');
    let out = '';
    socket.on('data', (d) => (out += d.toString('latin1')));
    socket.write('GET /svc/idle HTTP/1.1\r\nHost: x\r\n\r\n');
    const closed = new Promise<'closed'>((resolve) => socket.on('close', () => resolve('closed')));
    const stillOpen = new Promise<'open'>((resolve) => setTimeout(() => resolve('open'), 4000).unref());
    expect(await Promise.race([closed, stillOpen])).toBe('closed');
    socket.destroy();
    expect(statusOf(out)).toBe(200);
  });
});
