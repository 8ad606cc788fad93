/**
 * One subscription of the Kafka bus: a kafkajs consumer in a group. Messages of a partition are
 * handled one at a time in offset order (per-key order); an offset is resolved only after its
 * message was handled or dead-lettered, and commits only cover resolved offsets (commit after
 * handling). Records on a partition their key does not map to (rule of key-partition.ts),
 * undecodable or invalid bytes, and messages whose handler throws, go to dead-letters with
 * their origin, and the consumer moves on. Retriable trouble (registry or
 * broker unreachable) is thrown instead, so kafkajs retries the message rather than losing it.
 */
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { SlbError, isSlbError } from '../errors/index.js';
import { MAX_MESSAGE_BYTES, type TopicName } from '../topics/catalogue.js';
import type { EventCodec } from '../contracts/index.js';
import type { Logger } from '../observability/logger.js';
import type { BusMetrics } from '../observability/bus-metrics.js';
import { deadLetterRecord } from '../bus/dead-letter.js';
import type { Delivered, EventOf, Handler, Subscription } from '../bus/types.js';
import { errorType } from './kafka-errors.js';
import { headersToStrings } from './message-fields.js';
import type { PartitionCounts } from './key-partition.js';

export interface GroupConsumerOptions {
  readonly kafka: Kafka;
  readonly codec: EventCodec;
  readonly groupId: string;
  readonly topics: readonly TopicName[];
  readonly fromBeginning: boolean;
  readonly topicName: (topic: TopicName) => string;
  readonly logicalName: (topic: string) => TopicName;
  readonly handler: Handler<TopicName>;
  /** Partition counts for the key-partition check (one per bus, shared by its consumers). */
  readonly partitionCounts: PartitionCounts;
  readonly deadLetter: (origin: TopicName, key: Buffer | null, record: EventOf<'dead-letters'>) => Promise<void>;
  readonly metrics: BusMetrics;
  readonly logger: Logger;
  readonly now: () => number;
  /** Longest subscribe() waits for the group join (default 60 s). */
  readonly joinTimeoutMs?: number;
}

/** Consumer settings shared by group consumers and latest-state views. */
export const CONSUMER_BASE = {
  sessionTimeout: 10_000,
  heartbeatInterval: 1_000,
  maxWaitTimeInMs: 250,
  // Fetch sizes that let a record up to the catalogue's max.message.bytes through.
  maxBytesPerPartition: MAX_MESSAGE_BYTES + 1024 * 1024,
  maxBytes: 4 * (MAX_MESSAGE_BYTES + 1024 * 1024),
  allowAutoTopicCreation: false,
  // Keep restarting after broker outages: a consumer must resume without a process restart.
  retry: { retries: 10, initialRetryTime: 200, maxRetryTime: 5_000, restartOnFailure: async () => true },
} as const;

