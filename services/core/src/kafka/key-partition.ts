/**
 * One rule for where a key lives: a record of a keyed catalogue topic sits on the partition
 * Kafka's default partitioner maps its key to (murmur2, as the Java client and kafkajs's
 * DefaultPartitioner, which every producer of the bus uses). A record anywhere else was written
 * with another partitioner (kcat's librdkafka default is CRC32-based) or to an explicit
 * partition: its key would then have two logs, two orders and two "latest" values, so every
 * consumer refuses it (group consumers dead-letter it, latest views and slbctl skip it).
 *
 * The hash is kafkajs's own partitioner, not a copy, so the check and the bus's producers can
 * never disagree.
 */
import type { PartitionMetadata } from 'kafkajs';
import { Partitioners } from './kafkajs.js';
import { SlbError } from '../errors/index.js';
import type { TopicName } from '../topics/catalogue.js';

const defaultPartitioner = Partitioners.DefaultPartitioner();
const metadataByCount = new Map<number, PartitionMetadata[]>();

function metadataOf(partitions: number): PartitionMetadata[] {
  let metadata = metadataByCount.get(partitions);
  if (metadata === undefined) {
    metadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
    metadataByCount.set(partitions, metadata);
  }
  return metadata;
}

/** The partition kafkajs's DefaultPartitioner (Java-compatible murmur2) picks for `key`. */
export function keyPartition(key: Buffer | string, partitions: number): number {
  return defaultPartitioner({ topic: '', partitionMetadata: metadataOf(partitions), message: { key, value: null } });
}

/** What a dead letter, a log line or slbctl says when a record is on the wrong partition; names the fix. */
export const WRONG_PARTITION_FIX = 'written with a non-murmur2 partitioner or to an explicit partition: kcat needs -X partitioner=murmur2_random, Kafka UI needs the partition left unset';

/**
 * `undefined` when the record is where its key belongs (or the rule does not apply: no key,
 * `dead-letters`, whose key is the original record's, or a single partition); else the refusal,
 * an `SLB_EVENT_INVALID` whose `details.rule` is `key-partition`.
 */
export function misplacedRecord(topic: TopicName, key: Buffer | string | null | undefined, partition: number, partitions: number): SlbError | undefined {
  if (key === null || key === undefined || topic === 'dead-letters' || partitions <= 1) return undefined;
  const expected = keyPartition(key, partitions);
  if (expected === partition) return undefined;
  const text = typeof key === 'string' ? key : key.toString('utf8');
  const message =
    `${topic} record with key "${text}" is on partition ${partition}, but the key maps to partition ${expected} of ${partitions} ` +
    `(murmur2, Kafka's default partitioner, which slbctl and every role use): ${WRONG_PARTITION_FIX}`;
  return new SlbError('SLB_EVENT_INVALID', message, {
    details: { rule: 'key-partition', topic, key: text, partition, expectedPartition: expected, partitions, issues: [{ path: '(key)', message }] },
  });
}

/** True for the refusal `misplacedRecord` makes. */
export function isMisplacedRecordError(error: unknown): boolean {
  return error instanceof SlbError && error.details?.['rule'] === 'key-partition';
}

/**
 * Partition counts of physical topics, fetched once and fetched again when a record names a
 * partition the cached count does not have or fails the check (a topic can grow; a record
 * written after the growth must not be refused on a stale count).
 */
export class PartitionCounts {
  private readonly counts = new Map<string, { count: number; atMs: number }>();

  constructor(
    private readonly fetch: (physicalTopic: string) => Promise<number>,
    private readonly now: () => number = Date.now,
    private readonly refreshAfterMs = 10_000,
  ) {}

  seed(physicalTopic: string, count: number): void {
    this.counts.set(physicalTopic, { count, atMs: this.now() });
  }

  private async count(physicalTopic: string, refresh: boolean): Promise<number> {
    const cached = this.counts.get(physicalTopic);
    if (cached !== undefined && !(refresh && this.now() - cached.atMs >= this.refreshAfterMs)) return cached.count;
    const count = await this.fetch(physicalTopic);
    this.counts.set(physicalTopic, { count, atMs: this.now() });
    return count;
  }

  /** `misplacedRecord` against the topic's partition count, refreshing a count that may be stale first. */
  async check(topic: TopicName, physicalTopic: string, key: Buffer | null, partition: number): Promise<SlbError | undefined> {
    if (key === null || topic === 'dead-letters') return undefined;
    const count = await this.count(physicalTopic, false);
    const refused = partition >= count ? new SlbError('SLB_EVENT_INVALID', 'partition beyond the cached count') : misplacedRecord(topic, key, partition, count);
    if (refused === undefined) return undefined;
    return misplacedRecord(topic, key, partition, await this.count(physicalTopic, true));
  }
}
