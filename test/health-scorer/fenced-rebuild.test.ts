/**
 * Distributed mode, a failed transaction: another producer takes the scorer's transactional id
 * (as a zombie's successor would), so the scorer's next transaction is fenced. The scorer rebuilds
 * that partition from the committed offsets after a back-off (core's retrier, docs/health-scorer.md)
 * and goes on: every window is published exactly once.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { partitionForKey } from '@slb/core';
import { createHealthScorer, transactionalIdFor, type HealthScorer } from '@slb/health-scorer';
import { kafkaNamespace, type KafkaNamespace } from '../bus/kafka-fixture.js';
import { uniqueName } from '../support/kafka.js';
import { publishWindow, quietKafka, readOutputs, type Outputs, type ProxyProfile } from './support.js';

const SIZE = 1_000;
const T0 = Math.floor((Date.now() - 60_000) / SIZE) * SIZE;
const PROXIES: ProxyProfile[] = [{ proxyId: 'proxy-a', requests: 50, errors5xx: 0, latencyMs: 10 }];

let ns: KafkaNamespace;
let outputs: Outputs | undefined;
let scorer: HealthScorer | undefined;
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  ns = await kafkaNamespace('scorer-fenced');
});

afterAll(async () => {
  await scorer?.stop();
  await outputs?.stop();
  for (const stop of stops) await stop();
});

it('rebuilds a fenced partition after a back-off and publishes every window once', async () => {
  const kafka = quietKafka(ns.brokers, 'scorer-fenced');
  const producer = kafka.producer();
  await producer.connect();
  stops.push(() => producer.disconnect());
  const publish = (w: number) => publishWindow(producer, ns.codec, ns.prefix, { startMs: T0 + w * SIZE, sizeMs: SIZE }, ['checkout'], ['i-1'], PROXIES);
  outputs = await readOutputs(kafka, ns.codec, ns.prefix);

  const registry = new Registry();
  const groupId = uniqueName('scorer-fenced');
  scorer = createHealthScorer({
    transport: { kind: 'kafka', kafka: quietKafka(ns.brokers, 'scorer-fenced-member'), codec: ns.codec, topicPrefix: ns.prefix },
    groupId,
    window: { sizeMs: SIZE, allowedLatenessMs: 500, idleTimeoutMs: 3_600_000 },
    fromBeginning: true,
    registry,
  });
  await scorer.start();
  for (const w of [0, 1, 2]) await publish(w);
  await outputs.aggregated.until(2); // windows 0 and 1

  // Fence the scorer's producer of the partition that holds 'checkout'.
  const fencer = kafka.producer({ transactionalId: transactionalIdFor(groupId, partitionForKey('checkout', 3)), idempotent: true, maxInFlightRequests: 1 });
  await fencer.connect();
  stops.push(() => fencer.disconnect());
  await (await fencer.transaction()).abort();

  for (const w of [3, 4, 5]) await publish(w);
  // Windows 0..4 (5 waits for later data). The output is written in order, so a duplicate of an
  // older window would be among the first five.
  await outputs.aggregated.until(5, 30_000);
  const rebuilds = await registry.getSingleMetric('slb_scorer_state_rebuilds_total')?.get();
  expect(rebuilds?.values.find((v) => v.labels['reason'] === 'transaction-failed')?.value).toBeGreaterThanOrEqual(1);
  expect(outputs.aggregated.items.map((a) => a.windowStartMs - T0)).toEqual([0, 1_000, 2_000, 3_000, 4_000]);
});
