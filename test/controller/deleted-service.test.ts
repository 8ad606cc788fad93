/**
 * A deleted service stays deleted on the real broker: health scores that keep arriving for it
 * after the deletion (a scorer still flushing windows) neither bring it back into the
 * controller's owned services nor make it recreate and release the service on every batch.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { uniqueName } from '../support/kafka.js';
import { eventually } from '../bus/collect.js';
import { controllerNamespace, serviceConfig, startMember, startScoreFeeder, watchTopic, WINDOW_MS, type ControllerMember } from './support.js';

let member: ControllerMember;
let feeder: { stop(): void; windows(): number } | undefined;

beforeAll(async () => {
  member = await startMember(await controllerNamespace('ctl-deleted'), 'controller-a');
});

afterAll(async () => {
  feeder?.stop();
  await member?.close();
});

async function releases(reason: string): Promise<number> {
  const metric = (await member.registry.getMetricsAsJSON()).find((m) => m.name === 'slb_controller_releases_total');
  return (metric?.values ?? []).filter((v) => v.labels.reason === reason).reduce((sum, v) => sum + v.value, 0);
}

it('late scores of a deleted service do not bring it back', async () => {
  const { controller, publisher } = member;
  const serviceId = uniqueName('gone');
  const decisions = await watchTopic(publisher, 'routing-decisions');
  const config = serviceConfig(serviceId, ['a', 'b']);
  await publisher.publish('config-updates', serviceId, config);
  feeder = startScoreFeeder(publisher, { [serviceId]: { a: 0.95, b: 0.95 } });
  await decisions.waitFor((d) => d.serviceId === serviceId, 'a first decision');

  await publisher.publish('config-updates', serviceId, { ...config, version: config.version + 1, previousVersion: config.version, issuedAtMs: config.issuedAtMs + 1, deleted: true });
  await eventually(async () => (await releases('deleted')) === 1, 'the service released as deleted');
  // The feeder goes on publishing windows for it; give it a good many batches.
  const seen = feeder.windows();
  await eventually(() => feeder!.windows() >= seen + 12, 'twelve more windows of late scores', 12 * WINDOW_MS * 4);
  expect(controller.services().map((s) => s.serviceId)).not.toContain(serviceId);
  expect(await releases('deleted')).toBe(1);
});
