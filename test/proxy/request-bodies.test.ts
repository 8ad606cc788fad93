/**
 * Request bodies and timeouts, attacked from outside with raw sockets against real upstreams
 * that record what they received:
 * - A client trickling its body holds no upstream slot: bodies up to the service's
 *   `requestBufferBytes` are read whole before an instance is picked (nginx's
 *   `proxy_request_buffering on`), so while slow clients trickle every legitimate request is
 *   served; and a body slower than the listener's minimum rate is cut off with 408.
 * - A buffered body can be sent again: a PUT whose first instance answers 503 is retried.
 * - Timeouts fire when they are set to, not on undici's coarse timer ticks.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Proxy, ProxyAddresses } from '@slb/proxy';
import { load, rawExchange, service, startProxy, startUpstream, statusOf, type Upstream } from './support.js';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function upstreams(ids: readonly string[]): Promise<Upstream[]> {
  const ups = await Promise.all(ids.map((id) => startUpstream(id)));
  cleanup.push(() => Promise.all(ups.map((u) => u.close())));
  return ups;
}

async function proxyFor(services: unknown[], limits: Record<string, number> = {}): Promise<{ proxy: Proxy; addr: ProxyAddresses }> {
  const started = await startProxy({ services, limits });
  cleanup.push(() => started.proxy.close());
  return started;
}

/**
 * A client that sends the headers of a POST with a `length`-byte body, then one byte every
 * `everyMs`. Resolves with what the proxy answered once the connection closes.
 */
function trickler(port: number, path: string, length: number, everyMs: number): { socket: Socket; answer: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  let out = '';
  socket.on('data', (d) => (out += d.toString('latin1')));
  socket.on('error', () => undefined);
  socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${length}\r\n\r\n`);
  let sent = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || sent >= length) return clearInterval(timer);
    socket.write('a');
    sent++;
  }, everyMs);
  const answer = new Promise<string>((resolve) => socket.on('close', () => {
    clearInterval(timer);
    resolve(out);
  }));
  cleanup.push(async () => {
    socket.destroy();
    await answer;
  });
  return { socket, answer };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('slow request bodies', () => {
  it('30 clients trickling bodies hold no upstream slot: legitimate requests are all served', async () => {
    const ups = await upstreams(['a', 'b', 'c']);
    const { addr } = await proxyFor([service('svc', ups, { circuitBreaker: { maxConnections: 10, maxPending: 10, maxRequests: 10 } })]);
    const slow = Array.from({ length: 30 }, () => trickler(addr.port, '/svc/upload', 1000, 200));
    await new Promise((r) => setTimeout(r, 500));
    const legit = load(`${addr.url}/svc/ok`, 8);
    await new Promise((r) => setTimeout(r, 2_000));
    const { total, errors } = await legit.stop();
    expect(errors).toEqual([]);
    expect(total).toBeGreaterThan(50);
    // No upstream saw any of the slow uploads: they are still being read by the proxy.
    const uploads = ups.flatMap((u) => u.received).filter((r) => r.url === '/svc/upload');
    expect(uploads).toEqual([]);
    for (const s of slow) expect(s.socket.destroyed).toBe(false);
  });

  it('cuts a body slower than the minimum rate with 408 and closes; the upstream gets nothing', async () => {
    const ups = await upstreams(['a']);
    const { addr } = await proxyFor([service('svc', ups)], { bodyMinBytesPerSec: 100, bodyGraceMs: 500 });
    const started = Date.now();
    const { answer } = trickler(addr.port, '/svc/upload', 1000, 100);
    const response = await answer;
    expect(statusOf(response)).toBe(408);
    expect(response).toMatch(/\r\nconnection: close\r\n/i);
    expect(response).toContain('SLB_PROXY_REQUEST_TIMEOUT');
    // Cut near grace + received/rate (~0.5-0.6 s), long before node's whole-request timeout.
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(ups[0]!.received).toEqual([]);
  });

  it('cuts a slow body that is streamed (larger than the buffer) too, and charges no instance', async () => {
    const ups = await upstreams(['a']);
    const { addr } = await proxyFor([service('svc', ups, { requestBufferBytes: 0 })], { bodyMinBytesPerSec: 100, bodyGraceMs: 500 });
    const { answer } = trickler(addr.port, '/svc/upload', 1000, 100);
    expect(statusOf(await answer)).toBe(408);
    const view = (await (await fetch(`${addr.adminUrl}/admin/services/svc/instances`)).json()) as { instances: Array<{ inFlight: number; outlier: { consecutiveGatewayFailures: number } }> };
    expect(view.instances[0]).toMatchObject({ inFlight: 0, outlier: { consecutiveGatewayFailures: 0 } });
  });

  it('a body that keeps the minimum rate is forwarded whole', async () => {
    const ups = await upstreams(['a']);
    const { addr } = await proxyFor([service('svc', ups)], { bodyMinBytesPerSec: 10, bodyGraceMs: 500 });
    const response = await rawExchange(addr.port, ['POST /svc/up HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nConnection: close\r\n\r\n', 'aaaaa', 'bbbbb'], { gapMs: 300 });
    expect(statusOf(response)).toBe(200);
    expect(ups[0]!.received.map((r) => [r.url, r.body, r.headers['content-length']])).toEqual([['/svc/up', 'aaaaabbbbb', '10']]);
  });
});

describe('buffered bodies', () => {
  it('a chunked body within the buffer reaches the upstream whole, with a Content-Length', async () => {
    const ups = await upstreams(['a']);
    const { addr } = await proxyFor([service('svc', ups)]);
    const response = await rawExchange(addr.port, 'POST /svc/c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n');
    expect(statusOf(response)).toBe(200);
    const r = ups[0]!.received[0]!;
    expect([r.body, r.headers['content-length'], r.headers['transfer-encoding']]).toEqual(['hello world', '11', undefined]);
  });

  it('a buffered PUT whose instance answers 503 is retried on another with the same body', async () => {
    const ups = await upstreams(['a', 'b']);
    ups[0]!.handler = (_req, res) => {
      res.statusCode = 503;
      res.end('busy');
    };
    const { addr } = await proxyFor([service('svc', ups, { retries: { maxRetries: 1, backoffBaseMs: 1, backoffMaxMs: 1 } })]);
    for (let i = 0; i < 4; i++) {
      const response = await rawExchange(addr.port, `PUT /svc/item HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\nConnection: close\r\n\r\npayload`);
      expect(statusOf(response)).toBe(200);
      expect(response.endsWith('b')).toBe(true);
    }
    expect(ups[1]!.received.map((r) => r.body)).toEqual(['payload', 'payload', 'payload', 'payload']);
  });

  it('a body over the buffer is streamed as it comes (not held back)', async () => {
    const ups = await upstreams(['a']);
    const { addr } = await proxyFor([service('svc', ups, { requestBufferBytes: 1024 })]);
    const body = 'x'.repeat(4096);
    const response = await rawExchange(addr.port, `POST /svc/big HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    expect(statusOf(response)).toBe(200);
    expect(ups[0]!.received[0]!.body).toBe(body);
  });

  it('answers 413 to a chunked body over the body limit while buffering, and forwards nothing', async () => {
    const ups = await upstreams(['a']);
    const { addr } = await proxyFor([service('svc', ups)], { maxBodyBytes: 8 });
    const response = await rawExchange(addr.port, 'POST /svc/c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n');
    expect(statusOf(response)).toBe(413);
    expect(ups[0]!.received).toEqual([]);
  });
});

