/**
 * Issue 12: `slbctl config push` must not report success for a config that does not run.
 * Against a real proxy (createProxy on the Kafka bus) on the real broker:
 * - a config written with kcat's default partitioner (CRC32) to another partition than the
 *   service's is refused by the proxy (it used to apply it, and every later push "converged"
 *   while changing nothing); the next push really runs;
 * - an older version written after a newer one (kcat, murmur2) does not make slbctl think the
 *   older one is current: `config get` shows the highest version, push goes past it and runs;
 * - when the fleet runs a version slbctl cannot see (a proxy that applied a misplaced record
 *   before it refused them), the push fails loudly, naming the version actually running.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { keyPartition, type ConfigUpdate, type KafkaBus } from '@slb/core';
import { EXIT } from '@slb/slbctl';
import { startProxy, startUpstream, type Upstream } from '../proxy/support.js';
import { uniqueName } from '../support/kafka.js';
import { crcPartition, kcatProduce, keyWhere } from '../bus/kcat.js';
import { configFile, serviceConfig, slbctlNamespace, type SlbctlNamespace } from './support.js';
import type { Proxy } from '@slb/proxy';

const kcatConfig = (serviceId: string, version: number, up: Upstream) =>
  JSON.stringify({ serviceId, version, issuedAtMs: Date.now(), issuedBy: 'kcat', routes: [{ pathPrefix: `/${serviceId}` }], instances: [{ id: up.id, address: up.address }], policy: { type: 'ROUND_ROBIN' } });

describe('slbctl config push tells the truth', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  let ns: SlbctlNamespace;
  let ups: Upstream[];
  let proxy: Proxy;
  let bus: KafkaBus;
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
  });

  beforeAll(async () => {
    ups = await Promise.all(['t-a', 't-b', 't-c'].map((id) => startUpstream(id)));
    cleanup.push(() => Promise.all(ups.map((u) => u.close())));
    ns = await slbctlNamespace('slbctl-truth');
    bus = ns.bus();
    cleanup.push(() => bus.close());
    ({ proxy } = await startProxy({ bus, proxyId: uniqueName('proxy') }));
    cleanup.push(() => proxy.close());
  });

  const running = (serviceId: string) => {
    const s = proxy.controlPlane.service(serviceId);
    return s === undefined ? undefined : { version: s.version, instances: s.config.instances.map((i) => i.id) };
  };
  const pushedVersion = (stdout: string, serviceId: string) => Number(new RegExp(`pushed ${serviceId}@(\\d+)`).exec(stdout)?.[1]);
  /** Written after `serviceId`'s records on `partition`: once the proxy applied it, it has read them. */
  const barrier = async (partition: number, label: string) => {
    const sentinel = keyWhere(`${label}-`, (crc, murmur) => crc === partition && murmur === partition);
    await kcatProduce(ns.brokers, `${ns.prefix}config-updates`, sentinel, kcatConfig(sentinel, 1, ups[0]!), 'murmur2_random');
    await vi.waitFor(() => expect(running(sentinel)).toBeDefined(), { timeout: 20_000, interval: 100 });
  };

  it('a config kcat wrote to the wrong partition is refused; the next push runs exactly what was pushed', async () => {
    // A service whose CRC32 partition (kcat's default) comes before its murmur2 one: slbctl used
    // to read the misplaced record first and take the well-placed, older one as current.
    const svc = keyWhere('shop-', (crc, murmur) => crc < murmur);
    const [a, b, c] = ups as [Upstream, Upstream, Upstream];
    const first = await ns.cli(['config', 'push', await configFile(serviceConfig(svc, [{ id: a.id, address: a.address }])), '--min-proxies', '1']);
    expect(first.code, first.stderr).toBe(EXIT.OK);
    expect(running(svc)).toEqual({ version: 1, instances: [a.id] });

    // As the docs showed it: kcat without a partitioner, so CRC32 puts v100 on another partition.
    await kcatProduce(ns.brokers, `${ns.prefix}config-updates`, svc, kcatConfig(svc, 100, b));
    await barrier(crcPartition(svc, 3), 'barrier-a');
    // (soft: so the push below shows what it reports when these do not hold)
    expect.soft(running(svc), 'the proxy applied the misplaced record').toEqual({ version: 1, instances: [a.id] });
    expect.soft((await ns.json<{ version: number }>(['config', 'get', svc])).version).toBe(1);

    const push = await ns.cli(['config', 'push', await configFile(serviceConfig(svc, [{ id: c.id, address: c.address }]))]);
    // Success is only success if the proxy runs exactly what was pushed.
    expect(push.code, push.stdout + push.stderr).toBe(EXIT.OK);
    expect(running(svc)).toEqual({ version: pushedVersion(push.stdout, svc), instances: [c.id] });
    expect(push.stdout).toContain(`pushed ${svc}@2, replacing v1`);
  });

  it('an older version written after a newer one: config get shows the highest, push goes past it and runs', async () => {
    const svc = keyWhere('cart-', () => true);
    const [a, b, c] = ups as [Upstream, Upstream, Upstream];
    await kcatProduce(ns.brokers, `${ns.prefix}config-updates`, svc, kcatConfig(svc, 50, b), 'murmur2_random');
    await kcatProduce(ns.brokers, `${ns.prefix}config-updates`, svc, kcatConfig(svc, 7, a), 'murmur2_random');
    await barrier(keyPartition(svc, 3), 'barrier-b');
    expect(running(svc)).toEqual({ version: 50, instances: [b.id] });

    const got = await ns.json<ConfigUpdate>(['config', 'get', svc]);
    expect.soft(got.version, 'config get shows the highest version').toBe(50);
    const push = await ns.cli(['config', 'push', await configFile(serviceConfig(svc, [{ id: c.id, address: c.address }]))]);
    expect(push.code, push.stdout + push.stderr).toBe(EXIT.OK);
    expect(running(svc), push.stdout).toEqual({ version: pushedVersion(push.stdout, svc), instances: [c.id] });
    expect(push.stdout).toContain(`pushed ${svc}@51, replacing v50`);
  });

  it('a push the fleet drops as stale fails loudly, naming the version that runs', async () => {
    const svc = keyWhere('pay-', () => true);
    const [a, c] = [ups[0]!, ups[2]!];
    const first = await ns.cli(['config', 'push', await configFile(serviceConfig(svc, [{ id: a.id, address: a.address }])), '--min-proxies', '1']);
    expect(first.code, first.stderr).toBe(EXIT.OK);
    // A proxy that applied a misplaced v100 before consumers refused such records: live, and
    // running a version no record slbctl accepts has.
    await bus.publish('config-status', 'proxy-before-the-fix', { proxyId: 'proxy-before-the-fix', appliedVersions: { [svc]: 100 }, decisionVersions: {}, lastRejected: null, updatedAtMs: Date.now(), snapshotLoaded: false });

    const push = await ns.cli(['config', 'push', await configFile(serviceConfig(svc, [{ id: c.id, address: c.address }]))]);
    expect(push.code, push.stdout + push.stderr).toBe(EXIT.REJECTED);
    expect(push.stderr).toContain(`${svc}@2 was not applied: the fleet dropped it as stale or a replay and runs ${svc}@100`);
    expect(push.stderr).toContain('proxy-before-the-fix runs v100, newer than v2: dropped as stale');
    expect(push.stdout).toMatch(/proxy-before-the-fix\s+stale\s+v100/);
  });
});
