/**
 * One owned partition number N of the Kafka scorer: partition N of service-metrics and of
 * health-status (the co-partition assigner keeps them together), the window state of their
 * services, and the transactional producer that publishes their windows.
 *
 * Exactly once (docs/health-scorer.md): windows are published in a Kafka transaction together
 * with the input offsets (sendOffsets) and, in the offsets' metadata, the watermark. The
 * transactional id is per partition number (`${groupId}.p${N}`), not per member: whoever owns
 * N next initializes the same id, which fences the previous owner (a zombie's commit fails)
 * and aborts its open transaction before the new owner reads the committed offsets.
 */
import type { Admin, Kafka, KafkaMessage, Message, Producer } from 'kafkajs';
import { deadLetterRecord, isSlbError, SerialLane, SlbError, type EventCodec, type HealthStatus, type Logger, type ServiceMetrics } from '@slb/core';
import { CommitPoint, decodeCommitMetadata, encodeCommitMetadata, type CommitMetadata, type InputKind } from './commit-point.js';
import { ScorerPipeline, type Emission, type ScorerPipelineOptions } from './scorer-pipeline.js';
import type { ScorerMetrics } from './scorer-metrics.js';

/** Broker-side names of the topics the scorer reads and writes. */
export interface ScorerTopics {
  readonly metrics: string;
  readonly status: string;
  readonly aggregated: string;
  readonly scores: string;
  readonly deadLetters: string;
}

export interface PartitionUnitDeps {
  readonly kafka: Kafka;
  readonly codec: EventCodec;
  readonly groupId: string;
  readonly partition: number;
  readonly topics: ScorerTopics;
  readonly admin: () => Promise<Admin>;
  /** consumer.seek: the next fetch of that partition starts at `offset`. */
  readonly seek: (topic: string, partition: number, offset: string) => void;
  readonly pipeline: ScorerPipelineOptions;
  readonly metrics: ScorerMetrics;
  readonly logger: Logger;
  readonly now: () => number;
  /** Longest a transaction may stay open before the broker aborts it. */
  readonly transactionTimeoutMs: number;
  /** Where a partition without a committed offset starts (the consumer's fromBeginning). */
  readonly fromBeginning: boolean;
}

interface PendingRecord {
  /** Report end or verdict time: the order the two inputs are merged in. */
  readonly eventMs: number;
  readonly value: ServiceMetrics | HealthStatus;
  readonly message: KafkaMessage;
  readonly offset: number;
  readonly alreadyHandled: boolean;
}

export function transactionalIdFor(groupId: string, partition: number): string {
  return `${groupId}.p${partition}`;
}

export class PartitionUnit {
  readonly lane = new SerialLane();
  readonly partition: number;
  readonly createdAtMs: number;
  /** The pipeline was given input: from then on the idle rule of the watermark may apply. */
  private fed = false;
  closed = false;
  private readonly pipeline: ScorerPipeline;
  private readonly commit = new CommitPoint();
  private producer: Producer | null = null;
  private readonly start: Record<InputKind, number | null> = { metrics: null, status: null };
  private readonly resumed: Record<InputKind, CommitMetadata | null> = { metrics: null, status: null };
  private pendingDeadLetters: Message[] = [];
  /** Decoded records waiting for the other input to catch up in event time (see admit()). */
  private readonly pending: Record<InputKind, PendingRecord[]> = { metrics: [], status: [] };
  private readonly caughtUp: Record<InputKind, boolean> = { metrics: false, status: false };
  private readonly lastBatchAtMs: Record<InputKind, number>;
  private readonly logger: Logger;

  constructor(private readonly deps: PartitionUnitDeps) {
    this.partition = deps.partition;
    this.createdAtMs = deps.now();
    this.lastBatchAtMs = { metrics: this.createdAtMs, status: this.createdAtMs };
    this.pipeline = new ScorerPipeline(deps.pipeline);
    this.logger = deps.logger.child({ partition: deps.partition });
  }

  private topicOf(kind: InputKind): string {
    return kind === 'metrics' ? this.deps.topics.metrics : this.deps.topics.status;
  }