describe('timeouts fire on time', () => {
  const hung = (u: Upstream) => {
    u.handler = () => undefined;
  };

  /**
   * The bound holds for the median of three: one run on a busy CI machine can lose a few tens of
   * ms to another process, while undici's coarse timers were late by 300-500 ms every time.
   */
  const expectOnTime = (took: number[], settingMs: number) => {
    expect(Math.min(...took)).toBeGreaterThanOrEqual(settingMs);
    expect(median(took)).toBeLessThan(settingMs + 50);
    expect(Math.max(...took)).toBeLessThan(settingMs + 250);
  };

  /** Three raw GETs, each answered 504 with the connection closed as asked: how long each took. */
  const timedOut = async (port: number): Promise<number[]> => {
    const took: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const response = await rawExchange(port, 'GET /svc/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', { waitMs: 10_000 });
      took.push(performance.now() - t0);
      expect(statusOf(response)).toBe(504);
      expect(response).toContain('SLB_PROXY_UPSTREAM_TIMEOUT');
    }
    return took;
  };

  it('a 1,500 ms per-try timeout fires within 50 ms (median of 3)', async () => {
    const ups = await upstreams(['a']);
    hung(ups[0]!);
    const { addr } = await proxyFor([service('svc', ups, { retries: { maxRetries: 0, perTryTimeoutMs: 1_500 }, timeouts: { requestMs: 10_000, idleMs: 60_000 } })]);
    const took = await timedOut(addr.port);
    expectOnTime(took, 1_500);
    // One try each (no retries configured), sent as the client sent it.
    expect(ups[0]!.received.map((r) => [r.method, r.url])).toEqual([['GET', '/svc/x'], ['GET', '/svc/x'], ['GET', '/svc/x']]);
  });

  it('a 3,000 ms request timeout fires within 50 ms, across retries (median of 3)', async () => {
    const ups = await upstreams(['a', 'b']);
    for (const u of ups) hung(u);
    const { addr } = await proxyFor([service('svc', ups, { retries: { maxRetries: 1, perTryTimeoutMs: 2_000 }, timeouts: { requestMs: 3_000, idleMs: 60_000 } })]);
    const took = await timedOut(addr.port);
    expectOnTime(took, 3_000);
    // Each request: a first try (2 s per-try timeout), then its retry on the other instance,
    // cut when the request's 3 s ran out.
    expect(ups.flatMap((u) => u.received).length).toBe(6);
  });

  it('an idle response is cut within 50 ms of the idle timeout (median of 3)', async () => {
    const ups = await upstreams(['a']);
    ups[0]!.handler = (_req, res) => {
      res.writeHead(200, { 'content-length': '10' });
      res.write('abc');
    };
    const { addr } = await proxyFor([service('svc', ups, { timeouts: { requestMs: 10_000, idleMs: 1_200 } })]);
    const took: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const response = await rawExchange(addr.port, 'GET /svc/x HTTP/1.1\r\nHost: x\r\n\r\n', { waitMs: 5_000 });
      took.push(performance.now() - t0);
      expect(statusOf(response)).toBe(200);
      expect(response.endsWith('abc')).toBe(true);
    }
    expectOnTime(took, 1_200);
  });
});
