/**
 * A tombstone (null value) for a service's key on config-updates, on the real broker: the
 * controller treats it as a `deleted: true` update (the service is released, late scores do not
 * bring it back, no more decisions, no config to act on) and forgets its version, so a later
 * update re-creates the service whatever its version, as on a member that replays the compacted
 * topic and finds nothing of the service. A member started after the tombstone agrees.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Partitioners, type Producer } from 'kafkajs';
import { uniqueName } from '../support/kafka.js';
import { eventually } from '../bus/collect.js';
import type { KafkaNamespace } from '../bus/kafka-fixture.js';
import { controllerNamespace, serviceConfig, startMember, startScoreFeeder, watchTopic, WINDOW_MS, type ControllerMember } from './support.js';

let ns: KafkaNamespace;
let member: ControllerMember;
let late: ControllerMember | undefined;
let producer: Producer;
let feeder: { stop(): void; windows(): number } | undefined;

beforeAll(async () => {
  ns = await controllerNamespace('ctl-tombstone');
  member = await startMember(ns, 'controller-a');
  producer = ns.admin.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
});

afterAll(async () => {
  feeder?.stop();
  await late?.close();
  await member?.close();
  await producer?.disconnect();
});

async function releases(reason: string): Promise<number> {
  const metric = (await member.registry.getMetricsAsJSON()).find((m) => m.name === 'slb_controller_releases_total');
  return (metric?.values ?? []).filter((v) => v.labels.reason === reason).reduce((sum, v) => sum + v.value, 0);
}

it('a tombstone removes the service as deleted: true does, and a later update of any version re-creates it', async () => {
  const { controller, publisher } = member;
  const serviceId = uniqueName('tomb');
  const decisions = await watchTopic(publisher, 'routing-decisions');
  const config = serviceConfig(serviceId, ['a', 'b']);
  await publisher.publish('config-updates', serviceId, config);
  feeder = startScoreFeeder(publisher, { [serviceId]: { a: 0.95, b: 0.95 } });
  await decisions.waitFor((d) => d.serviceId === serviceId, 'a first decision');

  await producer.send({ topic: `${ns.prefix}config-updates`, acks: -1, messages: [{ key: serviceId, value: null }] });
  await eventually(async () => (await releases('deleted')) === 1, 'the service released as deleted');
  expect(controller.config(serviceId)).toBeUndefined();
  await expect(controller.operatorAction(serviceId, { kind: 'drain', instanceId: 'a' }, 'alice')).rejects.toMatchObject({ code: 'SLB_CONTROLLER_NOT_FOUND' });
  // Late scores keep coming: no owned service again, no decision after the release.
  const published = decisions.items.filter((m) => m.value.serviceId === serviceId).length;
  const seen = feeder.windows();
  await eventually(() => feeder!.windows() >= seen + 12, 'twelve more windows of late scores', 12 * WINDOW_MS * 4);
  expect(controller.services().map((s) => s.serviceId)).not.toContain(serviceId);
  expect(decisions.items.filter((m) => m.value.serviceId === serviceId)).toHaveLength(published);
  expect(await releases('deleted')).toBe(1);

  // A member started now replays the topic (update, tombstone): it has no config either.
  late = await startMember(ns, 'controller-late');
  await eventually(() => late!.controller.config(serviceId) === undefined, 'the late member without the service', 5_000);

  // No version survives the tombstone: one below the removed version re-creates the service.
  const again = { ...config, version: config.version - 1_000, issuedAtMs: config.issuedAtMs + 1 };
  await publisher.publish('config-updates', serviceId, again);
  await eventually(() => controller.config(serviceId)?.version === again.version, 'the service re-created at a lower version');
  await eventually(() => late!.controller.config(serviceId)?.version === again.version, 'the late member agrees');
});
