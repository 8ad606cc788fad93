/**
 * slbctl config push / get / diff / history / rollback on the real broker and registry, with
 * proxies simulated on config-status: a push waits for every live proxy and reports the
 * convergence time; a rejection or a timeout fails it with its own exit code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { normalizeConfigUpdate, verifyConfigUpdate, type ConfigUpdate, type KafkaBus } from '@slb/core';
import { EXIT } from '@slb/slbctl';
import { configFile, serviceConfig, slbctlNamespace, type SlbctlNamespace } from './support.js';
import { goneProxy, simulateProxies, type SimulatedFleet } from './simulated-proxies.js';

interface PushJson {
  serviceId: string;
  version: number;
  previousVersion: number | null;
  signed: boolean;
  convergenceMs: number | null;
  verdict: { state: string; proxies: { proxyId: string; state: string; appliedVersion: number | null }[]; ignored: string[] };
}

describe('slbctl config on the real broker', () => {
  let ns: SlbctlNamespace;
  let bus: KafkaBus;
  let fleet: SimulatedFleet;
  const cleanup: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    ns = await slbctlNamespace('slbctl-config');
    bus = ns.bus();
    cleanup.push(() => bus.close());
    await goneProxy(bus, 'proxy-gone', 3_600_000);
    // p-slow never answers for service "slow"; p-picky rejects service "picky".
    fleet = await simulateProxies(bus, ['proxy-a', 'proxy-b'], (proxyId, u) => (u.serviceId === 'picky' && proxyId === 'proxy-b' ? 'reject' : u.serviceId === 'slow' && proxyId === 'proxy-a' ? 'ignore' : 'apply'));
    cleanup.push(() => fleet.close());
  });
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
  });

  it('pushes, waits for every live proxy, reports the convergence time and ignores a gone proxy', async () => {
    const file = await configFile(serviceConfig('checkout', [{ id: 'c1', address: '127.0.0.1:9001' }, { id: 'c2', address: '127.0.0.1:9002' }]));
    const first = await ns.json<PushJson>(['config', 'push', file]);
    expect(first).toMatchObject({ serviceId: 'checkout', version: 1, previousVersion: null, signed: false });
    expect(first.verdict.state).toBe('converged');
    expect(first.verdict.proxies.map((p) => [p.proxyId, p.state, p.appliedVersion])).toEqual([
      ['proxy-a', 'applied', 1],
      ['proxy-b', 'applied', 1],
    ]);
    expect(first.verdict.ignored).toEqual(['proxy-gone']);
    expect(first.convergenceMs).toEqual(expect.any(Number));

    // Human output: one line with the convergence time.
    const file2 = await configFile(serviceConfig('checkout', [{ id: 'c1', address: '127.0.0.1:9001', weight: 3 }, { id: 'c2', address: '127.0.0.1:9002' }]));
    const second = await ns.cli(['config', 'push', file2]);
    expect(second.code, second.stderr).toBe(EXIT.OK);
    expect(second.stdout).toContain('pushed checkout@2, replacing v1');
    expect(second.stdout).toMatch(/converged on 2 live proxies in \d+(\.\d+)?m?s/);
  });

  it('gets, lists, diffs and shows the history of a service (config-updates + audit-logs)', async () => {
    const current = await ns.json<ConfigUpdate & { signature: string | null }>(['config', 'get', 'checkout']);
    expect(current).toMatchObject({ serviceId: 'checkout', version: 2, previousVersion: 1, issuedBy: 'tester' });
    const yaml = await ns.cli(['config', 'get', 'checkout']);
    expect(yaml.stdout).toContain('serviceId: checkout');

    const list = await ns.json<{ services: { serviceId: string; version: number }[] }>(['config', 'get']);
    expect(list.services.find((s) => s.serviceId === 'checkout')?.version).toBe(2);

    const byVersion = await ns.json<{ changes: { kind: string; path: string; from: unknown; to: unknown }[] }>(['config', 'diff', 'checkout', '--from', '1', '--to', '2']);
    expect(byVersion.changes).toEqual([{ kind: 'changed', path: 'instances[0].weight', from: 1, to: 3 }]);
    const proposed = await configFile(serviceConfig('checkout', [{ id: 'c1', address: '127.0.0.1:9001', weight: 3 }, { id: 'c3', address: '127.0.0.1:9003' }]));
    const vsFile = await ns.cli(['config', 'diff', 'checkout', proposed]);
    expect(vsFile.code).toBe(EXIT.OK);
    expect(vsFile.stdout).toContain('~ instances[1].id: "c2" -> "c3"');

    const history = await ns.json<{ versions: { version: number; sources: string[] }[] }>(['config', 'history', 'checkout']);
    expect(history.versions.map((v) => v.version)).toEqual([1, 2]);
    for (const v of history.versions) {
      expect(v.sources.some((s) => s.startsWith('config-updates '))).toBe(true);
      expect(v.sources.some((s) => s.startsWith('audit-logs config.push by tester'))).toBe(true);
    }
  });

  it('keeps versions past compaction through audit-logs, and rolls back to one', async () => {
    // "legacy": v1 is only on audit-logs (its config-updates record compacted away), v2 on both.
    const v1 = { ...serviceConfig('legacy', [{ id: 'old', address: '127.0.0.1:9100' }]), version: 1, issuedAtMs: 1, issuedBy: 'someone' };
    const v2 = normalizeConfigUpdate({ ...serviceConfig('legacy', [{ id: 'new', address: '127.0.0.1:9101' }]), version: 2, previousVersion: 1, issuedAtMs: 2, issuedBy: 'someone' }).value;
    const audit = (version: number, after: unknown) => ({
      auditId: `legacy-${version}`, atMs: Date.now(), actor: 'someone', role: 'slbctl', action: 'config.push', entityType: 'service', entityId: 'legacy',
      before: null, after: JSON.stringify(after), reason: 'earlier push', evidence: null,
    });
    await bus.publish('audit-logs', 'legacy', audit(1, v1));
    await bus.publish('audit-logs', 'legacy', audit(2, { ...v2, signature: null }));
    await bus.publish('config-updates', 'legacy', v2);

    const history = await ns.json<{ versions: { version: number; sources: string[] }[] }>(['config', 'history', 'legacy']);
    expect(history.versions.map((v) => [v.version, v.sources.map((x) => x.split(' ')[0])])).toEqual([
      [1, ['audit-logs']],
      [2, ['config-updates', 'audit-logs']],
    ]);

    // Default target: the version before the current one, here known only from the audit trail.
    const rolled = await ns.json<PushJson>(['config', 'rollback', 'legacy']);
    expect(rolled).toMatchObject({ serviceId: 'legacy', version: 3, previousVersion: 2 });
    expect(rolled.verdict.state).toBe('converged');
    expect((await ns.json<ConfigUpdate>(['config', 'get', 'legacy'])).instances.map((i) => i.id)).toEqual(['old']);

    // --to: any version of the history.
    const forward = await ns.json<PushJson>(['config', 'rollback', 'checkout', '--to', '1']);
    expect(forward).toMatchObject({ version: 3, previousVersion: 2 });
    expect((await ns.json<ConfigUpdate>(['config', 'get', 'checkout'])).instances.map((i) => i.weight)).toEqual([1, 1]);
    expect((await ns.json<ConfigUpdate>(['config', 'get', 'checkout', '--at', '2'])).instances.map((i) => i.weight)).toEqual([3, 1]);
    const back = await ns.json<PushJson>(['config', 'rollback', 'checkout']);
    expect(back.version).toBe(4);
    expect((await ns.json<ConfigUpdate>(['config', 'get', 'checkout'])).instances.map((i) => i.weight)).toEqual([3, 1]);
  });

  it('signs with an Ed25519 key so the update verifies with the public key', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const keyFile = await configFile({}, 'key.pem');
    await writeFile(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const file = await configFile(serviceConfig('signed', [{ id: 's1', address: '127.0.0.1:9201' }]));
    const pushed = await ns.json<PushJson>(['config', 'push', file, '--sign-key', keyFile]);
    expect(pushed.signed).toBe(true);
    const view = await bus.watchLatest('config-updates');
    await view.caughtUp;
    const update = view.get('signed')!;
    await view.close();
    expect(verifyConfigUpdate(update, publicKey)).toBe(true);
    expect(verifyConfigUpdate({ ...update, version: update.version + 1 }, publicKey)).toBe(false);
  });

  it('fails with exit 6 and the reason when a proxy rejects the version', async () => {
    const file = await configFile(serviceConfig('picky', [{ id: 'p1', address: '127.0.0.1:9301' }]));
    const r = await ns.cli(['config', 'push', file]);
    expect(r.code).toBe(EXIT.REJECTED);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('picky@1 was rejected by proxy-b (SLB_SERVICE_CONFIG_INVALID: route /x already belongs to service other)');
  });

  it('fails with exit 5 naming the proxy that did not apply it within --timeout', async () => {
    const file = await configFile(serviceConfig('slow', [{ id: 'w1', address: '127.0.0.1:9401' }]));
    const r = await ns.cli(['--timeout', '3s', 'config', 'push', file]);
    expect(r.code).toBe(EXIT.NOT_CONVERGED);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('slow@1 was pushed but not applied within 3.00s by 1 of 2 live proxies: proxy-a (at none)');
    // --no-wait returns once the broker has it.
    const file2 = await configFile(serviceConfig('slow', [{ id: 'w1', address: '127.0.0.1:9401', weight: 2 }]));
    const nowait = await ns.json<PushJson>(['config', 'push', file2, '--no-wait']);
    expect(nowait).toMatchObject({ version: 2, verdict: null, convergenceMs: null });
  });

  it('refuses a stale version and a file written against another version (exit 3)', async () => {
    const stale = await configFile({ ...serviceConfig('checkout', [{ id: 'c1', address: '127.0.0.1:9001' }]), version: 2 });
    const r = await ns.cli(['config', 'push', stale]);
    expect(r.code).toBe(EXIT.INVALID_CONFIG);
    expect(r.stderr).toMatch(/version 2 is not newer than the current version 4 of checkout/);
    const behind = await configFile({ ...serviceConfig('checkout', [{ id: 'c1', address: '127.0.0.1:9001' }]), previousVersion: 3 });
    const r2 = await ns.cli(['config', 'push', behind]);
    expect(r2.code).toBe(EXIT.INVALID_CONFIG);
    expect(r2.stderr).toContain('written against version 3 of checkout, but the current version is 4');
  });

  it('round-trips a config through get --editable, refusing it once someone else pushed', async () => {
    const text = await ns.cli(['config', 'get', 'checkout', '--editable']);
    expect(text.stdout).toMatch(/^serviceId: checkout\npreviousVersion: 4\n/);
    expect(text.stdout).not.toMatch(/^(version|issuedAtMs|issuedBy|signature):/m);
    const edited = await configFile({}, 'edited.yaml');
    await writeFile(edited, text.stdout.replace('weight: 3', 'weight: 5'));
    // diff shows what the edited file would change, before it is pushed.
    const diff = await ns.cli(['config', 'diff', 'checkout', edited]);
    expect(diff.code, diff.stderr).toBe(EXIT.OK);
    expect(diff.stdout).toMatch(/checkout: v4 -> .*edited\.yaml: 1 change/);
    expect(diff.stdout).toMatch(/weight.*3.*5/);
    const pushed = await ns.json<PushJson>(['config', 'push', edited]);
    expect(pushed).toMatchObject({ version: 5, previousVersion: 4 });
    expect((await ns.json<ConfigUpdate>(['config', 'get', 'checkout'])).instances[0]?.weight).toBe(5);
    const again = await ns.cli(['config', 'push', edited]);
    expect(again.code).toBe(EXIT.INVALID_CONFIG);
    expect(again.stderr).toContain('written against version 4 of checkout, but the current version is 5');
  });

  it('answers "not found" for an unknown service or version (exit 1)', async () => {
    for (const args of [['config', 'get', 'nope'], ['config', 'history', 'nope'], ['config', 'get', 'checkout', '--at', '99'], ['config', 'rollback', 'checkout', '--to', '99']]) {
      const r = await ns.cli(args);
      expect(r.code, args.join(' ')).toBe(EXIT.FAILURE);
      expect(r.stderr).toContain('SLB_CLI_NOT_FOUND');
    }
  });
});