export async function startGroupConsumer(options: GroupConsumerOptions): Promise<Subscription> {
  const { kafka, codec, groupId, metrics, now } = options;
  const logger = options.logger.child({ group: groupId });
  const consumer: Consumer = kafka.consumer({
    ...CONSUMER_BASE,
    groupId,
    rebalanceTimeout: 20_000,
  });
  const role = `consumer:${groupId}`;
  consumer.on(consumer.events.CONNECT, () => metrics.connectionState.set({ role }, 1));
  consumer.on(consumer.events.DISCONNECT, () => metrics.connectionState.set({ role }, 0));
  consumer.on(consumer.events.CRASH, (event) => {
    metrics.errors.inc({ type: errorType(event.payload.error) });
    logger.warn({ err: event.payload.error, restart: event.payload.restart }, 'consumer crashed');
  });

  async function handleOne(topic: TopicName, physicalTopic: string, partition: number, message: KafkaMessage): Promise<void> {
    const headers = headersToStrings(message.headers);
    const fields = { topic, partition, offset: message.offset };
    const toDeadLetter = async (error: unknown, fallback: 'SLB_EVENT_INVALID' | 'SLB_EVENT_UNDECODABLE' | 'SLB_HANDLER_FAILED'): Promise<void> => {
      const record = deadLetterRecord(
        {
          topic,
          partition,
          offset: message.offset,
          key: message.key,
          value: message.value ?? Buffer.alloc(0),
          headers,
          timestamp: Number(message.timestamp),
          group: groupId,
        },
        error,
        fallback,
        now(),
      );
      const code = String(record['errorCode']);
      logger.warn({ ...fields, code, err: error }, 'message sent to dead-letters');
      await options.deadLetter(topic, message.key, record);
      metrics.consumed.inc({ topic, outcome: 'dead_lettered' });
      metrics.deadLetters.inc({ topic, code });
    };

    // Where the key lives comes first: a record on the wrong partition is refused whatever it
    // holds (a tombstone too: it would remove the key from a log the key does not live in).
    const misplaced = await options.partitionCounts.check(topic, physicalTopic, message.key, partition);
    if (misplaced !== undefined) {
      await toDeadLetter(misplaced, 'SLB_EVENT_INVALID');
      return;
    }
    if (message.value === null) {
      // A tombstone: nothing to decode or apply.
      metrics.consumed.inc({ topic, outcome: 'skipped' });
      return;
    }

    let value: EventOf<TopicName>;
    try {
      value = await codec.decode(topic, message.value);
    } catch (error) {
      if (isSlbError(error) && error.retriable) throw error;
      if (topic === 'dead-letters') {
        logger.error({ ...fields, err: error }, 'undecodable dead letter skipped');
        metrics.consumed.inc({ topic, outcome: 'skipped' });
        return;
      }
      await toDeadLetter(error, 'SLB_EVENT_UNDECODABLE');
      return;
    }
    const delivered: Delivered<TopicName> = {
      topic,
      key: message.key?.toString('utf8') ?? '',
      value,
      partition,
      offset: message.offset,
      timestamp: Number(message.timestamp),
      headers,
    };
    try {
      await options.handler(delivered);
      metrics.consumed.inc({ topic, outcome: 'handled' });
    } catch (error) {
      if (topic === 'dead-letters') {
        logger.error({ ...fields, err: error }, 'dead-letters handler failed; message skipped');
        metrics.consumed.inc({ topic, outcome: 'skipped' });
        return;
      }
      await toDeadLetter(error, 'SLB_HANDLER_FAILED');
    }
  }

  async function eachBatch({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const topic = options.logicalName(batch.topic);
    const high = Number(batch.highWatermark);
    for (const message of batch.messages) {
      if (!isRunning() || isStale()) return;
      await handleOne(topic, batch.topic, batch.partition, message);
      resolveOffset(message.offset);
      metrics.consumerLag.set({ topic, group: groupId, partition: String(batch.partition) }, Math.max(0, high - Number(message.offset) - 1));
      await commitOffsetsIfNecessary();
      await heartbeat();
    }
  }

  await consumer.connect();
  await consumer.subscribe({ topics: options.topics.map(options.topicName), fromBeginning: options.fromBeginning });
  // Resolve once the group is joined and fetching, and the first fetch has resolved the start offsets, so events
  // published after subscribe() are seen.
  const joinTimeoutMs = options.joinTimeoutMs ?? 60_000;
  const ready = new Promise<void>((resolve, reject) => {
    let joined = false;
    const offJoin = consumer.on(consumer.events.GROUP_JOIN, () => {
      joined = true;
    });
    const offFetch = consumer.on(consumer.events.FETCH, () => {
      if (!joined) return;
      clearTimeout(timer);
      offJoin();
      offFetch();
      resolve();
    });
    const timer = setTimeout(() => {
      offJoin();
      offFetch();
      reject(new SlbError('SLB_KAFKA_UNREACHABLE', `consumer group ${groupId} did not join within ${joinTimeoutMs} ms`, { details: { groupId } }));
    }, joinTimeoutMs);
  });
  await consumer.run({
    eachBatchAutoResolve: false,
    autoCommit: true,
    autoCommitInterval: 1_000,
    autoCommitThreshold: 100,
    partitionsConsumedConcurrently: 3,
    eachBatch,
  });
  try {
    await ready;
  } catch (error) {
    await consumer.disconnect().catch(() => undefined);
    throw error;
  }
  logger.info({ topics: options.topics }, 'subscribed');
  let stopped = false;
  return {
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      // disconnect() waits for the running batch and commits what was resolved.
      await consumer.disconnect();
    },
  };
}
