/**
 * Reading topics record by record, decoded: `readTopic` reads from a point (the beginning, or
 * the first record at or after a timestamp) to the end the topic had when the read began;
 * `followTopic` reads from a point on until stopped (tail). A consumer in a private group that
 * never commits does the reading and is deleted afterwards. Undecodable records, and records on
 * a partition their key does not map to (core's key-partition rule, which every consumer of the
 * fleet applies), are returned with their error rather than stopping the read, and without a
 * value, so no per-key state is built from them.
 */
import type { Consumer, EachBatchPayload, IHeaders } from 'kafkajs';
import { isSlbError, misplacedRecord, SlbError, type EventOf, type TopicName } from '@slb/core';
import { rootMessage, withTimeout, type Session } from './session.js';

export interface TopicRecord<T extends TopicName> {
  readonly topic: T;
  readonly key: string | null;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The decoded event; undefined for a tombstone or an undecodable record. */
  readonly value?: EventOf<T>;
  /** Set when the record could not be decoded, or is on the wrong partition (`misplaced`). */
  readonly error?: { readonly code: string; readonly message: string };
  /** On a partition its key does not map to: refused by every consumer, so not part of any state. */
  readonly misplaced?: boolean;
  /** The bytes as stored (dead-letter replay, undecodable records). */
  readonly raw: Buffer | null;
}

/** Where a read starts: the beginning, the end, or the first record at/after a time (ms). */
export type StartAt = 'beginning' | 'end' | { readonly sinceMs: number };

interface PartitionRange {
  readonly start: number;
  readonly high: number;
}

async function ranges(session: Session, physical: string, at: StartAt): Promise<Map<number, PartitionRange>> {
  const offsets = await session.admin.fetchTopicOffsets(physical);
  const out = new Map<number, PartitionRange>();
  let byTime: Map<number, number> | undefined;
  if (typeof at === 'object') {
    const found = await session.admin.fetchTopicOffsetsByTimestamp(physical, at.sinceMs);
    byTime = new Map(found.map((p) => [p.partition, Number(p.offset)]));
  }
  for (const p of offsets) {
    const low = Number(p.low);
    const high = Number(p.high);
    let start = at === 'beginning' ? low : at === 'end' ? high : (byTime?.get(p.partition) ?? high);
    if (start < 0 || start > high) start = high; // no record at/after the time
    out.set(p.partition, { start: Math.max(start, low), high });
  }
  return out;
}

function headerText(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = first.toString();
  }
  return out;
}

interface Reading<T extends TopicName> {
  readonly topic: T;
  readonly at: StartAt;
  /** Decode only records with these keys (others are skipped unread). */
  readonly keys?: ReadonlySet<string>;
  /** false: keep reading past the end (follow). */
  readonly stopAtEnd: boolean;
  readonly onRecord: (record: TopicRecord<T>) => void;
  /** Called once the start offsets are fixed: records written after this are delivered. */
  readonly onReady?: () => void;
}

async function read<T extends TopicName>(session: Session, reading: Reading<T>, until: Promise<void>): Promise<void> {
  const physical = session.topicName(reading.topic);
  const parts = await ranges(session, physical, reading.at);
  const remaining = new Set([...parts].filter(([, r]) => r.start < r.high).map(([p]) => p));
  reading.onReady?.();
  if (reading.stopAtEnd && remaining.size === 0) return;
  const groupId = session.privateGroupId(`read-${reading.topic}`);
  const consumer: Consumer = session.kafka.consumer({
    groupId,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    maxWaitTimeInMs: 100,
    allowAutoTopicCreation: false,
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1_000 },
  });
  let finish!: () => void;
  let fail!: (error: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  consumer.on(consumer.events.CRASH, (event) => fail(event.payload.error));

  const eachBatch = async ({ batch, isRunning, isStale }: EachBatchPayload): Promise<void> => {
    const range = parts.get(batch.partition);
    if (range === undefined) return;
    for (const message of batch.messages) {
      if (!isRunning() || isStale()) return;
      const offset = Number(message.offset);
      if (offset < range.start) continue; // delivered before our seek took effect
      const key = message.key === null ? null : message.key.toString('utf8');
      if (reading.keys === undefined || (key !== null && reading.keys.has(key))) {
        const base = { topic: reading.topic, key, partition: batch.partition, offset, timestamp: Number(message.timestamp), headers: headerText(message.headers), raw: message.value };
        const misplaced = misplacedRecord(reading.topic, message.key, batch.partition, parts.size);
        if (misplaced !== undefined) reading.onRecord({ ...base, misplaced: true, error: { code: misplaced.code, message: misplaced.message } });
        else if (message.value === null) reading.onRecord(base);
        else {
          try {
            reading.onRecord({ ...base, value: await session.codec.decode(reading.topic, message.value) });
          } catch (error) {
            if (isSlbError(error) && error.retriable) throw error; // registry trouble: not the record's fault
            reading.onRecord({ ...base, error: { code: isSlbError(error) ? error.code : 'SLB_EVENT_UNDECODABLE', message: rootMessage(error) } });
          }
        }
      }
      if (reading.stopAtEnd && offset + 1 >= range.high) {
        remaining.delete(batch.partition);
        if (remaining.size === 0) finish();
      }
    }
  };

  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [physical], fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatch });
    for (const [partition, r] of parts) consumer.seek({ topic: physical, partition, offset: String(r.start) });
    await Promise.race([done, until]);
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await session.admin.deleteGroups([groupId]).catch(() => undefined);
  }
}

