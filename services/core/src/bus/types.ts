/**
 * The event bus: one interface, two implementations (Kafka in distributed mode, in-process in
 * standalone mode), one behavioural test suite run against both (test/bus/*.test.ts).
 *
 * Values are plain objects that match the topic's Avro schema in proto/; `TopicEvents` maps each
 * catalogue topic to its generated TypeScript type.
 */
import type { TopicName } from '../topics/catalogue.js';
import type { TopicEvents } from '../contracts/index.js';

export type { TopicEvents };
export type EventOf<T extends TopicName> = TopicEvents[T];

/** One delivered message with where it came from (logs and dead letters carry these). */
export interface Delivered<T extends TopicName = TopicName> {
  readonly topic: T;
  readonly key: string;
  readonly value: EventOf<T>;
  readonly partition: number;
  /** Kafka offset as a decimal string (in-process: a per-partition sequence). */
  readonly offset: string;
  /** Producer timestamp, ms since epoch. */
  readonly timestamp: number;
  readonly headers: Readonly<Record<string, string>>;
}

export interface PublishOptions {
  readonly headers?: Record<string, string>;
}

export interface SubscribeOptions {
  /** Consumer group; members of one group share the topic's partitions. */
  readonly groupId: string;
  /** Where a group with no committed offset starts. Default false (latest). */
  readonly fromBeginning?: boolean;
}

export type Handler<T extends TopicName> = (message: Delivered<T>) => Promise<void> | void;

export interface Subscription {
  /** Leave the group (Kafka) / stop delivering (in-process). */
  stop(): Promise<void>;
}

/** "Latest value per key" of a compacted topic, read from the beginning and then kept live. */
export interface LatestView<T extends TopicName> {
  get(key: string): EventOf<T> | undefined;
  entries(): ReadonlyMap<string, EventOf<T>>;
  /** Resolves once everything that was on the topic when the view opened has been read. */
  readonly caughtUp: Promise<void>;
  close(): Promise<void>;
}

export interface TelemetryPublishResult {
  /** false only when the bus is closed; a full queue keeps the new event and evicts the oldest. */
  readonly accepted: boolean;
  /** How many older messages were dropped to make room. */
  readonly evicted: number;
}

export interface EventBus {
  /**
   * Reliable publish for config, decisions, alerts, audit, status: idempotent producer,
   * acks=all, low-latency profile. Resolves when the broker has acknowledged the write;
   * rejects with SLB_EVENT_INVALID when the value does not match the schema.
   */
  publish<T extends TopicName>(topic: T, key: string, value: EventOf<T>, options?: PublishOptions): Promise<void>;

  /**
   * Telemetry publish (service-metrics, health-status; also metrics-aggregated and health-scores
   * when their publisher accepts drops): never blocks and never throws for
   * broker trouble. Goes into a bounded queue flushed in batches; when the queue is full the
   * oldest message is dropped and counted (rule 1, docs/architecture.md).
   */
  publishTelemetry<T extends TopicName>(topic: T, key: string, value: EventOf<T>): TelemetryPublishResult;

  /**
   * Consume `topics` as a member of `options.groupId`. Per-key order holds; the offset is
   * committed after the handler resolves. An undecodable message, or one whose handler throws,
   * goes to dead-letters with its origin and the consumer moves on.
   */
  subscribe<T extends TopicName>(topics: readonly T[], options: SubscribeOptions, handler: Handler<T>): Promise<Subscription>;

  /**
   * Latest state per key of a compacted topic (routing-decisions, config-updates, config-status).
   * `onChange` gets each value the view takes; `onRemove` each key a tombstone (null value) takes
   * out of the view, when the view held it. Both are called in log order, during catch-up and live.
   */
  watchLatest<T extends TopicName>(topic: T, onChange?: (key: string, value: EventOf<T>) => void, onRemove?: (key: string) => void): Promise<LatestView<T>>;

  /** Flush telemetry (bounded wait), stop consumers, disconnect. Idempotent. */
  close(): Promise<void>;
}
