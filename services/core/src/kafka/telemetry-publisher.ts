/**
 * The throughput path for telemetry (service-metrics, health-status). `publish` is synchronous:
 * it only puts the event in a bounded queue (oldest dropped and counted when full) and returns.
 * A flush loop sends batches of up to `batchSize` events, at once when a batch is full or after
 * `lingerMs` otherwise. A circuit breaker guards the broker: after repeated failures, sends stop
 * for a while and the queue absorbs (and drops) telemetry; a later trial send closes it again.
 */
import type { Kafka, Producer, Message } from 'kafkajs';
import { Partitioners } from './kafkajs.js';
import type { TopicName } from '../topics/catalogue.js';
import type { EventCodec } from '../contracts/index.js';
import type { Logger } from '../observability/logger.js';
import { CIRCUIT_STATE_VALUE, type BusMetrics } from '../observability/bus-metrics.js';
import type { EventOf, TelemetryPublishResult } from '../bus/types.js';
import { CircuitBreaker, type CircuitState } from './circuit-breaker.js';
import { DEFAULT_BACKPRESSURE, TelemetryQueue, type BackpressureThresholds } from './telemetry-queue.js';
import { THROUGHPUT, type CompressionName } from './producer-profiles.js';
import { compressionType } from './compression.js';
import { errorType } from './kafka-errors.js';
import { connectOnce } from './connect-once.js';

export interface TelemetryOptions {
  /** Queue capacity in messages (default 10,000). */
  readonly capacity?: number;
  readonly batchSize?: number;
  readonly lingerMs?: number;
  readonly compression?: CompressionName;
  readonly thresholds?: BackpressureThresholds;
  readonly failureThreshold?: number;
  readonly openMs?: number;
  readonly maxOpenMs?: number;
  /** Longest close() waits to flush what is queued (default 5 s). */
  readonly closeTimeoutMs?: number;
}

export interface TelemetryPublisherOptions extends TelemetryOptions {
  readonly kafka: Kafka;
  readonly codec: EventCodec;
  readonly topicName: (topic: TopicName) => string;
  readonly metrics: BusMetrics;
  readonly logger: Logger;
  readonly now?: () => number;
  readonly onCircuitChange?: (to: CircuitState, from: CircuitState) => void;
}

interface Item {
  readonly topic: TopicName;
  readonly key: string;
  readonly value: unknown;
}

export class TelemetryPublisher {
  readonly #queue: TelemetryQueue<Item>;
  readonly #breaker: CircuitBreaker;
  readonly #producer: Producer;
  readonly #options: TelemetryPublisherOptions;
  readonly #now: () => number;
  readonly #batchSize: number;
  readonly #lingerMs: number;
  readonly #compression: ReturnType<typeof compressionType>;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<unknown> | undefined;
  readonly #connection = connectOnce(() => this.#producer.connect());
  #closed = false;

