/** The health-scorer's Prometheus metrics (docs/health-scorer.md, "Metrics"). */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { collectProcessMetrics } from '@slb/core';

export interface ScorerMetrics {
  /** Input records by topic and outcome (accepted, late, duplicate, invalid, replayed, stale, undecodable). */
  readonly consumed: Counter<'topic' | 'outcome'>;
  /** Instance windows published (one metrics-aggregated + one health-scores record each). */
  readonly windowsEmitted: Counter;
  readonly lateReports: Counter;
  readonly deadLetters: Counter<'code'>;
  /** Kafka transactions by outcome (committed, aborted). */
  readonly transactions: Counter<'outcome'>;
  /** Partition state rebuilt from the committed offsets (assignment, rebalance, failed transaction). */
  readonly rebuilds: Counter<'reason'>;
  /** Input partitions this member owns. */
  readonly partitionsOwned: Gauge;
  /** Records behind the partition's high watermark after the last batch. */
  readonly consumerLag: Gauge<'topic' | 'partition'>;
  /** From a window's end to its figures being published (committed). */
  readonly processingLag: Histogram;
}

export function createScorerMetrics(registry: Registry): ScorerMetrics {
  const registers = [registry];
  // Node's standard process metrics under their standard names (once per registry).
  collectProcessMetrics(registry);
  return {
    consumed: new Counter({ name: 'slb_scorer_reports_consumed_total', help: 'Input records consumed, by topic and outcome.', labelNames: ['topic', 'outcome'], registers }),
    windowsEmitted: new Counter({ name: 'slb_scorer_windows_emitted_total', help: 'Instance windows published to metrics-aggregated and health-scores.', registers }),
    lateReports: new Counter({ name: 'slb_scorer_late_reports_total', help: 'Proxy reports for a window that had already closed (counted, not merged).', registers }),
    deadLetters: new Counter({ name: 'slb_scorer_dead_letters_total', help: 'Input records sent to dead-letters, by error code.', labelNames: ['code'], registers }),
    transactions: new Counter({ name: 'slb_scorer_transactions_total', help: 'Kafka transactions, by outcome (committed, aborted).', labelNames: ['outcome'], registers }),
    rebuilds: new Counter({ name: 'slb_scorer_state_rebuilds_total', help: 'Partition window state rebuilt from the committed offsets, by reason.', labelNames: ['reason'], registers }),
    partitionsOwned: new Gauge({ name: 'slb_scorer_partitions_owned', help: 'Input topic-partitions this member owns.', registers }),
    consumerLag: new Gauge({ name: 'slb_scorer_consumer_lag_messages', help: 'Records behind the high watermark after the last batch.', labelNames: ['topic', 'partition'], registers }),
    processingLag: new Histogram({
      name: 'slb_scorer_processing_lag_seconds',
      help: "From a window's end (event time) to its figures being published.",
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers,
    }),
  };
}
