/**
 * Producer profiles (seeds 000/001/002). kafkajs has no linger.ms: every send() is one request,
 * so "batching" is what the bus does before calling send().
 *
 * - low-latency: each publish is sent at once (no linger, batch of one), acks=all, idempotent,
 *   one request in flight so retries cannot reorder a key. For state that must not be lost or
 *   reordered: decisions, config, status, alerts, audit, dead letters.
 * - throughput: telemetry goes through a bounded queue and leaves in batches of up to
 *   `batchSize` messages or every `lingerMs`, whichever comes first, compressed (gzip default).
 *   Leader-only acks: a lost sample is replaced by the next window, and rule 1 prefers dropping
 *   telemetry to slowing the data plane.
 */
import type { TopicName } from '../topics/catalogue.js';

export type ProfileName = 'low-latency' | 'throughput';
export type CompressionName = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface ProducerProfile {
  readonly name: ProfileName;
  readonly acks: -1 | 1;
  readonly idempotent: boolean;
  readonly maxInFlightRequests: number;
  /** Messages per send() (low-latency: 1). */
  readonly batchSize: number;
  /** Max time a message waits in the queue for a batch to fill (low-latency: 0). */
  readonly lingerMs: number;
  readonly compression: CompressionName;
}

export const LOW_LATENCY: ProducerProfile = Object.freeze({
  name: 'low-latency',
  acks: -1,
  idempotent: true,
  maxInFlightRequests: 1,
  batchSize: 1,
  lingerMs: 0,
  compression: 'none',
});

export const THROUGHPUT: ProducerProfile = Object.freeze({
  name: 'throughput',
  acks: 1,
  idempotent: false,
  maxInFlightRequests: 1,
  batchSize: 500,
  lingerMs: 20,
  compression: 'gzip',
});

/**
 * Topics publishTelemetry sends through the throughput path. The scorer's windows
 * (metrics-aggregated, health-scores) are replaced by the next window, so their publisher may
 * choose this path too; publish() always takes the low-latency one. Any other topic given to
 * publishTelemetry still goes out reliably (in the background): state is never dropped.
 */
export const TELEMETRY_TOPICS: ReadonlySet<TopicName> = new Set<TopicName>(['service-metrics', 'health-status', 'metrics-aggregated', 'health-scores']);
