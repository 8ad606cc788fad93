import { crc32 } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { murmur2 } from '../bus/murmur2.js';
import { keyPartition, misplacedRecord, PartitionCounts, isMisplacedRecordError } from './key-partition.js';

/** librdkafka's default partitioner (kcat without -X partitioner=...): CRC32 of the key. */
const crcPartition = (key: string, partitions: number): number => crc32(Buffer.from(key)) % partitions;

describe('keyPartition', () => {
  it.each(['', 'a', 'checkout', '_global', 'proxy-a', 'ünïcødé', 'x'.repeat(101)])('puts %j where the Java client would (murmur2)', (key) => {
    expect(keyPartition(key, 3)).toBe((murmur2(key) & 0x7fffffff) % 3);
    expect(keyPartition(Buffer.from(key), 3)).toBe(keyPartition(key, 3));
  });
});

describe('misplacedRecord', () => {
  // A key kcat's default (CRC32) partitioner and murmur2 put on different partitions.
  const key = ['checkout', 'orders', 'cart', 'shop', 'payments'].find((k) => crcPartition(k, 3) !== keyPartition(k, 3))!;

  it('accepts a record on the partition its key maps to', () => {
    expect(misplacedRecord('config-updates', Buffer.from(key), keyPartition(key, 3), 3)).toBeUndefined();
  });

  it('refuses a record written with CRC32 (kcat default), naming the fix', () => {
    const error = misplacedRecord('config-updates', Buffer.from(key), crcPartition(key, 3), 3);
    expect(error?.code).toBe('SLB_EVENT_INVALID');
    expect(isMisplacedRecordError(error)).toBe(true);
    expect(error?.message).toContain(`is on partition ${crcPartition(key, 3)}, but the key maps to partition ${keyPartition(key, 3)} of 3`);
    expect(error?.message).toContain('written with a non-murmur2 partitioner');
    expect(error?.message).toContain('kcat needs -X partitioner=murmur2_random');
    expect(error?.details).toMatchObject({ rule: 'key-partition', key, partition: crcPartition(key, 3), expectedPartition: keyPartition(key, 3), partitions: 3 });
  });

  it.each([
    ['no key', 'config-updates', null, 3],
    ['dead-letters (its key is the original record key)', 'dead-letters', Buffer.from(key), 3],
    ['a single partition', 'config-updates', Buffer.from(key), 1],
  ] as const)('does not apply to %s', (_name, topic, k, partitions) => {
    expect(misplacedRecord(topic, k, 5, partitions)).toBeUndefined();
  });
});

describe('PartitionCounts', () => {
  it('fetches a count once and again only when a record does not fit it', async () => {
    let count = 3;
    let now = 0;
    const fetch = vi.fn(async () => count);
    const counts = new PartitionCounts(fetch, () => now, 10_000);
    // A key whose partition moves when the topic grows from 3 to 6 partitions.
    const k = Buffer.from(['checkout', 'orders', 'cart', 'shop', 'payments', 'a', 'b', 'c'].find((x) => keyPartition(x, 6) !== keyPartition(x, 3))!);
    expect(await counts.check('config-updates', 't', k, keyPartition(k, 3))).toBeUndefined();
    expect(await counts.check('config-updates', 't', k, keyPartition(k, 3))).toBeUndefined();
    expect(fetch).toHaveBeenCalledTimes(1);
    // The topic grew to 6: a record written after that, on the key's new partition, is fine.
    count = 6;
    now = 20_000;
    expect(await counts.check('config-updates', 't', k, keyPartition(k, 6))).toBeUndefined();
    expect(fetch).toHaveBeenCalledTimes(2);
    const wrong = (keyPartition(k, 6) + 1) % 6;
    expect(await counts.check('config-updates', 't', k, wrong)).toMatchObject({ code: 'SLB_EVENT_INVALID' });
  });
});
