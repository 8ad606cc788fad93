/**
 * The bus's Prometheus metrics (names `slb_bus_*`), after seed 001's list. Built on a registry
 * the caller passes in, so a process can expose one /metrics and tests can read their own.
 * Topic labels carry the catalogue name (without any topicPrefix) to keep cardinality bounded.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export const CIRCUIT_STATE_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;

export interface BusMetrics {
  /** outcome: success | error | dropped | invalid */
  readonly produced: Counter<'topic' | 'outcome'>;
  /** outcome: handled | dead_lettered | skipped */
  readonly consumed: Counter<'topic' | 'outcome'>;
  /** type: an SlbError code or a kafkajs error name */
  readonly errors: Counter<'type'>;
  readonly batchSize: Histogram<'topic'>;
  readonly sendDuration: Histogram<'profile'>;
  readonly queueUtilization: Gauge;
  readonly queueDepth: Gauge;
  /** level: warning | critical | emergency (entered) */
  readonly backpressureEvents: Counter<'level'>;
  /** reason: evicted (queue full, oldest dropped) | closed */
  readonly telemetryDropped: Counter<'topic' | 'reason'>;
  /** 1 connected, 0 not; role: producer-low-latency | producer-throughput | consumer:<group> */
  readonly connectionState: Gauge<'role'>;
  /** 0 closed, 1 half-open, 2 open */
  readonly circuitState: Gauge;
  readonly circuitTransitions: Counter<'to'>;
  readonly deadLetters: Counter<'topic' | 'code'>;
  readonly consumerLag: Gauge<'topic' | 'group' | 'partition'>;
}

const cache = new WeakMap<Registry, BusMetrics>();

/** The bus metrics on `registry`; one set per registry (creating twice returns the same set). */
export function createBusMetrics(registry: Registry): BusMetrics {
  const existing = cache.get(registry);
  if (existing !== undefined) return existing;
  const registers = [registry];
  const metrics: BusMetrics = {
    produced: new Counter({ name: 'slb_bus_messages_produced_total', help: 'Messages given to the bus for publishing, by topic and outcome.', labelNames: ['topic', 'outcome'], registers }),
    consumed: new Counter({ name: 'slb_bus_messages_consumed_total', help: 'Messages read by consumers, by topic and outcome.', labelNames: ['topic', 'outcome'], registers }),
    errors: new Counter({ name: 'slb_bus_errors_total', help: 'Bus errors by type (SlbError code or Kafka error name).', labelNames: ['type'], registers }),
    batchSize: new Histogram({ name: 'slb_bus_batch_size_messages', help: 'Messages per produced batch.', labelNames: ['topic'], buckets: [1, 5, 10, 50, 100, 250, 500, 1000, 2500, 5000], registers }),
    sendDuration: new Histogram({ name: 'slb_bus_send_duration_seconds', help: 'Time from send to broker acknowledgement, by producer profile.', labelNames: ['profile'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers }),
    queueUtilization: new Gauge({ name: 'slb_bus_queue_utilization', help: 'Telemetry queue fill ratio (0..1).', registers }),
    queueDepth: new Gauge({ name: 'slb_bus_queue_depth', help: 'Telemetry messages waiting to be sent.', registers }),
    backpressureEvents: new Counter({ name: 'slb_bus_backpressure_events_total', help: 'Times the telemetry queue entered a backpressure level.', labelNames: ['level'], registers }),
    telemetryDropped: new Counter({ name: 'slb_bus_telemetry_dropped_total', help: 'Telemetry messages dropped, by topic and reason.', labelNames: ['topic', 'reason'], registers }),
    connectionState: new Gauge({ name: 'slb_bus_connection_state', help: 'Broker connection per client role (1 connected, 0 not).', labelNames: ['role'], registers }),
    circuitState: new Gauge({ name: 'slb_bus_circuit_state', help: 'Telemetry circuit breaker (0 closed, 1 half-open, 2 open).', registers }),
    circuitTransitions: new Counter({ name: 'slb_bus_circuit_transitions_total', help: 'Circuit breaker state changes, by new state.', labelNames: ['to'], registers }),
    deadLetters: new Counter({ name: 'slb_bus_dead_letters_total', help: 'Messages sent to dead-letters, by origin topic and error code.', labelNames: ['topic', 'code'], registers }),
    consumerLag: new Gauge({ name: 'slb_bus_consumer_lag', help: 'Messages behind the high watermark, per topic, group and partition.', labelNames: ['topic', 'group', 'partition'], registers }),
  };
  cache.set(registry, metrics);
  return metrics;
}
