/**
 * Issue 11: admin changes leave a trace. On the real test broker and registry: a drain and an
 * undrain through the admin API are written to audit-logs (read back with a real consumer) with
 * the actor, and every change and every refused login is a structured log line with actor,
 * peer, route and result, never the token. Refused logins are counted
 * (slb_proxy_admin_auth_failures_total). With its bus gone, a change still succeeds and the
 * unwritten audit record is logged in full.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { pino, type Logger } from 'pino';
import { request } from 'undici';
import type { AuditLog } from '@slb/core';
import type { Proxy, ProxyAddresses } from '@slb/proxy';
import { kafkaNamespace, type KafkaNamespace } from '../bus/kafka-fixture.js';
import { uniqueName } from '../support/kafka.js';
import { service, startProxy, startUpstream, type Upstream } from './support.js';

const TOKEN = 'audit-test-admin-token-0123456789';
const WRONG = 'not-the-token-not-the-token';

type Line = Record<string, unknown>;

function captureLogs(): { lines: Line[]; raw: string[]; logger: Logger } {
  const lines: Line[] = [];
  const raw: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) {
        if (line === '') continue;
        raw.push(line);
        lines.push(JSON.parse(line) as Line);
      }
      cb();
    },
  });
  return { lines, raw, logger: pino({ level: 'info' }, sink) };
}

describe('admin changes are audited (issue 11)', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  let ns: KafkaNamespace;
  let ups: Upstream[];
  let proxy: Proxy, addr: ProxyAddresses;
  const proxyId = uniqueName('audit-proxy');
  const logs = captureLogs();
  const audits: AuditLog[] = [];

  beforeAll(async () => {
    ups = await Promise.all(['aa', 'ab'].map((id) => startUpstream(id)));
    cleanup.push(() => Promise.all(ups.map((u) => u.close())));
    ns = await kafkaNamespace('admin-audit');
    const reader = ns.bus();
    cleanup.push(() => reader.close());
    // Fresh topics may not have a leader yet for a moment: retry the subscription.
    await vi.waitFor(() => reader.subscribe(['audit-logs'], { groupId: uniqueName('audit-reader'), fromBeginning: true }, (m) => void audits.push(m.value)), { timeout: 30_000, interval: 500 });
    const proxyBus = ns.bus();
    cleanup.push(() => proxyBus.close());
    ({ proxy, addr } = await startProxy({ proxyId, bus: proxyBus, adminToken: TOKEN, logger: logs.logger, services: [service('svc', ups)] }));
    cleanup.push(() => proxy.close());
  });
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
  });

  const admin = async (method: 'POST' | 'DELETE', path: string, headers: Record<string, string> = {}, body?: unknown) => {
    const r = await request(`${addr.adminUrl}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: r.statusCode, text: await r.body.text() };
  };
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it('writes drain and undrain to audit-logs with the actor, and logs every change', async () => {
    expect((await admin('POST', '/admin/services/svc/instances/aa/drain', { ...bearer(TOKEN), 'x-slb-operator': 'alice' })).status).toBe(200);
    expect((await admin('DELETE', '/admin/services/svc/instances/aa/drain', bearer(TOKEN))).status).toBe(200);
    expect((await admin('POST', '/admin/services/svc/instances/nope/drain', bearer(TOKEN))).status).toBe(404);

    await vi.waitFor(() => expect(audits.filter((a) => a.role === 'operator').map((a) => a.action)).toEqual(['instance.drain', 'instance.undrain']), { timeout: 30_000, interval: 100 });
    const [drain, undrain] = audits.filter((a) => a.role === 'operator');
    expect(drain).toMatchObject({ actor: 'admin-token', role: 'operator', action: 'instance.drain', entityType: 'instance', entityId: 'svc/aa' });
    expect(JSON.parse(drain!.before!)).toMatchObject({ drained: false, proxyId });
    expect(JSON.parse(drain!.after!)).toMatchObject({ drained: true, proxyId });
    expect(drain!.reason).toContain(proxyId);
    expect(drain!.evidence?.notes).toEqual(expect.arrayContaining(['peer 127.0.0.1', 'claimed-by alice', 'route POST /admin/services/:service/instances/:instance/drain']));
    expect(undrain).toMatchObject({ actor: 'admin-token', action: 'instance.undrain', entityId: 'svc/aa' });
    expect(JSON.parse(undrain!.after!)).toMatchObject({ drained: false });
    expect(undrain!.evidence?.notes).not.toEqual(expect.arrayContaining([expect.stringMatching(/^claimed-by/)]));

    const changes = logs.lines.filter((l) => l.event === 'admin.change');
    expect(changes).toEqual([
      expect.objectContaining({ actor: 'admin-token', claimedBy: 'alice', peer: '127.0.0.1', method: 'POST', route: '/admin/services/:service/instances/:instance/drain', target: 'svc/aa', result: 'ok', status: 200 }),
      expect.objectContaining({ actor: 'admin-token', peer: '127.0.0.1', method: 'DELETE', target: 'svc/aa', result: 'ok', status: 200 }),
      expect.objectContaining({ actor: 'admin-token', method: 'POST', target: 'svc/nope', result: 'not-found', status: 404 }),
    ]);
  });

  it('logs and counts refused logins, never the token, and audits none of them', async () => {
    expect((await admin('POST', '/admin/services/svc/instances/ab/drain')).status).toBe(401);
    expect((await admin('POST', '/admin/services/svc/instances/ab/drain', { ...bearer(WRONG), 'x-slb-operator': 'mallory' })).status).toBe(401);
    expect((await admin('POST', '/admin/config', bearer(WRONG), service('svc', ups))).status).toBe(401);

    const refused = logs.lines.filter((l) => l.event === 'admin.auth-refused');
    expect(refused).toEqual([
      expect.objectContaining({ actor: 'anonymous', peer: '127.0.0.1', method: 'POST', route: '/admin/services/:service/instances/:instance/drain', result: 'refused', reason: 'missing', status: 401 }),
      expect.objectContaining({ actor: 'anonymous', claimedBy: 'mallory', reason: 'invalid', status: 401 }),
      expect.objectContaining({ route: '/admin/config', reason: 'invalid', status: 401 }),
    ]);
    for (const line of logs.raw) {
      expect(line).not.toContain(TOKEN);
      expect(line).not.toContain(WRONG);
    }
    const metrics = await (await request(`${addr.adminUrl}/metrics`)).body.text();
    expect(metrics).toContain('slb_proxy_admin_auth_failures_total{reason="missing"} 1');
    expect(metrics).toContain('slb_proxy_admin_auth_failures_total{reason="invalid"} 2');
    // Nothing changed: the instance still takes traffic, and no audit record names it.
    expect(audits.some((a) => a.entityId === 'svc/ab')).toBe(false);
  });

  it('audits a config pushed through the admin API, applied or rejected', async () => {
    expect((await admin('POST', '/admin/config', bearer(TOKEN), { ...service('svc', ups), version: 2 })).status).toBe(200);
    expect((await admin('POST', '/admin/config', bearer(TOKEN), { ...service('svc', ups), version: 3, instances: [] })).status).toBe(422);
    await vi.waitFor(() => expect(audits.filter((a) => a.role === 'operator' && a.entityType === 'service').map((a) => [a.action, a.entityId])).toEqual([['config.push', 'svc'], ['config.push', 'svc']]), { timeout: 30_000, interval: 100 });
    const [applied, rejected] = audits.filter((a) => a.role === 'operator' && a.entityType === 'service');
    expect(applied!.reason).toMatch(/^applied version 2/);
    expect(rejected!.reason).toMatch(/^rejected: SLB_SERVICE_CONFIG_INVALID/);
    expect(logs.lines.filter((l) => l.event === 'admin.change' && l.route === '/admin/config').map((l) => [l.result, l.status])).toEqual([['applied', 200], ['rejected', 422]]);
  });

  it('with its bus gone, still makes the change and logs the unwritten audit record', async () => {
    const local = captureLogs();
    const deadBus = ns.bus();
    await deadBus.close();
    const other = await startProxy({ proxyId: uniqueName('audit-nobus'), bus: deadBus, adminToken: TOKEN, logger: local.logger, services: [service('svc', ups)] });
    cleanup.push(() => other.proxy.close());
    const started = Date.now();
    const r = await request(`${other.addr.adminUrl}/admin/services/svc/instances/ab/drain`, { method: 'POST', headers: bearer(TOKEN) });
    expect(r.statusCode).toBe(200);
    await r.body.dump();
    expect(Date.now() - started).toBeLessThan(2_000);
    await vi.waitFor(() => expect(local.lines.find((l) => l.event === 'admin.audit-unwritten')).toMatchObject({ record: expect.objectContaining({ action: 'instance.drain', actor: 'admin-token', entityId: 'svc/ab' }) }));
    const metrics = await (await request(`${other.addr.adminUrl}/metrics`)).body.text();
    expect(metrics).toContain('slb_proxy_admin_audit_unwritten_total 1');
  });
});
