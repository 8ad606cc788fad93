/**
 * Distributed mode, bad input: undecodable bytes and an impossible report on service-metrics go
 * to dead-letters (inside the scorer's transactions, so read_committed sees each once) with
 * their error code, and the windows around them are published as if they were not there.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DeadLetter } from '@slb/core';
import { createHealthScorer, type HealthScorer } from '@slb/health-scorer';
import { kafkaNamespace, type KafkaNamespace } from '../bus/kafka-fixture.js';
import { collector } from '../bus/collect.js';
import { uniqueName } from '../support/kafka.js';
import { metricsRecord, publishWindow, quietKafka, readOutputs, type Outputs, type ProxyProfile } from './support.js';

const SIZE = 1_000;
const T0 = Math.floor((Date.now() - 60_000) / SIZE) * SIZE;
const PROXIES: ProxyProfile[] = [
  { proxyId: 'proxy-a', requests: 60, errors5xx: 0, latencyMs: 10 },
  { proxyId: 'proxy-b', requests: 40, errors5xx: 0, latencyMs: 20 },
];

let ns: KafkaNamespace;
let outputs: Outputs;
let scorer: HealthScorer | undefined;
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  ns = await kafkaNamespace('scorer-dlq');
});

afterAll(async () => {
  await scorer?.stop();
  await outputs?.stop();
  for (const stop of stops) await stop();
});

it('dead-letters undecodable and invalid reports once and keeps scoring', async () => {
  const kafka = quietKafka(ns.brokers, 'scorer-dlq');
  const producer = kafka.producer();
  await producer.connect();
  stops.push(() => producer.disconnect());
  const topic = `${ns.prefix}service-metrics`;
  await publishWindow(producer, ns.codec, ns.prefix, { startMs: T0, sizeMs: SIZE }, ['checkout'], ['i-1'], PROXIES);
  const impossible = metricsRecord({ proxyId: 'proxy-c', requests: 1, errors5xx: 0, latencyMs: 1 }, 'checkout', 'i-1', T0 + SIZE, SIZE);
  await producer.send({
    topic,
    messages: [
      { key: 'checkout', value: Buffer.from('not avro at all') },
      // Decodes, but claims more errors than requests.
      { key: 'checkout', value: await ns.codec.encode('service-metrics', { ...impossible, errors: { ...impossible.errors, status5xx: 3 } }) },
    ],
  });
  for (const w of [1, 2, 3]) await publishWindow(producer, ns.codec, ns.prefix, { startMs: T0 + w * SIZE, sizeMs: SIZE }, ['checkout'], ['i-1'], PROXIES);

  const deadLetters = collector<DeadLetter>('dead-letters');
  const reader = kafka.consumer({ groupId: uniqueName('dlq-reader'), readUncommitted: false, maxWaitTimeInMs: 100 });
  await reader.connect();
  stops.push(() => reader.disconnect());
  await reader.subscribe({ topics: [`${ns.prefix}dead-letters`], fromBeginning: true });
  await reader.run({ eachMessage: async ({ message }) => deadLetters.push(await ns.codec.decode('dead-letters', message.value!)) });
  outputs = await readOutputs(kafka, ns.codec, ns.prefix);

  scorer = createHealthScorer({
    transport: { kind: 'kafka', kafka: quietKafka(ns.brokers, 'scorer-dlq-member'), codec: ns.codec, topicPrefix: ns.prefix },
    groupId: uniqueName('scorer-dlq'),
    window: { sizeMs: SIZE, allowedLatenessMs: 500, idleTimeoutMs: 3_600_000 },
    fromBeginning: true,
  });
  await scorer.start();

  // Windows 0..2 close by event time (window 3 waits for later data).
  await outputs.aggregated.until(3);
  await deadLetters.until(2);
  expect(outputs.aggregated.items.map((a) => [a.windowStartMs - T0, a.requests, a.proxiesReporting])).toEqual([
    [0, 100, 2],
    [1_000, 100, 2],
    [2_000, 100, 2],
  ]);
  expect(deadLetters.items.map((d) => [d.originalTopic, d.errorCode])).toEqual([
    ['service-metrics', 'SLB_EVENT_UNDECODABLE'],
    ['service-metrics', 'SLB_EVENT_INVALID'],
  ]);
  expect(deadLetters.items[0]!.value.toString()).toBe('not avro at all');
});
