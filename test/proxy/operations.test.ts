/**
 * Operations: /metrics, /healthz, /readyz, the admin API (reads open, changes behind a bearer
 * token), access logs with request id / service / instance / tries / outcome, and WebSocket
 * upgrades proxied to the chosen instance.
 */
import { once } from 'node:events';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { request } from 'undici';
import type { Proxy, ProxyAddresses } from '@slb/proxy';
import { get, hits, service, startProxy, startUpstream, type Upstream } from './support.js';

const TOKEN = 'test-admin-token-0123456789';

describe('operations', () => {
  let a: Upstream, b: Upstream;
  let proxy: Proxy, addr: ProxyAddresses;
  const logLines: Array<Record<string, unknown>> = [];
  beforeAll(async () => {
    [a, b] = await Promise.all([startUpstream('a'), startUpstream('b')]);
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const line of chunk.toString().split('\n')) if (line !== '') logLines.push(JSON.parse(line) as Record<string, unknown>);
        cb();
      },
    });
    ({ proxy, addr } = await startProxy({ adminToken: TOKEN, accessLog: true, logger: pino({ level: 'info' }, sink), services: [service('svc', [a, b])] }));
  });
  afterAll(async () => {
    await proxy.close();
    await Promise.all([a.close(), b.close()]);
  });

  const admin = async (method: 'GET' | 'POST' | 'DELETE', path: string, token?: string) => {
    const r = await request(`${addr.adminUrl}${path}`, { method, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
    const text = await r.body.text();
    return { status: r.statusCode, text, json: () => JSON.parse(text) as Record<string, unknown> };
  };

  it('serves health, readiness and Prometheus metrics', async () => {
    expect((await admin('GET', '/healthz')).status).toBe(200);
    expect((await admin('GET', '/readyz')).status).toBe(200);
    await get(`${addr.url}/svc/m`);
    await get(`${addr.url}/nowhere`);
    const text = (await admin('GET', '/metrics')).text;
    expect(text).toMatch(/slb_proxy_requests_total\{service="svc",upstream="[ab]",status="200",outcome="2xx"\} \d+/);
    expect(text).toMatch(/slb_proxy_request_duration_seconds_bucket\{le="[\d.]+",service="svc"\}/);
    expect(text).toContain('slb_proxy_config_version{service="svc"} 1');
    expect(text).toContain('slb_proxy_healthy_instances{service="svc"} 2');
    for (const name of ['slb_proxy_ejections_total', 'slb_proxy_retries_total', 'slb_proxy_retry_budget_exhausted_total', 'slb_proxy_breaker_open', 'slb_proxy_healthy_instances']) {
      expect(text).toContain(`# TYPE ${name}`);
    }
  });

  it('writes one access log line per request with id, service, instance, tries and outcome', async () => {
    await get(`${addr.url}/svc/logged`, { 'x-request-id': 'log-me-1' });
    const line = logLines.find((l) => l.reqId === 'log-me-1');
    expect(line).toMatchObject({ service: 'svc', tries: 1, status: 200, outcome: 'ok', url: '/svc/logged' });
    expect(['a', 'b']).toContain(line!.instance);
  });

  it('exposes state, config and instances without a token', async () => {
    expect((await admin('GET', '/admin/state')).json()).toMatchObject({ proxyId: 'test-proxy', draining: false });
    const config = (await admin('GET', '/admin/config')).json() as unknown as Array<{ serviceId: string; version: number }>;
    expect(config.map((c) => [c.serviceId, c.version])).toEqual([['svc', 1]]);
    const inst = (await admin('GET', '/admin/services/svc/instances')).json() as { instances: Array<{ id: string }> };
    expect(inst.instances.map((i) => i.id)).toEqual(['a', 'b']);
    expect((await admin('GET', '/admin/services/nope/instances')).status).toBe(404);
  });

  it('refuses changes without the right bearer token', async () => {
    expect((await admin('POST', '/admin/services/svc/instances/a/drain')).status).toBe(401);
    expect((await admin('POST', '/admin/services/svc/instances/a/drain', 'wrong-token-wrong-token')).status).toBe(401);
    expect((await admin('POST', '/admin/drain', 'x')).status).toBe(401);
    expect((await admin('GET', '/readyz')).status).toBe(200);
  });

  it('drains one instance on request and undoes it', async () => {
    expect((await admin('POST', '/admin/services/svc/instances/a/drain', TOKEN)).status).toBe(200);
    expect(await hits(`${addr.url}/svc/x`, 4)).toEqual(new Map([['b', 4]]));
    expect((await admin('DELETE', '/admin/services/svc/instances/a/drain', TOKEN)).status).toBe(200);
    const counts = await hits(`${addr.url}/svc/x`, 40);
    expect(counts.get('a') ?? 0).toBeGreaterThan(0);
  });

  it('applies a config through the admin API with the token, and lists problems of a bad one', async () => {
    const post = async (body: unknown) => {
      const r = await request(`${addr.adminUrl}/admin/config`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: r.statusCode, json: (await r.body.json()) as Record<string, unknown> };
    };
    const bad = await post({ ...service('svc', [a, b]), version: 2, instances: [] });
    expect(bad.status).toBe(422);
    expect(bad.json).toMatchObject({ applied: false, code: 'SLB_SERVICE_CONFIG_INVALID', issues: [{ path: 'instances', message: expect.any(String) }] });
    const good = await post({ ...service('svc', [a, b]), version: 2 });
    expect(good).toEqual({ status: 200, json: { applied: true, serviceId: 'svc', version: 2 } });
  });

  it('proxies a WebSocket upgrade to an instance and splices the sockets', async () => {
    for (const up of [a, b]) {
      up.server.on('upgrade', (req, socket) => {
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Upstream: ${up.id}\r\n\r\n`);
        socket.on('data', (d: Buffer) => socket.write(`echo:${d.toString()}`));
        void req;
      });
    }
    const socket = connect(addr.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('GET /svc/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
    let got = '';
    socket.on('data', (d: Buffer) => {
      got += d.toString();
      if (got.includes('\r\n\r\n') && !got.includes('echo:')) socket.write('ping');
    });
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (got.includes('echo:ping')) {
          clearInterval(t);
          resolve();
        }
      }, 10);
    });
    expect(got).toMatch(/^HTTP\/1\.1 101/);
    expect(got).toMatch(/x-upstream: [ab]/i);
    socket.destroy();
  });

  it('refuses upgrades other than websocket', async () => {
    const socket = connect(addr.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('GET /svc/h2 HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n');
    const [data] = (await once(socket, 'data')) as [Buffer];
    expect(data.toString()).toMatch(/^HTTP\/1\.1 400/);
    socket.destroy();
  });

  it('stops being ready while draining on an authorized drain request, then closes', async () => {
    const waiting: Array<() => void> = [];
    a.handler = b.handler = (_req, res) => waiting.push(() => res.end('late'));
    const inflight = get(`${addr.url}/svc/held`);
    await new Promise<void>((resolve) => {
      const t = setInterval(() => waiting.length > 0 && (clearInterval(t), resolve()), 5);
    });
    expect((await admin('POST', '/admin/drain', TOKEN)).status).toBe(202);
    expect((await admin('GET', '/readyz')).json()).toEqual({ status: 'not-ready', reason: 'draining' });
    waiting.forEach((f) => f());
    expect((await inflight).status).toBe(200);
    await expect(admin('GET', '/healthz')).rejects.toThrow(/ECONNREFUSED/);
  });
});
