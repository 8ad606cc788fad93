/**
 * A client's fault never counts against an instance. Requests the proxy cannot forward because
 * of what the client sent (undici refuses them before a byte goes upstream, or they use a
 * transfer coding the proxy does not implement) get a clear 4xx/501, and requests the client
 * abandons mid-upload end as 499: in every case the instance is not charged a failure by
 * outlier detection, the balancer or telemetry, so no client can get a healthy instance ejected.
 */
import { connect } from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createInProcessBus, type EventBus, type HealthStatus, type ServiceMetrics } from '@slb/core';
import type { Proxy, ProxyAddresses } from '@slb/proxy';
import { get, rawExchange, service, startProxy, startUpstream, statusOf, type Upstream } from './support.js';

const raw = (port: number, payload: string): Promise<string> => rawExchange(port, payload);
const reasonOf = (response: string) => /\r\nx-slb-reason: ([A-Z_]+)/i.exec(response)?.[1];

interface Fleet {
  readonly ups: Upstream[];
  readonly proxy: Proxy;
  readonly addr: ProxyAddresses;
  readonly metrics: ServiceMetrics[];
  readonly health: HealthStatus[];
}

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** Two healthy instances behind a proxy with the default outlier detection (5 gateway failures eject). */
async function fleet(extra: Record<string, unknown> = {}): Promise<Fleet> {
  const ups = await Promise.all(['a', 'b'].map((id) => startUpstream(id)));
  cleanup.push(() => Promise.all(ups.map((u) => u.close())));
  const bus: EventBus = createInProcessBus();
  cleanup.push(() => bus.close());
  const metrics: ServiceMetrics[] = [];
  const health: HealthStatus[] = [];
  await bus.subscribe(['service-metrics'], { groupId: 'client-faults-metrics', fromBeginning: true }, (m) => void metrics.push(m.value));
  await bus.subscribe(['health-status'], { groupId: 'client-faults-health', fromBeginning: true }, (m) => void health.push(m.value));
  const { proxy, addr } = await startProxy({ bus, services: [service('svc', ups, { policy: { type: 'PEAK_EWMA' }, ...extra })] });
  cleanup.push(() => proxy.close());
  return { ups, proxy, addr, metrics, health };
}