  constructor(options: TelemetryPublisherOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#batchSize = options.batchSize ?? THROUGHPUT.batchSize;
    this.#lingerMs = options.lingerMs ?? THROUGHPUT.lingerMs;
    this.#compression = compressionType(options.compression ?? THROUGHPUT.compression);
    this.#queue = new TelemetryQueue<Item>(options.capacity ?? 10_000, options.thresholds ?? DEFAULT_BACKPRESSURE);
    const { metrics, logger } = options;
    metrics.circuitState.set(CIRCUIT_STATE_VALUE.closed);
    this.#breaker = new CircuitBreaker({
      ...(options.failureThreshold === undefined ? {} : { failureThreshold: options.failureThreshold }),
      ...(options.openMs === undefined ? {} : { openMs: options.openMs }),
      ...(options.maxOpenMs === undefined ? {} : { maxOpenMs: options.maxOpenMs }),
      onStateChange: (to, from) => {
        metrics.circuitState.set(CIRCUIT_STATE_VALUE[to]);
        metrics.circuitTransitions.inc({ to });
        (to === 'open' ? logger.warn.bind(logger) : logger.info.bind(logger))({ circuit: to, from }, `telemetry circuit ${to}`);
        options.onCircuitChange?.(to, from);
      },
    });
    // Telemetry fails fast: the breaker, not kafkajs's retries, decides when to try again.
    this.#producer = options.kafka.producer({
      idempotent: false,
      maxInFlightRequests: THROUGHPUT.maxInFlightRequests,
      allowAutoTopicCreation: false,
      // Java-compatible murmur2: the same key lands on the same partition as with any Kafka client.
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 500 },
    });
    this.#producer.on(this.#producer.events.CONNECT, () => metrics.connectionState.set({ role: 'producer-throughput' }, 1));
    this.#producer.on(this.#producer.events.DISCONNECT, () => metrics.connectionState.set({ role: 'producer-throughput' }, 0));
  }

  get circuitState(): CircuitState {
    return this.#breaker.state;
  }

  get queued(): number {
    return this.#queue.size;
  }

  publish<T extends TopicName>(topic: T, key: string, value: EventOf<T>): TelemetryPublishResult {
    const { metrics } = this.#options;
    if (this.#closed) {
      this.#dropped(topic, 'closed');
      return { accepted: false, evicted: 0 };
    }
    const { evicted, enteredLevel } = this.#queue.push({ topic, key, value });
    for (const old of evicted) this.#dropped(old.topic, 'evicted');
    if (enteredLevel !== undefined && enteredLevel !== 'normal') {
      metrics.backpressureEvents.inc({ level: enteredLevel });
      this.#options.logger.warn({ level: enteredLevel, utilization: this.#queue.utilization }, 'telemetry queue backpressure');
    }
    this.#gauge();
    this.#schedule();
    return { accepted: true, evicted: evicted.length };
  }

  /** A telemetry event given up: counted both as dropped telemetry and as a dropped publish. */
  #dropped(topic: TopicName, reason: 'evicted' | 'closed'): void {
    this.#options.metrics.telemetryDropped.inc({ topic, reason });
    this.#options.metrics.produced.inc({ topic, outcome: 'dropped' });
  }

  #gauge(): void {
    this.#options.metrics.queueUtilization.set(this.#queue.utilization);
    this.#options.metrics.queueDepth.set(this.#queue.size);
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#flushing !== undefined || this.#queue.size === 0 || this.#closed) return;
    const wait = Math.max(this.#breaker.retryInMs(this.#now()), this.#queue.size >= this.#batchSize ? 0 : this.#lingerMs);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#flushing = this.#flushOnce().finally(() => {
        this.#flushing = undefined;
        this.#schedule();
      });
    }, wait);
  }

  /** Send one batch if the breaker allows. Returns true when a batch was sent. */
  async #flushOnce(): Promise<boolean> {
    if (this.#queue.size === 0 || !this.#breaker.tryAcquire(this.#now())) return false;
    const batch = this.#queue.take(this.#batchSize);
    this.#gauge();
    const { metrics, codec, topicName, logger } = this.#options;
    const started = performance.now();
    try {
      await this.#connection.get();
      const encoded = await Promise.all(batch.map(async (item) => ({ item, bytes: await codec.encode(item.topic, item.value as EventOf<TopicName>) })));
      const byTopic = new Map<TopicName, Message[]>();
      for (const { item, bytes } of encoded) {
        let messages = byTopic.get(item.topic);
        if (messages === undefined) byTopic.set(item.topic, (messages = []));
        messages.push({ key: item.key, value: bytes });
      }
      await this.#producer.sendBatch({
        acks: THROUGHPUT.acks,
        compression: this.#compression,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic: topicName(topic), messages })),
      });
      this.#breaker.onSuccess();
      metrics.sendDuration.observe({ profile: 'throughput' }, (performance.now() - started) / 1000);
      for (const [topic, messages] of byTopic) {
        metrics.produced.inc({ topic, outcome: 'success' }, messages.length);
        metrics.batchSize.observe({ topic }, messages.length);
      }
      return true;
    } catch (error) {
      this.#breaker.onFailure(this.#now());
      metrics.errors.inc({ type: errorType(error) });
      for (const old of this.#queue.requeue(batch)) this.#dropped(old.topic, 'evicted');
      this.#gauge();
      logger.debug({ err: error, messages: batch.length, circuit: this.#breaker.state }, 'telemetry batch failed; requeued');
      return false;
    }
  }

  /** Flush what is queued for up to closeTimeoutMs, count the rest as dropped, disconnect. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const deadline = this.#now() + (this.#options.closeTimeoutMs ?? 5_000);
    await this.#flushing;
    while (this.#queue.size > 0 && this.#now() < deadline && this.#breaker.state !== 'open') {
      if (!(await this.#flushOnce())) break;
    }
    for (const left of this.#queue.take(this.#queue.size)) this.#dropped(left.topic, 'closed');
    this.#gauge();
    await this.#producer.disconnect().catch(() => undefined);
  }
}
