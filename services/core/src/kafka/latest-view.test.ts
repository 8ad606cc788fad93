import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { EachBatchPayload, Kafka } from 'kafkajs';
import type { EventCodec } from '../contracts/index.js';
import { createBusMetrics } from '../observability/bus-metrics.js';
import type { PartitionCounts } from './key-partition.js';
import { openLatestView } from './latest-view.js';

type Row = [key: string, value: string | null];

/** A view over a fake one-partition topic: `history` is on it when the view opens, `live` comes after. */
async function replay(history: Row[], live: Row[]) {
  let eachBatch!: (payload: EachBatchPayload) => Promise<void>;
  const kafka = {
    consumer: () => ({
      connect: async () => undefined,
      subscribe: async () => undefined,
      run: async (options: { eachBatch: typeof eachBatch }) => void (eachBatch = options.eachBatch),
      disconnect: async () => undefined,
    }),
  } as unknown as Kafka;
  const admin = { fetchTopicOffsets: async () => [{ partition: 0, low: '0', high: String(history.length) }], deleteGroups: async () => undefined };
  const codec = { decode: async (_topic: string, value: Buffer) => JSON.parse(value.toString('utf8')) as unknown } as unknown as EventCodec;
  const partitionCounts = { seed: () => undefined, check: async () => undefined } as unknown as PartitionCounts;
  const calls: string[] = [];
  const view = await openLatestView({
    kafka,
    admin: async () => admin as never,
    codec,
    topic: 'config-updates',
    physicalTopic: 'config-updates',
    groupIdPrefix: 'test-',
    partitionCounts,
    metrics: createBusMetrics(new Registry()),
    logger: pino({ level: 'silent' }),
    onChange: (key, value) => void calls.push(`set ${key}=${(value as unknown as { v: number }).v}`),
    onRemove: (key) => void calls.push(`remove ${key}`),
  });
  let offset = 0;
  const feed = async (rows: Row[]) => {
    const messages = rows.map(([key, value]) => ({ key: Buffer.from(key), value: value === null ? null : Buffer.from(value), offset: String(offset++) }));
    await eachBatch({ batch: { partition: 0, messages }, heartbeat: async () => undefined, isRunning: () => true, isStale: () => false } as unknown as EachBatchPayload);
  };
  await feed(history);
  await view.caughtUp;
  const caughtUp = [...calls];
  await feed(live);
  return { caughtUp, live: calls.slice(caughtUp.length), keys: [...view.entries().keys()] };
}

const v = (n: number): string => JSON.stringify({ v: n });

describe('latest view: a tombstone calls onRemove for a key the view held, in log order', () => {
  it.each<{ name: string; history: Row[]; live: Row[]; caughtUp: string[]; after: string[]; keys: string[] }>([
    { name: 'no tombstones', history: [['a', v(1)]], live: [['a', v(2)]], caughtUp: ['set a=1'], after: ['set a=2'], keys: ['a'] },
    { name: 'during catch-up', history: [['a', v(1)], ['b', v(1)], ['a', null]], live: [], caughtUp: ['set a=1', 'set b=1', 'remove a'], after: [], keys: ['b'] },
    { name: 'live', history: [['a', v(1)]], live: [['a', null]], caughtUp: ['set a=1'], after: ['remove a'], keys: [] },
    { name: 're-created after it, then removed again', history: [['a', v(1)], ['a', null], ['a', v(2)]], live: [['a', null], ['a', v(3)]], caughtUp: ['set a=1', 'remove a', 'set a=2'], after: ['remove a', 'set a=3'], keys: ['a'] },
    { name: 'a key the view never held (its values compacted away)', history: [['a', null]], live: [['b', null]], caughtUp: [], after: [], keys: [] },
    { name: 'a second tombstone for the same key', history: [['a', v(1)], ['a', null], ['a', null]], live: [], caughtUp: ['set a=1', 'remove a'], after: [], keys: [] },
  ])('$name', async ({ history, live, caughtUp, after, keys }) => {
    const got = await replay(history, live);
    expect(got.caughtUp).toEqual(caughtUp);
    expect(got.live).toEqual(after);
    expect(got.keys).toEqual(keys);
  });
});
