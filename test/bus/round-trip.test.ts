/**
 * Done-when: every topic's event round-trips through the Kafka bus and the registry codec;
 * config-updates also arrive as plain JSON (kcat, Kafka UI); telemetry survives each compression
 * codec the bus offers.
 */
import { Partitioners } from 'kafkajs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TOPIC_NAMES, eventToJson, exampleEvents, type Delivered, type KafkaBus, type TopicName } from '@slb/core';
import { collector } from './collect.js';
import { kafkaNamespace, type KafkaNamespace } from './kafka-fixture.js';

let ns: KafkaNamespace;
let bus: KafkaBus;

beforeAll(async () => {
  ns = await kafkaNamespace('round-trip');
  bus = ns.bus();
});
afterAll(async () => {
  await bus?.close();
});

it('round-trips the example event of every topic', async () => {
  const examples = exampleEvents();
  const got = collector<Delivered<TopicName>>('round trip');
  const sub = await bus.subscribe(TOPIC_NAMES, { groupId: 'all-topics', fromBeginning: true }, (m) => got.push(m));
  await Promise.all(TOPIC_NAMES.map((topic) => bus.publish(topic, `key-${topic}`, examples[topic])));
  const delivered = await got.until(TOPIC_NAMES.length);
  await sub.stop();
  for (const topic of TOPIC_NAMES) {
    const message = delivered.find((m) => m.topic === topic);
    expect(message?.key, topic).toBe(`key-${topic}`);
    expect(message?.value, topic).toEqual(examples[topic]);
  }
});

it('accepts config-updates written as plain JSON, validated against the same schema', async () => {
  const update = { ...exampleEvents()['config-updates'], serviceId: 'json-svc', version: 9 };
  const got = collector<Delivered<'config-updates'>>('json');
  const dead = collector<Delivered<'dead-letters'>>('dead');
  const sub = await bus.subscribe(['config-updates'], { groupId: 'json-reader', fromBeginning: true }, (m) => {
    if (m.key === 'json-svc') got.push(m);
  });
  const dlq = await bus.subscribe(['dead-letters'], { groupId: 'json-dlq', fromBeginning: true }, (m) => {
    if (m.value.originalTopic === 'config-updates') dead.push(m);
  });
  const raw = ns.admin.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await raw.connect();
  await raw.send({
    topic: `${ns.prefix}config-updates`,
    messages: [
      { key: 'json-svc', value: JSON.stringify({ ...(eventToJson('config-updates', update) as object), version: -1 }) },
      { key: 'json-svc', value: JSON.stringify(eventToJson('config-updates', update)) },
    ],
  });
  await raw.disconnect();
  const [message] = await got.until(1);
  const [letter] = await dead.until(1);
  await Promise.all([sub.stop(), dlq.stop()]);
  expect(message!.value).toEqual(update);
  expect(letter!.value.errorCode).toBe('SLB_EVENT_INVALID');
});

it.each(['gzip', 'snappy', 'lz4', 'zstd', 'none'] as const)('delivers telemetry compressed with %s', async (compression) => {
  const sender = ns.bus({ telemetry: { compression } });
  const key = `compressed-${compression}`;
  const got = collector<Delivered<'service-metrics'>>(compression);
  const sub = await bus.subscribe(['service-metrics'], { groupId: `codec-${compression}`, fromBeginning: true }, (m) => {
    if (m.key === key) got.push(m);
  });
  const sample = { ...exampleEvents()['service-metrics'], serviceId: key };
  for (let i = 0; i < 50; i += 1) sender.publishTelemetry('service-metrics', key, { ...sample, requests: i });
  const delivered = await got.until(50);
  await Promise.all([sub.stop(), sender.close()]);
  expect(delivered.map((m) => m.value.requests)).toEqual(Array.from({ length: 50 }, (_, i) => i));
});