  /**
   * Fence, then read the committed offsets, then seek: in this order, a previous owner can no
   * longer commit anything after the offsets were read, so the rebuilt state starts exactly
   * where the last committed transaction left it.
   */
  async open(): Promise<void> {
    const { kafka, groupId, partition } = this.deps;
    const producer = kafka.producer({
      transactionalId: transactionalIdFor(groupId, partition),
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: this.deps.transactionTimeoutMs,
      allowAutoTopicCreation: false,
    });
    this.producer = producer;
    await producer.connect();
    // InitProducerId happens on the first transaction: it bumps the epoch of this id (fencing
    // any older holder) and completes the abort of whatever that holder left open.
    const fence = await producer.transaction();
    await fence.abort();

    const admin = await this.deps.admin();
    const committed = await admin.fetchOffsets({ groupId, topics: [this.deps.topics.metrics, this.deps.topics.status] });
    let watermark = Number.NEGATIVE_INFINITY;
    for (const kind of ['metrics', 'status'] as const) {
      const topic = this.topicOf(kind);
      const entry = committed.find((c) => c.topic === topic)?.partitions.find((p) => p.partition === partition);
      const offset = entry === undefined ? -1 : Number(entry.offset);
      // An input with nothing to read is caught up from the start: the other input need not
      // wait for it (health checks may be off, or a partition may hold no traffic).
      const ends = (await admin.fetchTopicOffsets(topic)).find((o) => o.partition === partition);
      if (ends !== undefined) {
        const from = offset >= 0 ? offset : Number(this.deps.fromBeginning ? ends.low : ends.high);
        this.caughtUp[kind] = from >= Number(ends.high);
      }
      if (offset < 0) continue;
      this.start[kind] = offset;
      this.commit.restore(kind, offset);
      const meta = decodeCommitMetadata(entry?.metadata);
      this.resumed[kind] = meta;
      if (meta !== null) watermark = Math.max(watermark, meta.w);
      this.deps.seek(topic, partition, String(offset));
    }
    this.pipeline.resumeFrom(watermark);
    this.logger.info({ start: this.start, watermark: Number.isFinite(watermark) ? watermark : null }, 'partition state rebuilt from committed offsets');
  }

  /** Reads one fetched batch. Returns false when it was stale (a seek overtook it). */
  async consume(kind: InputKind, messages: readonly KafkaMessage[], highWatermark: string, resolveOffset: (offset: string) => void, isStale: () => boolean): Promise<boolean> {
    const topicLabel = kind === 'metrics' ? 'service-metrics' : 'health-status';
    const start = this.start[kind];
    const handledBelow = this.resumed[kind]?.n ?? -1;
    for (const message of messages) {
      if (isStale() || this.closed) return false;
      const offset = Number(message.offset);
      // A batch fetched before our seek may begin below the committed offset.
      if (start !== null && offset < start) continue;
      this.commit.consumed(kind, offset);
      if (message.value !== null) await this.read(kind, topicLabel, message, offset, offset < handledBelow);
      resolveOffset(message.offset);
    }
    if (messages.length > 0) {
      this.lastBatchAtMs[kind] = this.deps.now();
      this.caughtUp[kind] = Number(messages[messages.length - 1]!.offset) + 1 >= Number(highWatermark);
    }
    await this.admit(this.deps.now());
    return true;
  }

  /** Decodes one record into its input queue (undecodable bytes are dead-lettered at once). */
  private async read(kind: InputKind, topicLabel: 'service-metrics' | 'health-status', message: KafkaMessage, offset: number, alreadyHandled: boolean): Promise<void> {
    let value: ServiceMetrics | HealthStatus;
    try {
      value = await this.deps.codec.decode(topicLabel, message.value as Buffer);
    } catch (error) {
      if (isSlbError(error) && error.retriable) throw error;
      this.deps.metrics.consumed.inc({ topic: topicLabel, outcome: 'undecodable' });
      if (!alreadyHandled) await this.deadLetter(topicLabel, message, error, 'SLB_EVENT_UNDECODABLE');
      return;
    }
    if (kind === 'status') {
      // Held from the moment it is read: a waiting verdict is state a rebuild needs too.
      this.commit.holdVerdict((value as HealthStatus).timestamp, offset);
      this.pending.status.push({ eventMs: (value as HealthStatus).timestamp, value, message, offset, alreadyHandled });
    } else {
      this.pending.metrics.push({ eventMs: (value as ServiceMetrics).windowEndMs, value, message, offset, alreadyHandled });
    }
  }

