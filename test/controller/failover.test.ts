/**
 * Failover on the real broker: controller A decides for services on every partition; B joins
 * the group and takes a share; A is killed and B takes every service over from the latest
 * routing decisions — an ejected instance stays ejected (state rebuilt, not reset), and when it
 * recovers B resolves the alert A raised; the routing-decisions topic shows, per service,
 * strictly increasing versions with no duplicate.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { partitionForKey, type KafkaBus } from '@slb/core';
import { createController, type Controller } from '@slb/controller';
import { uniqueName } from '../support/kafka.js';
import type { KafkaNamespace } from '../bus/kafka-fixture.js';
import { controllerNamespace, serviceConfig, startScoreFeeder, TEST_POLICY, watchTopic } from './support.js';
import { eventually } from '../bus/collect.js';

let ns: KafkaNamespace;
let publisher: KafkaBus;
const buses: KafkaBus[] = [];
const controllers: Controller[] = [];
let feeder: { stop(): void } | undefined;
const groupId = uniqueName('controller');

function member(name: string): Controller {
  const bus = ns.bus();
  buses.push(bus);
  const c = createController({
    bus,
    member: name,
    groupId,
    fromBeginning: true,
    policy: TEST_POLICY,
    alertPolicy: { resolveHoldMs: 300 },
    batchMs: 100,
    tickMs: 250,
    ownershipTtlMs: 3_000,
  });
  controllers.push(c);
  return c;
}

beforeAll(async () => {
  ns = await controllerNamespace('ctl-failover');
  publisher = ns.bus();
});

afterAll(async () => {
  feeder?.stop();
  await Promise.allSettled(controllers.map((c) => c.stop()));
  await Promise.allSettled(buses.map((b) => b.close()));
  await publisher?.close();
});

it('continues decisions after a member joins and another dies, with increasing, unique versions and kept ejections', async () => {
  // Two services on each of the three partitions.
  const services: string[] = [];
  const perPartition = [0, 0, 0];
  while (services.length < 6) {
    const id = uniqueName('svc');
    const p = partitionForKey(id, 3);
    if (perPartition[p]! < 2) {
      perPartition[p]! += 1;
      services.push(id);
    }
  }
  const decisions = await watchTopic(publisher, 'routing-decisions');
  const scores: Record<string, Record<string, number>> = {};
  for (const id of services) {
    await publisher.publish('config-updates', id, serviceConfig(id, ['n1', 'n2', 'n3', 'n4']));
    scores[id] = { n1: 0.95, n2: 0.95, n3: 0.95, n4: id === services[0] || id === services[1] ? 0.05 : 0.95 };
  }

  const a = member('controller-a');
  await a.start();
  feeder = startScoreFeeder(publisher, scores);
  const latestOf = (id: string) => decisions.items.filter((m) => m.key === id).at(-1)?.value;
  await eventually(() => services.every((id) => latestOf(id)?.issuedBy === 'controller-a'), 'A decides for every service', 30_000);
  for (const id of services.slice(0, 2)) {
    await decisions.waitFor((d) => d.serviceId === id && d.instances.some((i) => i.instanceId === 'n4' && i.state === 'EJECTED'), `n4 of ${id} ejected`);
  }

  // B joins: the group rebalances and B takes a share of the services.
  const b = member('controller-b');
  await b.start();
  await eventually(() => services.some((id) => latestOf(id)?.issuedBy === 'controller-b'), 'B decides for some service', 45_000);

  // A dies: B takes every service over.
  const killedAt = Date.now();
  await a.stop();
  await buses[0]!.close();
  await eventually(() => services.every((id) => latestOf(id)?.issuedBy === 'controller-b' && latestOf(id)!.issuedAtMs > killedAt), 'B decides for every service', 45_000);

  // The ejected instances stayed ejected through both handovers: state rebuilt, not reset.
  for (const id of services.slice(0, 2)) {
    const fromB = decisions.items.filter((m) => m.key === id && m.value.issuedBy === 'controller-b').map((m) => m.value);
    expect(fromB.length).toBeGreaterThan(0);
    for (const d of fromB) expect(d.instances.find((i) => i.instanceId === 'n4')?.state).toBe('EJECTED');
  }
  // Healthy instances were not reset to a slow start by the takeover.
  for (const id of services.slice(2)) {
    const firstFromB = decisions.items.find((m) => m.key === id && m.value.issuedBy === 'controller-b')!.value;
    expect(firstFromB.instances.every((i) => i.state === 'ACTIVE' && i.weight === 1)).toBe(true);
  }
  // The bad instances recover: B returns them and resolves the INSTANCE_EJECTED alerts A raised.
  const alerts = await watchTopic(publisher, 'alerts');
  for (const id of services.slice(0, 2)) scores[id]!.n4 = 0.95;
  for (const id of services.slice(0, 2)) {
    const fired = await alerts.waitFor((x) => x.dedupKey === `INSTANCE_EJECTED/${id}/n4` && x.state === 'FIRING', `INSTANCE_EJECTED firing for ${id}`);
    expect(fired.labels['member']).toBe('controller-a');
    const resolved = await alerts.waitFor((x) => x.dedupKey === fired.dedupKey && x.state === 'RESOLVED', `INSTANCE_EJECTED resolved for ${id}`, 30_000);
    expect(resolved.labels['member']).toBe('controller-b');
    // B adopted A's alert rather than raising a second one.
    expect(alerts.items.filter((m) => m.value.dedupKey === fired.dedupKey && m.value.state === 'FIRING').map((m) => m.value.labels['member'])).toEqual(['controller-a']);
  }

  // Per service, in topic order: strictly increasing versions, no duplicates.
  for (const id of services) {
    const versions = decisions.items.filter((m) => m.key === id).map((m) => m.value.version);
    expect(versions.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < versions.length; i += 1) expect(versions[i]!).toBeGreaterThan(versions[i - 1]!);
  }
});
