/**
 * A deleted service stays deleted on the real broker: health scores that keep arriving for it
 * after the deletion (a scorer still flushing windows) neither bring it back into the
 * controller's owned services nor make it recreate and release the service on every batch.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import type { KafkaBus } from '@slb/core';
import { createController, type Controller } from '@slb/controller';
import { uniqueName } from '../support/kafka.js';
import { eventually } from '../bus/collect.js';
import { controllerNamespace, serviceConfig, startScoreFeeder, TEST_POLICY, watchTopic, WINDOW_MS } from './support.js';

let publisher: KafkaBus;
let controllerBus: KafkaBus;
let controller: Controller;
let registry: Registry;
let feeder: { stop(): void; windows(): number } | undefined;

beforeAll(async () => {
  const ns = await controllerNamespace('ctl-deleted');
  publisher = ns.bus();
  registry = new Registry();
  controllerBus = ns.bus({ registry });
  controller = createController({ bus: controllerBus, member: 'controller-a', groupId: uniqueName('controller'), fromBeginning: true, policy: TEST_POLICY, batchMs: 100, tickMs: 250, registry });
  await controller.start();
});

afterAll(async () => {
  feeder?.stop();
  await controller?.stop();
  await controllerBus?.close();
  await publisher?.close();
});

async function releases(reason: string): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === 'slb_controller_releases_total');
  return (metric?.values ?? []).filter((v) => v.labels.reason === reason).reduce((sum, v) => sum + v.value, 0);
}

it('late scores of a deleted service do not bring it back', async () => {
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
