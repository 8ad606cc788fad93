/**
 * A tombstone (null value) for a service's key on config-updates removes the service from a
 * running proxy exactly as `deleted: true` does, so the fleet agrees with a proxy that replays
 * the topic after compaction: on the real broker, with config-updates created with aggressive
 * compaction settings, the live proxy's routing table equals a fresh proxy's once compaction has
 * removed every earlier record of the service. A tombstone has no version: a later update
 * re-creates the service whatever its version.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { Kafka, logLevel, Partitioners, type Admin } from 'kafkajs';
import { Registry } from 'prom-client';
import { createKafkaBus, createRegistryCodec, ensureTopics, normalizeConfigUpdate, partitionForKey, TOPICS, type KafkaBus } from '@slb/core';
import type { Proxy } from '@slb/proxy';
import { testKafka, uniqueName } from '../support/kafka.js';
import { get, service, startProxy, startUpstream, type Upstream } from './support.js';

/** Compaction within seconds: tiny segments, any dirt cleanable, tombstones kept briefly. */
const AGGRESSIVE_COMPACTION = {
  'cleanup.policy': 'compact',
  'segment.ms': '100',
  'min.cleanable.dirty.ratio': '0.01',
  'delete.retention.ms': '100',
  'min.compaction.lag.ms': '0',
};

interface Namespace {
  readonly prefix: string;
  readonly kafka: Kafka;
  readonly admin: Admin;
  bus(): KafkaBus;
}

/** Every catalogue topic under a unique prefix, config-updates with AGGRESSIVE_COMPACTION. */
async function compactingNamespace(): Promise<Namespace> {
  const { brokers, registryUrl } = testKafka();
  const prefix = `${uniqueName('tombstone')}.`;
  const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const spec = TOPICS['config-updates'];
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic: `${prefix}config-updates`, numPartitions: spec.partitions, replicationFactor: 1, configEntries: Object.entries(AGGRESSIVE_COMPACTION).map(([name, value]) => ({ name, value })) }],
  });
  await ensureTopics(admin, { prefix });
  const codec = createRegistryCodec({ registryUrl, subjectPrefix: prefix });
  return {
    prefix,
    kafka,
    admin,
    bus: () => createKafkaBus({ connection: { brokers }, codec, clientId: 'tombstone', topicPrefix: prefix, groupIdPrefix: prefix, registry: new Registry() }),
  };
}

/** The records of `key` on the partition its key maps to, read from the beginning: null = tombstone. */
async function recordsOf(ns: Namespace, key: string): Promise<Array<{ offset: number; value: Buffer | null }>> {
  const topic = `${ns.prefix}config-updates`;
  const partition = partitionForKey(key, TOPICS['config-updates'].partitions);
  const high = Number((await ns.admin.fetchTopicOffsets(topic)).find((p) => p.partition === partition)!.high);
  const groupId = `${ns.prefix}read-${uniqueName('g')}`;
  const consumer = ns.kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  const out: Array<{ offset: number; value: Buffer | null }> = [];
  let last = -1;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition: p, message }) => {
        if (p !== partition) return;
        last = Number(message.offset);
        if (message.key?.toString() === key) out.push({ offset: last, value: message.value });
      },
    });
    await vi.waitFor(() => expect(last).toBeGreaterThanOrEqual(high - 1), { timeout: 20_000, interval: 50 });
  } finally {
    await consumer.disconnect();
    await ns.admin.deleteGroups([groupId]).catch(() => undefined);
  }
  return out;
}