/** Every record of `topic` from `at` to the end it had when the read began. */
export async function readTopic<T extends TopicName>(session: Session, topic: T, at: StartAt, keys?: ReadonlySet<string>): Promise<TopicRecord<T>[]> {
  const records: TopicRecord<T>[] = [];
  const never = new Promise<void>(() => undefined);
  try {
    await withTimeout(read(session, { topic, at, stopAtEnd: true, onRecord: (r) => records.push(r), ...(keys === undefined ? {} : { keys }) }, never), session.settings.timeoutMs, `reading ${session.topicName(topic)}`);
  } catch (error) {
    if (isSlbError(error)) throw error;
    throw new SlbError('SLB_KAFKA_UNREACHABLE', `cannot read ${session.topicName(topic)}: ${rootMessage(error)}`, { cause: error });
  }
  // Log order: per key (one partition) this is the order the records were written in.
  return records.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

/** Records of `topic` from `at` on, until `signal` aborts. */
export async function followTopic<T extends TopicName>(
  session: Session,
  topic: T,
  at: StartAt,
  onRecord: (record: TopicRecord<T>) => void,
  signal: AbortSignal,
  onReady?: () => void,
): Promise<void> {
  const stopped = new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  try {
    await read(session, { topic, at, stopAtEnd: false, onRecord, ...(onReady === undefined ? {} : { onReady }) }, stopped);
  } catch (error) {
    if (isSlbError(error)) throw error;
    throw new SlbError('SLB_KAFKA_UNREACHABLE', `cannot read ${session.topicName(topic)}: ${rootMessage(error)}`, { cause: error });
  }
}

/**
 * What orders the values of one key: a config's or a decision's `version`, a status's
 * `updatedAtMs`; undefined for topics whose values carry no order (log order then decides).
 */
export function valueRank(value: unknown): number | undefined {
  const v = value as { version?: unknown; updatedAtMs?: unknown; proxyId?: unknown };
  if (typeof v.version === 'number') return v.version;
  if (typeof v.proxyId === 'string' && typeof v.updatedAtMs === 'number') return v.updatedAtMs;
  return undefined;
}

/**
 * Per-key state from records in log order, as the fleet builds it: the HIGHEST version wins,
 * not the last record read (versions only move forward; a proxy takes an older or equal version
 * as a replay, so the first of equal versions is the one that runs). A tombstone removes the
 * key; records without a value (undecodable, on the wrong partition) change nothing.
 */
export function latestFromRecords<T extends TopicName>(records: readonly TopicRecord<T>[]): Map<string, EventOf<T>> {
  const latest = new Map<string, EventOf<T>>();
  for (const r of records) {
    if (r.key === null) continue;
    if (r.value !== undefined) {
      const current = latest.get(r.key);
      const next = valueRank(r.value);
      const held = current === undefined ? undefined : valueRank(current);
      if (current === undefined || next === undefined || held === undefined || next > held) latest.set(r.key, r.value);
    } else if (r.raw === null && r.misplaced !== true) latest.delete(r.key);
  }
  return latest;
}

/** The latest value per key of a compacted topic, as it stands now (highest version wins). */
export async function latestPerKey<T extends TopicName>(session: Session, topic: T): Promise<Map<string, EventOf<T>>> {
  return latestFromRecords(await readTopic(session, topic, 'beginning'));
}

/** Records in time order (display); ties keep log order. */
export function byTime<T extends TopicName>(records: readonly TopicRecord<T>[]): TopicRecord<T>[] {
  return [...records].sort((a, b) => a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset);
}
