/**
 * The distributed scorer: a consumer group on service-metrics and health-status. Each member
 * owns the partition numbers the co-partition assigner gives it (so the services in them), one
 * PartitionUnit per number. On every rebalance all units are dropped and rebuilt from the
 * committed offsets: kafkajs restarts every assigned partition from its committed offset after a
 * rejoin anyway, and the window state is a function of exactly that (docs/health-scorer.md).
 */
import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { ensureTopics, MAX_MESSAGE_BYTES, retry, SlbError, type EventCodec, type Logger, lazyAdmin, type RetryPolicy } from '@slb/core';
import { coPartitionAssigner } from './co-partition-assigner.js';
import { PartitionUnit, type ScorerTopics } from './partition-unit.js';
import type { ScorerPipelineOptions } from './scorer-pipeline.js';
import type { ScorerMetrics } from './scorer-metrics.js';

export interface KafkaScorerOptions {
  readonly kafka: Kafka;
  readonly codec: EventCodec;
  readonly topicPrefix: string;
  readonly groupId: string;
  readonly memberName: string;
  readonly fromBeginning: boolean;
  readonly sessionTimeoutMs: number;
  readonly tickMs: number;
  readonly pipeline: ScorerPipelineOptions;
  readonly metrics: ScorerMetrics;
  readonly logger: Logger;
  readonly now: () => number;
}

export interface RunningScorer {
  readonly running: boolean;
  /** Partition numbers owned right now. */
  owned(): number[];
  stop(): Promise<void>;
}

/**
 * Re-opening a partition's state after a failed open or transaction (broker trouble, or being
 * fenced): backoff with jitter from 1 s (each delay x [1, 2)), at most 10 s apart, for as long as
 * the partition is still this member's (rule 11: core's one retrier).
 */
const REBUILD_RETRY: RetryPolicy = { retries: Number.POSITIVE_INFINITY, minTimeoutMs: 1_000, maxTimeoutMs: 10_000, factor: 2 };

type RebuildReason = 'assignment' | 'transaction-failed' | 'open-failed';

