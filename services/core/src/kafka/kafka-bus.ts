/**
 * The Kafka EventBus (distributed mode): the registry codec for Confluent wire-format Avro, a
 * reliable low-latency producer for state, a non-blocking throughput path for telemetry, group
 * consumers that dead-letter what they cannot decode or apply, and latest-state views of
 * compacted topics. Topics are the catalogue's, optionally under a `topicPrefix`.
 */
import type { Admin, Kafka } from 'kafkajs';
import { lazyAdmin } from './lazy-admin.js';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { SlbError } from '../errors/index.js';
import { TOPIC_NAMES, type TopicName } from '../topics/catalogue.js';
import type { EventCodec } from '../contracts/index.js';
import type { KafkaConnectionConfig } from '../config/kafka-env.js';
import type { Logger } from '../observability/logger.js';
import { createBusMetrics } from '../observability/bus-metrics.js';
import { assertPublishable, assertTopic } from '../bus/event-checks.js';
import type { EventBus, EventOf, Handler, LatestView, PublishOptions, SubscribeOptions, Subscription, TelemetryPublishResult } from '../bus/types.js';
import { createKafkaClient } from './client.js';
import { ReliableProducer } from './reliable-producer.js';
import { TelemetryPublisher, type TelemetryOptions } from './telemetry-publisher.js';
import { startGroupConsumer } from './group-consumer.js';
import { openLatestView } from './latest-view.js';
import { TELEMETRY_TOPICS } from './producer-profiles.js';
import type { CircuitState } from './circuit-breaker.js';
import { PartitionCounts } from './key-partition.js';

export interface KafkaBusOptions {
  readonly connection: KafkaConnectionConfig;
  readonly codec: EventCodec;
  readonly clientId?: string;
  /** Prepended to every topic name (isolated namespaces; tests use a unique one). */
  readonly topicPrefix?: string;
  /** Prepended to every consumer group id. */
  readonly groupIdPrefix?: string;
  readonly registry?: Registry;
  readonly logger?: Logger;
  readonly telemetry?: TelemetryOptions;
  /** How long publish() keeps retrying through broker trouble (default 120 s). */
  readonly deliveryTimeoutMs?: number;
  readonly now?: () => number;
  /** An existing client (tests, or sharing one client with admin tools). */
  readonly kafka?: Kafka;
}

export interface KafkaBus extends EventBus {
  /** The telemetry circuit breaker's state (also the slb_bus_circuit_state gauge). */
  readonly telemetryCircuit: CircuitState;
  /** Telemetry events waiting to be sent. */
  readonly telemetryQueued: number;
  /** The broker-side name of a catalogue topic. */
  topicName(topic: TopicName): string;
}