/** Nothing was charged to any instance, and both still serve. */
async function expectNoInstanceCharged(f: Fleet): Promise<void> {
  const view = (await (await fetch(`${f.addr.adminUrl}/admin/services/svc/instances`)).json()) as {
    instances: Array<{ id: string; inFlight: number; outlier: object; balancer: { healthy: boolean; inFlight: number; latencyEwmaMs: number } }>;
  };
  for (const i of view.instances) {
    expect(i, i.id).toMatchObject({ inFlight: 0, outlier: { ejected: false, consecutive5xx: 0, consecutiveGatewayFailures: 0, intervalRequests: 0, intervalFailures: 0 }, balancer: { healthy: true, inFlight: 0 } });
    // No latency was observed: the estimate is still the default RTT (30 ms) decaying, neither
    // pulled down by tries that never left nor pushed up by a client's slow upload.
    expect(i.balancer.latencyEwmaMs, i.id).toBeGreaterThan(20);
    expect(i.balancer.latencyEwmaMs, i.id).toBeLessThanOrEqual(30);
  }
  expect(await f.proxy.metrics.registry.getSingleMetricAsString('slb_proxy_ejections_total')).not.toMatch(/slb_proxy_ejections_total\{/);
  f.proxy.flushTelemetry();
  await vi.waitFor(() => expect(f.metrics.length).toBeGreaterThanOrEqual(2));
  for (const m of f.metrics) expect(m.errors, m.instanceId).toEqual({ status5xx: 0, status4xx: 0, connectFailures: 0, timeouts: 0, resets: 0 });
  expect(f.health.filter((h) => h.status === 'UNHEALTHY')).toEqual([]);
  for (let i = 0; i < 10; i++) expect((await get(`${f.addr.url}/svc/after`)).status).toBe(200);
}

describe('client faults never count against an instance', () => {
  it('answers 400 to requests undici refuses before sending (duplicate Host), charging no instance', async () => {
    const f = await fleet();
    for (let i = 0; i < 15; i++) {
      const response = await raw(f.addr.port, `GET /svc/x${i} HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\nConnection: close\r\n\r\n`);
      expect(statusOf(response), response).toBe(400);
      expect(reasonOf(response)).toBe('SLB_PROXY_BAD_REQUEST');
    }
    expect(f.ups.flatMap((u) => u.received)).toEqual([]);
    // Nothing reached an instance: the requests are counted under instance "none".
    expect(await f.proxy.metrics.registry.getSingleMetricAsString('slb_proxy_requests_total')).toMatch(/^slb_proxy_requests_total\{service="svc",upstream="none",status="400",outcome="4xx"\} 15$/m);
    await expectNoInstanceCharged(f);
  });

  it('answers 501 to a transfer coding other than chunked (RFC 9112 §6.1) and forwards nothing', async () => {
    const f = await fleet();
    for (let i = 0; i < 15; i++) {
      const response = await raw(f.addr.port, `POST /svc/te HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`);
      expect(statusOf(response), response).toBe(501);
      expect(reasonOf(response)).toBe('SLB_PROXY_NOT_IMPLEMENTED');
    }
    // chunked applied twice is malformed, not unknown.
    expect(statusOf(await raw(f.addr.port, `POST /svc/te HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n`))).toBe(400);
    expect(f.ups.flatMap((u) => u.received)).toEqual([]);
    await expectNoInstanceCharged(f);
    // A lone chunked (any case) is still forwarded.
    expect(statusOf(await raw(f.addr.port, `POST /svc/te HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n`))).toBe(200);
    expect(f.ups.flatMap((u) => u.received).filter((r) => r.method === 'POST').map((r) => r.body)).toEqual(['abc']);
  });

  it('ends streamed uploads the client abandons as 499, charging no instance', async () => {
    // Streamed (not buffered first), so each upload has reached an instance when the client leaves.
    const f = await fleet({ requestBufferBytes: 0 });
    let started = 0;
    for (const u of f.ups) u.server.on('request', () => started++);
    for (let i = 0; i < 15; i++) {
      const socket = connect(f.addr.port, '127.0.0.1');
      socket.on('error', () => undefined);
      const framing = i % 2 === 0 ? 'Content-Length: 1000\r\n\r\n0123456789' : 'Transfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\n';
      socket.write(`POST /svc/up${i} HTTP/1.1\r\nHost: x\r\n${framing}`);
      await vi.waitFor(() => expect(started).toBe(i + 1));
      // A slow uploader: long enough that a latency sample from it would show in the estimate.
      if (i < 2) await new Promise((r) => setTimeout(r, 150));
      socket.destroy();
      await once(socket, 'close');
    }
    await vi.waitFor(() => expect(f.proxy.inFlight()).toBe(0));
    const counted = await f.proxy.metrics.registry.getSingleMetricAsString('slb_proxy_requests_total');
    expect(counted).not.toMatch(/status="5\d\d"/);
    const abandoned = [...counted.matchAll(/status="499",outcome="4xx"\} (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
    expect(abandoned).toBe(15);
    await expectNoInstanceCharged(f);
  });

  it('ends buffered uploads the client abandons as 499 before any instance sees them', async () => {
    const f = await fleet();
    for (let i = 0; i < 6; i++) {
      const framing = i % 2 === 0 ? 'Content-Length: 1000\r\n\r\n0123456789' : 'Transfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\n';
      await rawExchange(f.addr.port, `POST /svc/up${i} HTTP/1.1\r\nHost: x\r\n${framing}`, { closeAfterMs: 50, waitMs: 1_000 });
    }
    await vi.waitFor(() => expect(f.proxy.inFlight()).toBe(0));
    const counted = await f.proxy.metrics.registry.getSingleMetricAsString('slb_proxy_requests_total');
    expect([...counted.matchAll(/status="499",outcome="4xx"\} (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0)).toBe(6);
    expect(f.ups.flatMap((u) => u.received)).toEqual([]);
    await expectNoInstanceCharged(f);
  });
});
