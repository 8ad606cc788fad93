/**
 * watchLatest on Kafka: "latest value per key" of a (compacted) topic. A consumer in a private,
 * throw-away group reads the topic from the beginning without committing; `caughtUp` resolves
 * once every partition has been read up to the high watermark it had when the view opened, and
 * the view then stays live. Undecodable records are skipped and counted (the last good value of
 * the key stays); dead-lettering them is the job of the topic's group consumers, otherwise every
 * view opened would dead-letter the same record again. A record on a partition its key does
 * not map to (key-partition.ts) is skipped the same way, tombstones included, so a key's latest
 * value only ever comes from the one log the key lives in. A tombstone removes the key and, when
 * the view held it, calls `onRemove` (during catch-up and live, in log order with `onChange`).
 */
import { randomBytes } from 'node:crypto';
import type { Admin, EachBatchPayload, Kafka } from 'kafkajs';
import { isSlbError } from '../errors/index.js';
import type { TopicName } from '../topics/catalogue.js';
import type { EventCodec } from '../contracts/index.js';
import type { Logger } from '../observability/logger.js';
import type { BusMetrics } from '../observability/bus-metrics.js';
import type { EventOf, LatestView } from '../bus/types.js';
import { errorType } from './kafka-errors.js';
import { CONSUMER_BASE } from './group-consumer.js';
import type { PartitionCounts } from './key-partition.js';

export interface LatestViewOptions<T extends TopicName> {
  readonly kafka: Kafka;
  readonly admin: () => Promise<Admin>;
  readonly codec: EventCodec;
  readonly topic: T;
  readonly physicalTopic: string;
  readonly groupIdPrefix: string;
  /** Partition counts for the key-partition check (seeded here from the offsets read at open). */
  readonly partitionCounts: PartitionCounts;
  readonly metrics: BusMetrics;
  readonly logger: Logger;
  readonly onChange?: (key: string, value: EventOf<T>) => void;
  /** A tombstone removed a key the view held. */
  readonly onRemove?: (key: string) => void;
}

export async function openLatestView<T extends TopicName>(options: LatestViewOptions<T>): Promise<LatestView<T>> {
  const { kafka, codec, topic, metrics } = options;
  const groupId = `${options.groupIdPrefix}latest-${topic}-${randomBytes(6).toString('hex')}`;
  const logger = options.logger.child({ topic, group: groupId });
  const admin = await options.admin();
  const offsets = await admin.fetchTopicOffsets(options.physicalTopic);
  options.partitionCounts.seed(options.physicalTopic, offsets.length);
  // What "caught up" means: each non-empty partition read up to its high watermark at open time.
  const remaining = new Map<number, number>();
  for (const p of offsets) if (Number(p.high) > Number(p.low)) remaining.set(p.partition, Number(p.high));
  let markCaughtUp!: () => void;
  const caughtUp = new Promise<void>((resolve) => {
    markCaughtUp = resolve;
  });
  if (remaining.size === 0) markCaughtUp();

  const view = new Map<string, EventOf<T>>();
  const consumer = kafka.consumer({
    ...CONSUMER_BASE,
    groupId,
  });

  async function eachBatch({ batch, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    for (const message of batch.messages) {
      if (!isRunning() || isStale()) return;
      const key = message.key?.toString('utf8') ?? '';
      const misplaced = await options.partitionCounts.check(topic, options.physicalTopic, message.key, batch.partition);
      if (misplaced !== undefined) {
        metrics.consumed.inc({ topic, outcome: 'skipped' });
        metrics.errors.inc({ type: errorType(misplaced) });
        logger.warn({ partition: batch.partition, offset: message.offset, err: misplaced }, 'record on the wrong partition skipped in latest view');
      } else if (message.value === null) {
        if (view.delete(key)) {
          try {
            options.onRemove?.(key);
          } catch (error) {
            logger.warn({ partition: batch.partition, offset: message.offset, err: error }, 'watchLatest onRemove threw');
          }
        }
      } else {
        try {
          const value = await codec.decode(topic, message.value);
          view.set(key, value);
          metrics.consumed.inc({ topic, outcome: 'handled' });
          try {
            options.onChange?.(key, value);
          } catch (error) {
            logger.warn({ partition: batch.partition, offset: message.offset, err: error }, 'watchLatest onChange threw');
          }
        } catch (error) {
          if (isSlbError(error) && error.retriable) throw error;
          metrics.consumed.inc({ topic, outcome: 'skipped' });
          metrics.errors.inc({ type: errorType(error) });
          logger.warn({ partition: batch.partition, offset: message.offset, err: error }, 'undecodable record skipped in latest view');
        }
      }
      const target = remaining.get(batch.partition);
      if (target !== undefined && Number(message.offset) + 1 >= target) {
        remaining.delete(batch.partition);
        if (remaining.size === 0) markCaughtUp();
      }
    }
    await heartbeat();
  }

  await consumer.connect();
  await consumer.subscribe({ topics: [options.physicalTopic], fromBeginning: true });
  await consumer.run({ autoCommit: false, eachBatch });
  let closed = false;
  return {
    get: (key) => view.get(key),
    entries: () => view,
    caughtUp,
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await consumer.disconnect().catch(() => undefined);
      // The group was private to this view; leave nothing behind on the broker.
      await admin.deleteGroups([groupId]).catch(() => undefined);
    },
  };
}
