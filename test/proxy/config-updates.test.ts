/**
 * Live config: updates applied under load fail no request; older, invalid, forged and
 * unsigned updates are never applied (the last good config keeps routing); the proxy boots
 * from its on-disk snapshot.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { request } from 'undici';
import { normalizeConfigUpdate, signConfigUpdate } from '@slb/core';
import { get, hits, load, service, startProxy, startUpstream, type Upstream } from './support.js';

const cleanup: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function upstreams(...ids: string[]): Promise<Upstream[]> {
  const ups = await Promise.all(ids.map((id) => startUpstream(id)));
  cleanup.push(async () => void (await Promise.all(ups.map((u) => u.close()))));
  return ups;
}

describe('live config updates', () => {
  it('applies a stream of updates under load without failing a request', async () => {
    const [a, b, c, d] = await upstreams('a', 'b', 'c', 'd');
    const { proxy, addr } = await startProxy({ services: [service('svc', [a!, b!])] });
    cleanup.push(() => proxy.close());
    const traffic = load(`${addr.url}/svc/x`, 6);
    const sets = [[a!, c!], [c!, d!], [d!, b!], [a!, b!, c!, d!], [b!]];
    let version = 1;
    for (const set of sets) {
      await vi.waitFor(() => expect(a!.received.length + b!.received.length + c!.received.length + d!.received.length).toBeGreaterThan(version * 60), { timeout: 10_000, interval: 10 });
      const policy = version % 2 === 0 ? 'ROUND_ROBIN' : 'LEAST_REQUEST';
      expect(proxy.applyConfig(service('svc', set, { version: ++version, policy: { type: policy } }))).toMatchObject({ applied: true, version });
    }
    await vi.waitFor(() => expect(b!.received.length).toBeGreaterThan(50), { timeout: 10_000, interval: 10 });
    const { total, errors } = await traffic.stop();
    expect(errors).toEqual([]);
    expect(total).toBeGreaterThan(300);
    // Only b is configured now.
    expect(await hits(`${addr.url}/svc/x`, 5)).toEqual(new Map([['b', 5]]));
  });

  it('never applies an older, equal or invalid version and keeps the last good config', async () => {
    const [a, b] = await upstreams('a2', 'b2');
    const { proxy, addr } = await startProxy({ services: [service('svc', [a!], { version: 5 })] });
    cleanup.push(() => proxy.close());
    const older = proxy.applyConfig(service('svc', [b!], { version: 4 }));
    const equal = proxy.applyConfig(service('svc', [b!], { version: 5 }));
    const invalid = proxy.applyConfig({ ...service('svc', [b!], { version: 6 }), instances: [{ id: 'x', address: 'not-an-address' }], policy: { type: 'CONSISTENT_HASH' } });
    expect([older, equal, invalid].map((r) => (r.applied ? 'applied' : r.error.code))).toEqual([
      'SLB_SERVICE_CONFIG_STALE',
      'SLB_SERVICE_CONFIG_STALE',
      'SLB_SERVICE_CONFIG_INVALID',
    ]);
    if (!invalid.applied) expect((invalid.error.details?.issues as Array<{ path: string }>).map((i) => i.path)).toEqual(expect.arrayContaining(['instances[0].address', 'policy.hashOn']));
    expect(await hits(`${addr.url}/svc/x`, 4)).toEqual(new Map([['a2', 4]]));
    const status = proxy.state().status;
    expect(status.appliedVersions).toEqual({ svc: 5 });
    expect(status.lastRejected).toMatchObject({ serviceId: 'svc', version: 6, errorCode: 'SLB_SERVICE_CONFIG_INVALID' });
    // The next valid version is applied.
    expect(proxy.applyConfig(service('svc', [b!], { version: 6 }))).toMatchObject({ applied: true });
    expect(await hits(`${addr.url}/svc/x`, 4)).toEqual(new Map([['b2', 4]]));
  });

  it('with a public key, rejects unsigned, forged and replayed updates', async () => {
    const [a, b] = await upstreams('a3', 'b3');
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const sign = (raw: Record<string, unknown>) => signConfigUpdate(normalizeConfigUpdate(raw).value, privateKey);
    const v1 = sign(service('svc', [a!]));
    const { proxy, addr } = await startProxy({ configPublicKey: publicKey, services: [v1] });
    cleanup.push(() => proxy.close());
    expect((await get(`${addr.url}/svc/x`)).body).toBe('a3');

    const unsigned = proxy.applyConfig(service('svc', [b!], { version: 2 }));
    const forged = proxy.applyConfig({ ...sign(service('svc', [a!], { version: 2 })), instances: [{ id: 'evil', address: b!.address, weight: 1, zone: null, tags: {} }] });
    const wrongKey = proxy.applyConfig(signConfigUpdate(normalizeConfigUpdate(service('svc', [b!], { version: 2 })).value, generateKeyPairSync('ed25519').privateKey));
    const replayed = proxy.applyConfig(v1);
    expect([unsigned, forged, wrongKey, replayed].map((r) => (r.applied ? 'applied' : r.error.code))).toEqual([
      'SLB_SERVICE_CONFIG_UNSIGNED',
      'SLB_SERVICE_CONFIG_FORGED',
      'SLB_SERVICE_CONFIG_FORGED',
      'SLB_SERVICE_CONFIG_STALE',
    ]);
    expect(await hits(`${addr.url}/svc/x`, 3)).toEqual(new Map([['a3', 3]]));
    // Signed JSON (signature as base64) through the admin API is applied.
    const v2 = sign(service('svc', [b!], { version: 2 }));
    const r = await request(`${addr.adminUrl}/admin/config`, { method: 'POST', headers: { authorization: 'Bearer 0123456789abcdef', 'content-type': 'application/json' }, body: JSON.stringify({ ...v2, signature: v2.signature!.toString('base64') }) });
    // No admin token configured in this proxy: the change is refused.
    expect(r.statusCode).toBe(401);
    await r.body.dump();
    expect(proxy.applyConfig({ ...v2, signature: v2.signature!.toString('base64') })).toMatchObject({ applied: true });
    expect(await hits(`${addr.url}/svc/x`, 3)).toEqual(new Map([['b3', 3]]));
  });
});

describe('snapshot', () => {
  it('persists the last good config and decisions atomically and boots from them', async () => {
    const [a, b] = await upstreams('a4', 'b4');
    const dir = await mkdtemp(join(tmpdir(), 'slb-snap-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const first = await startProxy({ snapshotDir: dir, services: [service('svc', [a!, b!], { version: 3 })] });
    first.proxy.applyDecision({
      serviceId: 'svc', version: 9, issuedAtMs: Date.now(), expiresAtMs: Date.now() + 600_000, issuedBy: 'test', configVersion: 3, panic: false,
      instances: [{ instanceId: 'a4', weight: 1, state: 'EJECTED', reason: 'test', stateUntilMs: null }, { instanceId: 'b4', weight: 1, state: 'ACTIVE', reason: '', stateUntilMs: null }],
      evidence: { scores: [], windows: [], sources: [], notes: [] },
    });
    expect(await hits(`${first.addr.url}/svc/x`, 4)).toEqual(new Map([['b4', 4]]));
    await first.proxy.close();
    const saved = JSON.parse(await readFile(join(dir, 'proxy-snapshot.json'), 'utf8')) as { configs: Array<{ version: number }>; decisions: Array<{ version: number }> };
    expect(saved.configs.map((c) => c.version)).toEqual([3]);
    expect(saved.decisions.map((d) => d.version)).toEqual([9]);

    // A new proxy with no config source at all routes from the snapshot, decision included.
    const second = await startProxy({ snapshotDir: dir });
    cleanup.push(() => second.proxy.close());
    expect(second.proxy.state().snapshotLoaded).toBe(true);
    expect(second.proxy.state().status.appliedVersions).toEqual({ svc: 3 });
    expect(await hits(`${second.addr.url}/svc/x`, 4)).toEqual(new Map([['b4', 4]]));
  });

  it('boots from a snapshot a newer version wrote (a field it does not know is dropped, not refused)', async () => {
    const [a] = await upstreams('a6');
    const dir = await mkdtemp(join(tmpdir(), 'slb-snap-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const first = await startProxy({ snapshotDir: dir, services: [service('svc', [a!], { version: 4 })] });
    await first.proxy.close();
    const file = join(dir, 'proxy-snapshot.json');
    const saved = JSON.parse(await readFile(file, 'utf8')) as { configs: Array<Record<string, unknown>> };
    saved.configs[0]!.fieldOfANewerVersion = { enabled: true };
    await writeFile(file, JSON.stringify(saved));

    const second = await startProxy({ snapshotDir: dir });
    cleanup.push(() => second.proxy.close());
    expect(second.proxy.state().snapshotLoaded).toBe(true);
    expect(await hits(`${second.addr.url}/svc/x`, 2)).toEqual(new Map([['a6', 2]]));
    // Everywhere else a config is strict: the same field through the proxy's own API is refused.
    expect(second.proxy.applyConfig({ ...service('svc', [a!], { version: 5 }), fieldOfANewerVersion: { enabled: true } }).applied).toBe(false);
  });

  it('starts without a corrupt snapshot instead of failing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slb-snap-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'proxy-snapshot.json'), '{not json');
    const { proxy, addr } = await startProxy({ snapshotDir: dir });
    cleanup.push(() => proxy.close());
    expect(proxy.state().snapshotLoaded).toBe(false);
    expect((await get(`${addr.url}/svc/x`)).status).toBe(404);
  });
});