/** What a proxy routes: services with version and routes, by id. */
function routingTable(proxy: Proxy): Array<{ id: string; version: number; routes: unknown }> {
  return (proxy.state().services as Array<{ id: string; version: number; routes: unknown }>)
    .map((s) => ({ id: s.id, version: s.version, routes: s.routes }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

describe('a tombstone on config-updates', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
  });

  it('removes the service from a running proxy at once, as a fresh proxy replaying the compacted topic has it', { timeout: 120_000 }, async () => {
    const ups: Upstream[] = await Promise.all(['ta', 'tb'].map((id) => startUpstream(id)));
    cleanup.push(() => Promise.all(ups.map((u) => u.close())));
    const ns = await compactingNamespace();
    cleanup.push(() => ns.admin.disconnect());
    const operator = ns.bus();
    cleanup.push(() => operator.close());
    const producer = ns.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    cleanup.push(() => producer.disconnect());
    const push = (id: string, version: number) =>
      vi.waitFor(() => operator.publish('config-updates', id, normalizeConfigUpdate({ ...service(id, ups), version, issuedBy: 'test' }).value), { timeout: 30_000, interval: 500 });
    const tombstone = (key: string) => producer.send({ topic: `${ns.prefix}config-updates`, acks: -1, messages: [{ key, value: null }] });

    const live = await startProxy({ bus: ns.bus(), proxyId: uniqueName('live') });
    cleanup.push(() => live.proxy.close());
    await push('keep', 1);
    await push('gone', 1);
    await push('gone', 2);
    await vi.waitFor(() => expect(live.proxy.state().status.appliedVersions).toEqual({ keep: 1, gone: 2 }), { timeout: 30_000, interval: 100 });
    expect((await get(`${live.addr.url}/gone/x`)).status).toBe(200);

    // The tombstone: the running proxy stops routing the service, as for `deleted: true`.
    await tombstone('gone');
    await vi.waitFor(async () => expect((await get(`${live.addr.url}/gone/x`)).status).toBe(404), { timeout: 10_000, interval: 100 });
    expect(live.proxy.state().status.appliedVersions).toEqual({ keep: 1 });
    expect((await get(`${live.addr.url}/keep/x`)).status).toBe(200);

    // No version survives a tombstone: version 1, below the removed 2, re-creates the service.
    await push('gone', 1);
    await vi.waitFor(() => expect(live.proxy.state().status.appliedVersions).toEqual({ keep: 1, gone: 1 }), { timeout: 10_000, interval: 100 });
    expect((await get(`${live.addr.url}/gone/x`)).status).toBe(200);
    await tombstone('gone');
    await vi.waitFor(async () => expect((await get(`${live.addr.url}/gone/x`)).status).toBe(404), { timeout: 10_000, interval: 100 });

    // Roll the segment holding the tombstone (the active segment is never cleaned): one more
    // record on its partition, a tombstone of a key nobody uses, after segment.ms.
    const partition = partitionForKey('gone', TOPICS['config-updates'].partitions);
    let filler = 0;
    while (partitionForKey(`filler-${filler}`, TOPICS['config-updates'].partitions) !== partition) filler += 1;
    // Compaction leaves no update of the service, only (for delete.retention.ms) its tombstone.
    const started = Date.now();
    await vi.waitFor(
      async () => {
        await tombstone(`filler-${filler}`);
        const records = await recordsOf(ns, 'gone');
        expect(records.filter((r) => r.value !== null)).toEqual([]);
      },
      { timeout: 90_000, interval: 2_000 },
    );
    process.stderr.write(`[tombstone] compaction removed the service's updates in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);

    const fresh = await startProxy({ bus: ns.bus(), proxyId: uniqueName('fresh') });
    cleanup.push(() => fresh.proxy.close());
    await vi.waitFor(() => expect(fresh.proxy.state().status.appliedVersions).toEqual({ keep: 1 }), { timeout: 30_000, interval: 100 });
    expect(routingTable(fresh.proxy)).toEqual(routingTable(live.proxy));
    expect(routingTable(live.proxy).map((s) => s.id)).toEqual(['keep']);
    for (const p of [live, fresh]) {
      expect((await get(`${p.addr.url}/gone/x`)).status).toBe(404);
      expect((await get(`${p.addr.url}/keep/x`)).status).toBe(200);
    }
  });
});