export async function startKafkaScorer(options: KafkaScorerOptions): Promise<RunningScorer> {
  const { kafka, groupId, metrics, now } = options;
  const logger = options.logger.child({ group: groupId, member: options.memberName });
  const name = (t: string): string => options.topicPrefix + t;
  const topics: ScorerTopics = {
    metrics: name('service-metrics'),
    status: name('health-status'),
    aggregated: name('metrics-aggregated'),
    scores: name('health-scores'),
    deadLetters: name('dead-letters'),
  };

  const adminConnection = lazyAdmin(kafka);
  const admin = (): Promise<Admin> => adminConnection.get();

  // The start-up check: the scorer never creates topics, init-topics does.
  const report = await ensureTopics(await admin(), {
    prefix: options.topicPrefix,
    topics: ['service-metrics', 'health-status', 'metrics-aggregated', 'health-scores', 'dead-letters'],
    create: false,
  });
  if (report.missing.length > 0) {
    await adminConnection.close();
    throw new SlbError('SLB_TOPIC_MISSING', `missing topics: ${report.missing.join(', ')} (run init-topics)`, { details: { missing: report.missing } });
  }

  const consumer: Consumer = kafka.consumer({
    groupId,
    sessionTimeout: options.sessionTimeoutMs,
    rebalanceTimeout: Math.max(options.sessionTimeoutMs * 2, 10_000),
    heartbeatInterval: Math.max(200, Math.floor(options.sessionTimeoutMs / 6)),
    partitionAssigners: [coPartitionAssigner],
    maxWaitTimeInMs: 100,
    // Large fetches: a record may be up to max.message.bytes, and a backlog (a takeover, a
    // restart) is read in few round trips rather than 1 MB at a time.
    maxBytesPerPartition: MAX_MESSAGE_BYTES + 1024 * 1024,
    maxBytes: 4 * (MAX_MESSAGE_BYTES + 1024 * 1024),
    // Inputs are not transactional; read_committed (the kafkajs default) costs nothing and is
    // right should a producer ever write them in transactions.
    readUncommitted: false,
    allowAutoTopicCreation: false,
    retry: { retries: 10, initialRetryTime: 200, maxRetryTime: 5_000, restartOnFailure: async () => true },
  });

  let units = new Map<number, PartitionUnit>();
  /** Resolves once a unit has fenced, read its committed offsets and sought there. */
  const readiness = new WeakMap<PartitionUnit, Promise<unknown>>();
  let running = true;
  /** Aborted by stop(): ends every rebuild waiting out a back-off. */
  const stopping = new AbortController();
  const ticking = new Set<PartitionUnit>();

  const unitDeps = (partition: number) => ({
    kafka,
    codec: options.codec,
    groupId,
    partition,
    topics,
    admin,
    seek: (topic: string, p: number, offset: string) => consumer.seek({ topic, partition: p, offset }),
    pipeline: options.pipeline,
    metrics,
    logger,
    now,
    transactionTimeoutMs: 30_000,
    fromBeginning: options.fromBeginning,
  });

  /**
   * Replaces the unit of `partition` by a fresh one rebuilt from the committed offsets. An open
   * that fails is retried through core's retrier, each attempt in a fresh unit (a failed open
   * leaves a unit half-built), until one opens or the partition is no longer this rebuild's: the
   * member stopped, or a newer rebuild (a new assignment) replaced the unit. `failure`: why the old
   * unit's state is unusable (a failed transaction); it counts as the first failed attempt, so
   * the first open already waits a back-off.
   */
  function rebuild(partition: number, previous: PartitionUnit | undefined, reason: RebuildReason, failure?: unknown): void {
    let closing = previous === undefined ? Promise.resolve() : previous.close();
    let unit = install(partition, reason);
    // Every failure is worth another attempt while the partition is ours (a stalled partition is
    // worse than a retry): isRetriable below says so, for TypeErrors and non-Errors too.
    const attempt = async (n: number): Promise<void> => {
      if (n === 1 && failure !== undefined) throw failure;
      await closing;
      await unit.lane.run(() => (unit.closed ? undefined : unit.open()));
    };
    const opened = retry(attempt, REBUILD_RETRY, {
      isRetriable: () => running && !unit.closed && units.get(partition) === unit,
      signal: stopping.signal,
      onRetry: (error, n) => {
        if (n === 1 && failure !== undefined) return; // the failed transaction: the fresh unit waits its back-off
        logger.warn({ partition, err: error }, 'could not rebuild partition state; retrying');
        const failed = unit;
        closing = failed.close();
        unit = install(partition, 'open-failed');
        readiness.set(unit, opened);
      },
    });
    readiness.set(unit, opened);
    // Given up only when stopped or superseded: nothing to report, eachBatch and the tick skip it.
    opened.catch(() => undefined);
  }

  function install(partition: number, reason: RebuildReason): PartitionUnit {
    const unit = new PartitionUnit(unitDeps(partition));
    units.set(partition, unit);
    metrics.rebuilds.inc({ reason });
    return unit;
  }

  function failed(unit: PartitionUnit, error: unknown): void {
    if (!running || unit.closed || units.get(unit.partition) !== unit) return;
    logger.warn({ partition: unit.partition, err: error }, 'transaction failed; rebuilding partition state from the committed offsets');
    rebuild(unit.partition, unit, 'transaction-failed', error);
  }

  let joined: () => void = () => undefined;
  const firstJoin = new Promise<void>((resolve) => (joined = resolve));
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    const assignment = event.payload.memberAssignment;
    const numbers = new Set<number>();
    let count = 0;
    for (const topic of [topics.metrics, topics.status]) {
      for (const p of assignment[topic] ?? []) {
        numbers.add(p);
        count += 1;
      }
    }
    metrics.partitionsOwned.set(count);
    const previous = units;
    units = new Map();
    for (const [p, unit] of previous) if (!numbers.has(p)) void unit.close();
    for (const p of numbers) rebuild(p, previous.get(p), 'assignment');
    logger.info({ partitions: [...numbers].sort() }, 'partitions assigned');
    joined();
  });
  consumer.on(consumer.events.CRASH, (event) => {
    logger.warn({ err: event.payload.error, restart: event.payload.restart }, 'consumer crashed');
  });

  async function eachBatch({ batch, resolveOffset, heartbeat, isStale }: EachBatchPayload): Promise<void> {
    const unit = units.get(batch.partition);
    if (unit === undefined || batch.messages.length === 0) return;
    // Opening fences the previous owner, which can take a while (the broker first completes
    // the abort of its open transaction): keep heartbeating meanwhile.
    const open: { outcome: 'waiting' | 'opened' | 'failed' } = { outcome: 'waiting' };
    const ready = (readiness.get(unit) ?? Promise.resolve()).then(
      () => (open.outcome = 'opened'),
      () => (open.outcome = 'failed'),
    );
    for (;;) {
      await Promise.race([ready, new Promise<void>((resolve) => setTimeout(resolve, 1_000).unref())]);
      if (open.outcome !== 'waiting' || unit.closed) break;
      await heartbeat();
    }
    if (open.outcome !== 'opened') return; // a rebuild is under way; it seeks this partition back to the committed offset
    const kind = batch.topic === topics.metrics ? 'metrics' : 'status';
    const topicLabel = kind === 'metrics' ? 'service-metrics' : 'health-status';
    await unit.lane.run(async () => {
      if (unit.closed || isStale()) return;
      const fresh = await unit.consume(kind, batch.messages, batch.highWatermark, resolveOffset, isStale);
      if (!fresh) return;
      try {
        await unit.flush(now());
      } catch (error) {
        failed(unit, error);
      }
    });
    const last = batch.messages[batch.messages.length - 1]!;
    metrics.consumerLag.set({ topic: topicLabel, partition: String(batch.partition) }, Math.max(0, Number(batch.highWatermark) - Number(last.offset) - 1));
    await heartbeat();
  }

  // Closes windows when input goes quiet (the watermark's idle rule) and sends waiting dead letters.
  const tick = setInterval(() => {
    for (const unit of units.values()) {
      if (unit.closed || ticking.has(unit)) continue;
      ticking.add(unit);
      void (readiness.get(unit) ?? Promise.resolve())
        .then(() => unit.lane.run(() => unit.flush(now())))
        .catch((error: unknown) => failed(unit, error))
        .finally(() => ticking.delete(unit));
    }
  }, options.tickMs);
  tick.unref();

  await consumer.connect();
  await consumer.subscribe({ topics: [topics.metrics, topics.status], fromBeginning: options.fromBeginning });
  await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 6, eachBatch });
  await firstJoin;
  logger.info('health-scorer joined its group');

  return {
    get running() {
      return running;
    },
    owned: () => [...units.keys()].sort((a, b) => a - b),
    async stop(): Promise<void> {
      if (!running) return;
      running = false;
      stopping.abort();
      clearInterval(tick);
      // Leaving the group first hands the partitions over at once; open windows are not
      // published here: the next owner rebuilds them from the committed offsets.
      await consumer.disconnect();
      await Promise.all([...units.values()].map((u) => u.close()));
      units.clear();
      metrics.partitionsOwned.set(0);
      await adminConnection.close();
    },
  };
}
