/**
 * Done-when: poison messages (bad magic byte, unknown schema id, valid Avro failing validation,
 * 2 MB of garbage) land in dead-letters with their origin while the consumer goes on to the next
 * valid message. The poison is produced as raw bytes with a plain kafkajs producer.
 */
import { randomBytes } from 'node:crypto';
import avro from 'avsc';
import { Partitioners, type RecordMetadata } from 'kafkajs';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { frame, topicSchema, type Delivered, type KafkaBus } from '@slb/core';
import { audit } from './behaviour.js';
import { collector } from './collect.js';
import { kafkaNamespace, type KafkaNamespace } from './kafka-fixture.js';

let ns: KafkaNamespace;
let bus: KafkaBus;
const registry = new Registry();

beforeAll(async () => {
  ns = await kafkaNamespace('poison');
  bus = ns.bus({ registry });
});
afterAll(async () => {
  await bus?.close();
});

it('dead-letters each poison message with its origin and goes on to the next valid one', async () => {
  const key = 'checkout';
  const handled = collector<Delivered<'audit-logs'>>('handled');
  const dead = collector<Delivered<'dead-letters'>>('dead letters');
  const group = 'auditor';
  const dlq = await bus.subscribe(['dead-letters'], { groupId: 'dlq-reader', fromBeginning: true }, (m) => dead.push(m));
  const sub = await bus.subscribe(['audit-logs'], { groupId: group, fromBeginning: true }, (m) => handled.push(m));

  // A real schema id, to frame valid Avro that breaks a rule the schema cannot express.
  const schemaId = (await ns.codec.encode('audit-logs', audit(key, 0))).readInt32BE(1);
  const avroBody = avro.Type.forSchema(topicSchema('audit-logs') as avro.Schema).toBuffer({ ...audit(key, 0), auditId: '' });
  const garbage = randomBytes(2 * 1024 * 1024);
  garbage[0] = 0x7f; // not the magic byte, whatever the random draw
  const poison: { name: string; value: Buffer; code: string }[] = [
    { name: 'bad magic byte', value: Buffer.concat([Buffer.from([1]), Buffer.alloc(4), Buffer.from('hello')]), code: 'SLB_EVENT_UNDECODABLE' },
    { name: 'unknown schema id', value: frame(2_000_000_123, Buffer.from([2, 0])), code: 'SLB_EVENT_UNDECODABLE' },
    { name: 'valid Avro, invalid event', value: frame(schemaId, avroBody), code: 'SLB_EVENT_INVALID' },
    { name: '2 MB of garbage', value: garbage, code: 'SLB_EVENT_UNDECODABLE' },
  ];

  const raw = ns.admin.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await raw.connect();
  const written: RecordMetadata[] = [];
  for (const p of poison) {
    const [meta] = await raw.send({ topic: `${ns.prefix}audit-logs`, acks: -1, messages: [{ key, value: p.value, headers: { poison: p.name } }] });
    written.push(meta!);
  }
  await raw.disconnect();
  await bus.publish('audit-logs', key, audit(key, 7));

  const [next] = await handled.until(1);
  expect(next!.value.auditId).toBe('au-7');
  const letters = (await dead.until(poison.length)).map((m) => m.value);
  await Promise.all([sub.stop(), dlq.stop()]);

  expect(handled.items).toHaveLength(1);
  letters.forEach((letter, i) => {
    const p = poison[i]!;
    expect(letter, p.name).toMatchObject({
      originalTopic: 'audit-logs',
      partition: written[i]!.partition,
      offset: Number(written[i]!.baseOffset),
      errorCode: p.code,
      consumerGroup: `${ns.prefix}${group}`,
      headers: { poison: p.name },
    });
    expect(letter.key?.toString()).toBe(key);
    // The original bytes, unchanged, so an operator can inspect or replay them.
    expect(letter.value.equals(p.value), p.name).toBe(true);
    expect(letter.errorMessage.length).toBeGreaterThan(0);
  });
  const metric = await registry.getSingleMetric('slb_bus_dead_letters_total')!.get();
  const count = (code: string): number => metric.values.filter((v) => v.labels['code'] === code).reduce((n, v) => n + v.value, 0);
  expect(count('SLB_EVENT_UNDECODABLE')).toBe(3);
  expect(count('SLB_EVENT_INVALID')).toBe(1);
});