export function createKafkaBus(options: KafkaBusOptions): KafkaBus {
  const now = options.now ?? Date.now;
  const logger = options.logger ?? pino({ level: 'silent' });
  const metrics = createBusMetrics(options.registry ?? new Registry());
  const prefix = options.topicPrefix ?? '';
  const groupPrefix = options.groupIdPrefix ?? '';
  const clientId = options.clientId ?? 'slb';
  const kafka = options.kafka ?? createKafkaClient({ clientId, connection: options.connection, logger });
  // Telemetry fails fast (connect included, which kafkajs retries with the client's settings):
  // the circuit breaker, not a long retry loop, decides when to try a down broker again.
  const telemetryKafka =
    options.kafka ?? createKafkaClient({ clientId: `${clientId}-telemetry`, connection: options.connection, logger, retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 500 } });
  const topicName = (topic: TopicName): string => prefix + topic;
  const byPhysical = new Map(TOPIC_NAMES.map((t) => [topicName(t), t]));
  const logicalName = (physical: string): TopicName => {
    const topic = byPhysical.get(physical);
    if (topic === undefined) throw new SlbError('SLB_UNKNOWN_TOPIC', `"${physical}" is not a catalogue topic under prefix "${prefix}"`);
    return topic;
  };

  const reliable = new ReliableProducer({
    kafka,
    metrics,
    logger,
    now,
    ...(options.deliveryTimeoutMs === undefined ? {} : { deliveryTimeoutMs: options.deliveryTimeoutMs }),
  });
  const telemetry = new TelemetryPublisher({ kafka: telemetryKafka, codec: options.codec, topicName, metrics, logger, now, ...options.telemetry });
  const subscriptions = new Set<Subscription>();
  const views = new Set<LatestView<TopicName>>();
  const adminConnection = lazyAdmin(kafka);
  const admin = (): Promise<Admin> => adminConnection.get();
  // The key-partition rule needs each topic's partition count (fetched once, refreshed on doubt).
  const partitionCounts = new PartitionCounts(async (physical) => {
    try {
      const metadata = await (await admin()).fetchTopicMetadata({ topics: [physical] });
      return metadata.topics[0]?.partitions.length ?? 0;
    } catch (error) {
      throw new SlbError('SLB_KAFKA_UNREACHABLE', `cannot read the partition count of ${physical}: ${(error as Error).message}`, { cause: error });
    }
  }, now);
  let closed = false;
  const ensureOpen = (what: string): void => {
    if (closed) throw new SlbError('SLB_BUS_CLOSED', `${what} on a closed bus`);
  };

  const deadLetter = (origin: TopicName, key: Buffer | null, record: EventOf<'dead-letters'>): Promise<void> =>
    reliable.send('dead-letters', topicName('dead-letters'), key, options.codec.encode('dead-letters', record));

  return {
    get telemetryCircuit() {
      return telemetry.circuitState;
    },
    get telemetryQueued() {
      return telemetry.queued;
    },
    topicName,

    async publish<T extends TopicName>(topic: T, key: string, value: EventOf<T>, publishOptions: PublishOptions = {}): Promise<void> {
      ensureOpen('publish');
      assertPublishable(topic, key, value, metrics);
      await reliable.send(topic, topicName(topic), key, options.codec.encode(topic, value), publishOptions.headers);
    },

    publishTelemetry<T extends TopicName>(topic: T, key: string, value: EventOf<T>): TelemetryPublishResult {
      assertPublishable(topic, key, value, metrics);
      if (!TELEMETRY_TOPICS.has(topic)) {
        // State must not be dropped: a non-telemetry topic takes the reliable path, in the background.
        if (closed) return { accepted: false, evicted: 0 };
        reliable.send(topic, topicName(topic), key, options.codec.encode(topic, value)).catch((error: unknown) => {
          logger.error({ topic, err: error }, 'background publish failed');
        });
        return { accepted: true, evicted: 0 };
      }
      return telemetry.publish(topic, key, value);
    },

    async subscribe<T extends TopicName>(topics: readonly T[], subscribeOptions: SubscribeOptions, handler: Handler<T>): Promise<Subscription> {
      ensureOpen('subscribe');
      topics.forEach((t) => assertTopic(t));
      const subscription = await startGroupConsumer({
        kafka,
        codec: options.codec,
        groupId: groupPrefix + subscribeOptions.groupId,
        topics,
        fromBeginning: subscribeOptions.fromBeginning ?? false,
        topicName,
        logicalName,
        handler: handler as Handler<TopicName>,
        partitionCounts,
        deadLetter,
        metrics,
        logger,
        now,
      });
      const tracked: Subscription = {
        async stop() {
          subscriptions.delete(tracked);
          await subscription.stop();
        },
      };
      subscriptions.add(tracked);
      return tracked;
    },

    async watchLatest<T extends TopicName>(topic: T, onChange?: (key: string, value: EventOf<T>) => void, onRemove?: (key: string) => void): Promise<LatestView<T>> {
      ensureOpen('watchLatest');
      assertTopic(topic);
      const view = await openLatestView({
        kafka,
        admin,
        codec: options.codec,
        topic,
        physicalTopic: topicName(topic),
        groupIdPrefix: groupPrefix,
        partitionCounts,
        metrics,
        logger,
        ...(onChange === undefined ? {} : { onChange }),
        ...(onRemove === undefined ? {} : { onRemove }),
      });
      const tracked: LatestView<T> = {
        get: view.get,
        entries: view.entries,
        caughtUp: view.caughtUp,
        async close() {
          views.delete(tracked as unknown as LatestView<TopicName>);
          await view.close();
        },
      };
      views.add(tracked as unknown as LatestView<TopicName>);
      return tracked;
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...subscriptions].map((s) => s.stop()));
      await Promise.allSettled([...views].map((v) => v.close()));
      await Promise.allSettled([telemetry.close(), reliable.close()]);
      await adminConnection.close();
    },
  };
}
