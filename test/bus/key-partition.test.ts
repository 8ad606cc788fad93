/**
 * Issue 12: one rule for where a key lives. A config written with kcat's default partitioner
 * (CRC32) lands on another partition than murmur2 (slbctl, every role, the Java client) puts
 * its key on. Every consumer of the Kafka bus refuses it: a group consumer dead-letters it with
 * a reason naming the fix, a latest view (what proxies and slbctl's status watch read) skips
 * it. The same write with `-X partitioner=murmur2_random` lands where the bus's own would.
 */
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventFromJson, keyPartition, type Delivered, type KafkaBus } from '@slb/core';
import { collector } from './collect.js';
import { kafkaNamespace, type KafkaNamespace } from './kafka-fixture.js';
import { crcPartition, kcatProduce, keyWhere } from './kcat.js';

const config = (serviceId: string, version: number, instance: string) =>
  JSON.stringify({
    serviceId,
    version,
    issuedAtMs: 1767225600000,
    issuedBy: 'kcat',
    routes: [{ pathPrefix: `/${serviceId}` }],
    instances: [{ id: instance, address: '10.0.0.11:8080' }],
    policy: { type: 'ROUND_ROBIN' },
  });

let ns: KafkaNamespace;
let bus: KafkaBus;
const registry = new Registry();
const cleanup: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  ns = await kafkaNamespace('key-partition');
  bus = ns.bus({ registry });
});
afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  await bus?.close();
});

describe('a record on the partition its key does not map to', () => {
  it('written by kcat with its default partitioner: dead-lettered by group consumers with the fix, skipped by latest views', async () => {
    const key = keyWhere('checkout-', (crc, murmur) => crc !== murmur);
    const wrong = crcPartition(key, 3);
    const right = keyPartition(key, 3);
    const handled = collector<Delivered<'config-updates'>>('handled');
    const dead = collector<Delivered<'dead-letters'>>('dead letters');
    const seenByView: number[] = [];
    const dlq = await bus.subscribe(['dead-letters'], { groupId: 'dlq', fromBeginning: true }, (m) => dead.push(m));
    const sub = await bus.subscribe(['config-updates'], { groupId: 'configs', fromBeginning: true }, (m) => handled.push(m));
    const live = await bus.watchLatest('config-updates', (_k, v) => seenByView.push(v.version));
    cleanup.push(() => dlq.stop(), () => sub.stop(), () => live.close());

    // kcat as the docs showed it before issue 12 (no partitioner): CRC32 puts v100 on `wrong`.
    await kcatProduce(ns.brokers, `${ns.prefix}config-updates`, key, config(key, 100, 'from-crc32'));
    // The same tool with the murmur2 partitioner: v2 lands where slbctl and the bus put the key.
    await kcatProduce(ns.brokers, `${ns.prefix}config-updates`, key, config(key, 2, 'from-murmur2'), 'murmur2_random');

    const [letter] = await dead.until(1);
    expect(letter!.value).toMatchObject({ originalTopic: 'config-updates', partition: wrong, offset: 0, errorCode: 'SLB_EVENT_INVALID', consumerGroup: `${ns.prefix}configs` });
    expect(letter!.value.key?.toString('utf8')).toBe(key);
    expect(JSON.parse(letter!.value.value.toString('utf8'))).toMatchObject({ version: 100 });
    expect(letter!.value.errorMessage).toContain(`is on partition ${wrong}, but the key maps to partition ${right} of 3`);
    expect(letter!.value.errorMessage).toContain('written with a non-murmur2 partitioner');
    expect(letter!.value.errorMessage).toContain('kcat needs -X partitioner=murmur2_random');

    const [applied] = await handled.until(1);
    expect(applied).toMatchObject({ key, partition: right, value: { version: 2 } });

    // A view opened now reads both records before caughtUp: only the well-placed one counts.
    const view = await bus.watchLatest('config-updates');
    cleanup.push(() => view.close());
    await view.caughtUp;
    expect(view.get(key)?.version).toBe(2);
    expect(view.get(key)?.instances.map((i) => i.id)).toEqual(['from-murmur2']);
    expect(seenByView).not.toContain(100);
    expect(handled.items.map((m) => m.value.version)).toEqual([2]);

    const metrics = await registry.getSingleMetricAsString('slb_bus_dead_letters_total');
    expect(metrics).toContain('slb_bus_dead_letters_total{topic="config-updates",code="SLB_EVENT_INVALID"} 1');
  });

  it('kcat with -X partitioner=murmur2_random puts every key where the bus (and so slbctl) puts it', async () => {
    const keys = ['checkout', '_global', 'orders', 'ünïcødé', keyWhere('svc-', (crc, murmur) => crc !== murmur)];
    const byKcat = collector<Delivered<'config-updates'>>('kcat');
    const topic = 'config-updates';
    const sub = await bus.subscribe([topic], { groupId: 'placement', fromBeginning: false }, (m) => byKcat.push(m));
    cleanup.push(() => sub.stop());
    for (const key of keys) await kcatProduce(ns.brokers, `${ns.prefix}${topic}`, key, config('svc', 1, 'i'), 'murmur2_random');
    // The bus's own publish (what slbctl pushes through) for the same keys.
    for (const key of keys) await bus.publish(topic, key, eventFromJson(topic, config('svc', 2, 'i')));
    const got = await byKcat.until(2 * keys.length);
    for (const key of keys) {
      const [kcat, slbctl] = [1, 2].map((v) => got.find((m) => m.key === key && m.value.version === v)!);
      expect({ key, partition: kcat!.partition }).toEqual({ key, partition: slbctl!.partition });
      expect(kcat!.partition).toBe(keyPartition(key, 3));
    }
  });
});