  /**
   * Feeds the two input queues into the pipeline merged by event time. Both move one watermark:
   * read apart (a takeover re-reads both partitions from their committed offsets, a batch of
   * one and then of the other), whichever ran ahead would close windows before the other
   * input's records for them were in. A queue only waits for the other input while that one
   * still has a backlog: once it is caught up (its last batch reached the end of the partition)
   * or quiet for the idle timeout, there is nothing to wait for.
   */
  private async admit(nowMs: number): Promise<void> {
    const { metrics: m, status: s } = this.pending;
    const current = (kind: InputKind): boolean => this.caughtUp[kind] || nowMs - this.lastBatchAtMs[kind] >= this.pipeline.idleTimeoutMs;
    let mi = 0;
    let si = 0;
    for (;;) {
      const nextM = m[mi];
      const nextS = s[si];
      let take: InputKind;
      if (nextM !== undefined && nextS !== undefined) take = nextM.eventMs <= nextS.eventMs ? 'metrics' : 'status';
      else if (nextM !== undefined && current('status')) take = 'metrics';
      else if (nextS !== undefined && current('metrics')) take = 'status';
      else break;
      if (take === 'metrics') {
        const invalid = this.feedMetrics(m[mi++]!, nowMs);
        // Only an invalid report needs the (async) codec, for its dead letter.
        if (invalid !== null) await invalid;
      } else this.feedStatus(s[si++]!, nowMs);
    }
    m.splice(0, mi);
    s.splice(0, si);
  }

  private feedStatus(r: PendingRecord, nowMs: number): void {
    this.fed = true;
    const added = this.pipeline.addStatus(r.value as HealthStatus, nowMs, this.sourceOf('health-status', r));
    this.deps.metrics.consumed.inc({ topic: 'health-status', outcome: added ? 'accepted' : 'stale' });
  }

  /** Returns the dead-lettering of an invalid report, null otherwise. */
  private feedMetrics(r: PendingRecord, nowMs: number): Promise<void> | null {
    this.fed = true;
    const report = r.value as ServiceMetrics;
    const outcome = this.pipeline.addMetrics(report, nowMs, this.sourceOf('service-metrics', r), r.alreadyHandled);
    this.deps.metrics.consumed.inc({ topic: 'service-metrics', outcome });
    if (outcome === 'accepted') this.commit.holdWindow(this.pipeline.windowOf(report), r.offset);
    else if (outcome === 'late') this.deps.metrics.lateReports.inc();
    else if (outcome === 'invalid' && !r.alreadyHandled) {
      const reason = this.pipeline.lastInvalidReason ?? 'invalid report';
      return this.deadLetter('service-metrics', r.message, new SlbError('SLB_EVENT_INVALID', `service-metrics: ${reason}`), 'SLB_EVENT_INVALID');
    }
    return null;
  }

  private sourceOf(topic: 'service-metrics' | 'health-status', r: PendingRecord): { topic: string; partition: number; offset: string } {
    return { topic, partition: this.partition, offset: r.message.offset };
  }

  /** Dead letters leave in the next transaction, with the offsets that move past their record. */
  private async deadLetter(topic: 'service-metrics' | 'health-status', message: KafkaMessage, error: unknown, fallback: 'SLB_EVENT_UNDECODABLE' | 'SLB_EVENT_INVALID'): Promise<void> {
    const record = deadLetterRecord(
      {
        topic,
        partition: this.partition,
        offset: message.offset,
        key: message.key,
        value: message.value ?? Buffer.alloc(0),
        headers: headerStrings(message.headers),
        timestamp: Number(message.timestamp),
        group: this.deps.groupId,
      },
      error,
      fallback,
      this.deps.now(),
    );
    this.logger.warn({ topic, offset: message.offset, code: record.errorCode, reason: record.errorMessage }, 'input record dead-lettered');
    this.deps.metrics.deadLetters.inc({ code: record.errorCode });
    this.pendingDeadLetters.push({ key: message.key, value: await this.deps.codec.encode('dead-letters', record) });
  }

