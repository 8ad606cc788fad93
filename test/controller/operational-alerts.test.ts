/**
 * The controller's operational alerts on the real broker: PROXY_STALE fires for a proxy whose
 * config-status shows it has not applied the service's latest decision within the grace, and
 * resolves when it catches up; CONSUMER_LAG fires from committed-vs-end offsets read with the
 * Kafka admin client (here for a group that never consumed, so its lag is every message).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ConfigStatus, KafkaBus } from '@slb/core';
import { createController, createKafkaLagReader, type Controller, type KafkaLagReader } from '@slb/controller';
import { uniqueName } from '../support/kafka.js';
import type { KafkaNamespace } from '../bus/kafka-fixture.js';
import { controllerNamespace, serviceConfig, startScoreFeeder, TEST_POLICY, watchTopic } from './support.js';

let ns: KafkaNamespace;
let publisher: KafkaBus;
let controllerBus: KafkaBus;
let controller: Controller;
let lag: KafkaLagReader;
let feeder: { stop(): void } | undefined;
const idleGroup = uniqueName('never-consumes');

beforeAll(async () => {
  ns = await controllerNamespace('ctl-ops');
  publisher = ns.bus();
  controllerBus = ns.bus();
  lag = createKafkaLagReader(ns.admin, ns.prefix + idleGroup, [{ logical: 'health-scores', physical: `${ns.prefix}health-scores` }]);
  controller = createController({
    bus: controllerBus,
    member: 'controller-ops',
    groupId: uniqueName('controller'),
    fromBeginning: true,
    policy: TEST_POLICY,
    alertPolicy: { resolveHoldMs: 200 },
    batchMs: 100,
    tickMs: 250,
    proxyStaleGraceMs: 1_000,
    lagReader: async () => (await lag.read()).map((s) => ({ ...s, groupId: idleGroup })),
    lagThreshold: 5,
    lagIntervalMs: 300,
  });
  await controller.start();
});

afterAll(async () => {
  feeder?.stop();
  await controller?.stop();
  await lag?.close();
  await controllerBus?.close();
  await publisher?.close();
});

it('raises PROXY_STALE for a proxy behind on decisions and resolves it when it catches up; raises CONSUMER_LAG from broker offsets', async () => {
  const serviceId = uniqueName('search');
  const alerts = await watchTopic(publisher, 'alerts');
  const decisions = await watchTopic(publisher, 'routing-decisions');
  const config = serviceConfig(serviceId, ['s1', 's2']);
  await publisher.publish('config-updates', serviceId, config);
  feeder = startScoreFeeder(publisher, { [serviceId]: { s1: 0.95, s2: 0.95 } });
  const first = await decisions.waitFor((d) => d.serviceId === serviceId, 'a decision');

  const status = (decisionVersion: number): ConfigStatus => ({
    proxyId: 'proxy-slow',
    appliedVersions: { [serviceId]: config.version },
    decisionVersions: { [serviceId]: decisionVersion },
    lastRejected: null,
    updatedAtMs: Date.now(),
    snapshotLoaded: false,
  });
  // The proxy reports a version older than the first decision and never moves.
  await publisher.publish('config-status', 'proxy-slow', status(first.version - 1));
  const stale = await alerts.waitFor((a) => a.serviceId === serviceId && a.name === 'PROXY_STALE' && a.state === 'FIRING', 'PROXY_STALE firing', 20_000);
  expect(stale.labels['proxyId']).toBe('proxy-slow');
  expect(stale.dedupKey).toBe(`PROXY_STALE/${serviceId}/proxy-slow`);

  // It catches up with everything published so far (and keeps up from here).
  const catchUp = setInterval(() => {
    const newest = decisions.items.filter((m) => m.key === serviceId).at(-1)?.value.version ?? first.version;
    void publisher.publish('config-status', 'proxy-slow', status(newest)).catch(() => undefined);
  }, 200);
  try {
    await alerts.waitFor((a) => a.serviceId === serviceId && a.name === 'PROXY_STALE' && a.state === 'RESOLVED', 'PROXY_STALE resolved', 20_000);
  } finally {
    clearInterval(catchUp);
  }

  const lagging = await alerts.waitFor((a) => a.name === 'CONSUMER_LAG' && a.state === 'FIRING' && a.labels['subject']?.startsWith(`${idleGroup}/health-scores/`) === true, 'CONSUMER_LAG firing', 20_000);
  expect(lagging.serviceId).toBe('_global');
  expect(lagging.summary).toMatch(/messages behind on health-scores/);
});
