/**
 * The low-latency, must-not-lose producer (config, decisions, status, alerts, audit, dead
 * letters): idempotent, acks=all, one request in flight. No linger: a publish goes out at once,
 * but publishes made while a request is in flight leave together in the next one, which keeps
 * call order per key and gives throughput under load. A failed send is retried (with backoff)
 * until `deliveryTimeoutMs`, so a broker that is down for a while loses nothing that was acked.
 */
import type { Kafka, Producer, Message } from 'kafkajs';
import { Partitioners } from './kafkajs.js';
import { SlbError } from '../errors/index.js';
import type { TopicName } from '../topics/catalogue.js';
import type { Logger } from '../observability/logger.js';
import type { BusMetrics } from '../observability/bus-metrics.js';
import { LOW_LATENCY } from './producer-profiles.js';
import { errorType, isPermanentKafkaError } from './kafka-errors.js';
import { connectOnce } from './connect-once.js';

export interface ReliableProducerOptions {
  readonly kafka: Kafka;
  readonly metrics: BusMetrics;
  readonly logger: Logger;
  /** Give up on a message after this long (default 120 s). */
  readonly deliveryTimeoutMs?: number;
  /** Most messages per request (default 1,000). */
  readonly maxBatch?: number;
  readonly now?: () => number;
}

interface Pending {
  readonly logical: TopicName;
  readonly topic: string;
  readonly key: Buffer | string | null;
  readonly value: Promise<Buffer>;
  readonly headers: Record<string, string> | undefined;
  readonly enqueuedAt: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

interface Ready extends Omit<Pending, 'value'> {
  readonly bytes: Buffer;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class ReliableProducer {
  readonly #producer: Producer;
  readonly #metrics: BusMetrics;
  readonly #logger: Logger;
  readonly #deliveryTimeoutMs: number;
  readonly #maxBatch: number;
  readonly #now: () => number;
  #pending: Pending[] = [];
  #running: Promise<void> | undefined;
  readonly #connection = connectOnce(() => this.#producer.connect());
  #closed = false;
  /** Set by close(): messages still unsent at this time fail instead of retrying on. */
  #closeDeadline = Number.POSITIVE_INFINITY;

  constructor(options: ReliableProducerOptions) {
    this.#producer = options.kafka.producer({
      idempotent: LOW_LATENCY.idempotent,
      maxInFlightRequests: LOW_LATENCY.maxInFlightRequests,
      allowAutoTopicCreation: false,
      // Java-compatible murmur2: the same key lands on the same partition as with any Kafka client.
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2_000 },
    });
    this.#metrics = options.metrics;
    this.#logger = options.logger;
    this.#deliveryTimeoutMs = options.deliveryTimeoutMs ?? 120_000;
    this.#maxBatch = options.maxBatch ?? 1_000;
    this.#now = options.now ?? Date.now;
    this.#producer.on(this.#producer.events.CONNECT, () => this.#metrics.connectionState.set({ role: 'producer-low-latency' }, 1));
    this.#producer.on(this.#producer.events.DISCONNECT, () => this.#metrics.connectionState.set({ role: 'producer-low-latency' }, 0));
  }

  /** Queue one message; resolves when the broker acknowledged it with acks=all. */
  send(logical: TopicName, topic: string, key: Buffer | string | null, value: Promise<Buffer>, headers?: Record<string, string>): Promise<void> {
    if (this.#closed) return Promise.reject(new SlbError('SLB_BUS_CLOSED', 'publish on a closed bus'));
    // Encoding is async (registry lookups); keep call order by queueing the promise, not the bytes.
    value.catch(() => undefined);
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ logical, topic, key, value, headers, enqueuedAt: this.#now(), resolve, reject });
      this.#running ??= this.#drain();
    });
  }

  async #drain(): Promise<void> {
    // Cleared in the same synchronous step that sees the queue empty, so a send() arriving
    // right after always finds either a running drain that will take it or none at all.
    for (;;) {
      if (this.#pending.length === 0) {
        this.#running = undefined;
        return;
      }
      const batch = this.#pending.splice(0, this.#maxBatch);
      const ready: Ready[] = [];
      for (const item of batch) {
        try {
          ready.push({ ...item, bytes: await item.value });
        } catch (error) {
          this.#metrics.produced.inc({ topic: item.logical, outcome: 'error' });
          this.#metrics.errors.inc({ type: errorType(error) });
          item.reject(error);
        }
      }
      if (ready.length > 0) await this.#deliver(ready);
    }
  }

  async #deliver(batch: readonly Ready[]): Promise<void> {
    let backoff = 100;
    for (let attempt = 1; ; attempt += 1) {
      const started = performance.now();
      try {
        await this.#connection.get();
        await this.#producer.sendBatch({ acks: LOW_LATENCY.acks, topicMessages: topicMessages(batch) });
        this.#metrics.sendDuration.observe({ profile: 'low-latency' }, (performance.now() - started) / 1000);
        for (const item of batch) {
          this.#metrics.produced.inc({ topic: item.logical, outcome: 'success' });
          item.resolve();
        }
        this.#metrics.batchSize.observe({ topic: batch[0]!.logical }, batch.length);
        return;
      } catch (error) {
        this.#metrics.errors.inc({ type: errorType(error) });
        const oldest = Math.min(...batch.map((b) => b.enqueuedAt));
        const expired = this.#now() - oldest >= this.#deliveryTimeoutMs || this.#now() >= this.#closeDeadline;
        if (isPermanentKafkaError(error) && batch.length > 1) {
          // One bad message (e.g. too large) must not sink the others: send each on its own.
          for (const item of batch) await this.#deliver([item]);
          return;
        }
        if (isPermanentKafkaError(error) || expired) {
          const failure = new SlbError('SLB_PUBLISH_FAILED', `publish failed after ${attempt} attempt(s): ${(error as Error).message}`, {
            cause: error,
            retriable: !isPermanentKafkaError(error),
            details: { topics: [...new Set(batch.map((b) => b.logical))] },
          });
          for (const item of batch) {
            this.#metrics.produced.inc({ topic: item.logical, outcome: 'error' });
            item.reject(failure);
          }
          return;
        }
        this.#logger.warn({ err: error, attempt, messages: batch.length }, 'reliable publish failed; retrying');
        await sleep(backoff);
        backoff = Math.min(5_000, backoff * 2);
      }
    }
  }

  /** Deliver what is queued, retrying for at most `timeoutMs` more, then disconnect. */
  async close(timeoutMs = 10_000): Promise<void> {
    if (this.#closed) return;
    this.#closeDeadline = this.#now() + timeoutMs;
    await this.#running;
    this.#closed = true;
    await this.#producer.disconnect().catch(() => undefined);
  }
}

function topicMessages(batch: readonly Ready[]): { topic: string; messages: Message[] }[] {
  const byTopic = new Map<string, Message[]>();
  for (const item of batch) {
    let messages = byTopic.get(item.topic);
    if (messages === undefined) byTopic.set(item.topic, (messages = []));
    messages.push({ key: item.key, value: item.bytes, ...(item.headers === undefined ? {} : { headers: item.headers }) });
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