  /**
   * Moves the watermark; when windows closed (or dead letters wait), publishes them in one
   * transaction with the offsets and the watermark. Throws when the transaction failed: the
   * caller then rebuilds this partition from the committed offsets.
   */
  async flush(nowMs: number): Promise<number> {
    if (this.closed) return 0;
    await this.admit(nowMs);
    // No watermark moves while input waits in a queue (the input is not idle, and the idle rule
    // would close windows before their records are in), nor before a rebuilt state was given its
    // first record: an empty aggregator reads as idle and would jump to the clock at once.
    const waiting = this.pending.metrics.length > 0 || this.pending.status.length > 0;
    const fresh = !this.fed && nowMs - this.createdAtMs < this.pipeline.idleTimeoutMs;
    const emissions = waiting || fresh ? [] : this.pipeline.advance(nowMs);
    const watermark = this.pipeline.watermarkMs;
    if (Number.isFinite(watermark)) this.commit.release(watermark, this.pipeline.windowSizeMs, this.pipeline.verdictMaxAgeMs);
    if (emissions.length === 0 && this.pendingDeadLetters.length === 0) return 0;
    const producer = this.producer;
    if (producer === null) throw new SlbError('SLB_PUBLISH_FAILED', `partition ${this.partition} has no producer`);

    const { aggregated, scores } = await this.encode(emissions);
    const offsets = this.offsetsToCommit(watermark);
    const deadLetters = this.pendingDeadLetters;
    this.pendingDeadLetters = [];
    const transaction = await producer.transaction();
    try {
      const topicMessages = [
        { topic: this.deps.topics.aggregated, messages: aggregated },
        { topic: this.deps.topics.scores, messages: scores },
        { topic: this.deps.topics.deadLetters, messages: deadLetters },
      ].filter((t) => t.messages.length > 0);
      if (topicMessages.length > 0) await transaction.sendBatch({ topicMessages, acks: -1 });
      if (offsets.length > 0) await transaction.sendOffsets({ consumerGroupId: this.deps.groupId, topics: offsets });
      await transaction.commit();
    } catch (error) {
      this.deps.metrics.transactions.inc({ outcome: 'aborted' });
      await transaction.abort().catch(() => undefined);
      throw error;
    }
    this.deps.metrics.transactions.inc({ outcome: 'committed' });
    this.logger.debug({ windows: aggregated.length, deadLetters: deadLetters.length, offsets: offsets.map((o) => o.partitions[0]?.offset) }, 'transaction committed');
    const committedAt = this.deps.now();
    for (const e of emissions) {
      this.deps.metrics.windowsEmitted.inc(e.aggregated.length);
      this.deps.metrics.processingLag.observe(Math.max(0, committedAt - e.windowEndMs) / 1000);
    }
    return aggregated.length;
  }

  private async encode(emissions: readonly Emission[]): Promise<{ aggregated: Message[]; scores: Message[] }> {
    const { codec } = this.deps;
    const aggregated = emissions.flatMap((e) => e.aggregated.map(async (r): Promise<Message> => ({ key: e.serviceId, value: await codec.encode('metrics-aggregated', r) })));
    const scores = emissions.flatMap((e) => e.scores.map(async (r): Promise<Message> => ({ key: e.serviceId, value: await codec.encode('health-scores', r) })));
    return { aggregated: await Promise.all(aggregated), scores: await Promise.all(scores) };
  }

  private offsetsToCommit(watermark: number): { topic: string; partitions: { partition: number; offset: string; metadata: string }[] }[] {
    const out: { topic: string; partitions: { partition: number; offset: string; metadata: string }[] }[] = [];
    for (const kind of ['metrics', 'status'] as const) {
      const held = this.commit.offset(kind);
      if (held === null) continue;
      // A record still waiting in its queue was read but not handled: it holds both marks.
      const waiting = this.pending[kind][0]?.offset;
      const offset = waiting === undefined ? held : Math.min(held, waiting);
      const position = this.commit.position(kind) ?? offset;
      // Records below the previous owner's position were handled by it, even if this owner
      // has not re-read that far yet: the mark never moves back.
      const n = Math.max(waiting === undefined ? position : Math.min(position, waiting), this.resumed[kind]?.n ?? 0);
      const metadata = encodeCommitMetadata({ w: Number.isFinite(watermark) ? watermark : 0, n });
      out.push({ topic: this.topicOf(kind), partitions: [{ partition: this.partition, offset: String(offset), metadata }] });
    }
    return out;
  }

  /** Drops the state (the next owner rebuilds it from the committed offsets) and the producer. */
  async close(): Promise<void> {
    this.closed = true;
    await this.lane.idle();
    const producer = this.producer;
    this.producer = null;
    await producer?.disconnect().catch(() => undefined);
  }
}

function headerStrings(headers: KafkaMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.map(String).join(',') : String(v);
  }
  return out;
}
