/**
 * Done-when: per-key order holds over 10,000 messages on 3 partitions, through both producer
 * profiles (reliable publish and the telemetry queue), with nothing lost or duplicated.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { exampleEvents, TOPICS, type Delivered, type KafkaBus } from '@slb/core';
import { audit } from './behaviour.js';
import { collector } from './collect.js';
import { kafkaNamespace } from './kafka-fixture.js';

const TOTAL = 10_000;
const KEYS = Array.from({ length: 40 }, (_, i) => `svc-${i}`);
let bus: KafkaBus;

beforeAll(async () => {
  const ns = await kafkaNamespace('key-order');
  bus = ns.bus({ telemetry: { capacity: TOTAL } });
});
afterAll(async () => {
  await bus?.close();
});

function expectPerKeyOrder(delivered: readonly { key: string; seq: number; partition: number }[]): void {
  expect(delivered).toHaveLength(TOTAL);
  expect(new Set(delivered.map((d) => d.partition)).size).toBe(3);
  const byKey = new Map<string, number[]>();
  const partitionOf = new Map<string, Set<number>>();
  for (const d of delivered) {
    byKey.set(d.key, [...(byKey.get(d.key) ?? []), d.seq]);
    partitionOf.set(d.key, (partitionOf.get(d.key) ?? new Set()).add(d.partition));
  }
  for (const key of KEYS) {
    const seqs = byKey.get(key) ?? [];
    expect(seqs, key).toEqual(Array.from({ length: TOTAL / KEYS.length }, (_, i) => i));
    expect(partitionOf.get(key)?.size, key).toBe(1);
  }
}

it(`keeps per-key order over ${TOTAL} reliable publishes on ${TOPICS['audit-logs'].partitions} partitions`, async () => {
  const got = collector<Delivered<'audit-logs'>>('audit-logs');
  const sub = await bus.subscribe(['audit-logs'], { groupId: 'order-reliable', fromBeginning: true }, (m) => got.push(m));
  const sends: Promise<void>[] = [];
  for (let seq = 0; seq < TOTAL / KEYS.length; seq += 1) for (const key of KEYS) sends.push(bus.publish('audit-logs', key, audit(key, seq)));
  await Promise.all(sends);
  const delivered = await got.until(TOTAL, 60_000);
  await sub.stop();
  expectPerKeyOrder(delivered.map((m) => ({ key: m.key, seq: m.value.atMs - 1_767_225_600_000, partition: m.partition })));
});

it(`keeps per-key order over ${TOTAL} telemetry events on ${TOPICS['service-metrics'].partitions} partitions`, async () => {
  const got = collector<Delivered<'service-metrics'>>('service-metrics');
  const sub = await bus.subscribe(['service-metrics'], { groupId: 'order-telemetry', fromBeginning: true }, (m) => got.push(m));
  const sample = exampleEvents()['service-metrics'];
  let evicted = 0;
  for (let seq = 0; seq < TOTAL / KEYS.length; seq += 1) {
    for (const key of KEYS) evicted += bus.publishTelemetry('service-metrics', key, { ...sample, serviceId: key, requests: seq }).evicted;
  }
  expect(evicted).toBe(0);
  const delivered = await got.until(TOTAL, 60_000);
  await sub.stop();
  expectPerKeyOrder(delivered.map((m) => ({ key: m.key, seq: m.value.requests, partition: m.partition })));
});
