/**
 * The in-process bus (standalone mode): the EventBus semantics without Kafka. Each topic has the
 * catalogue's partition count and keys go to the partition Kafka's default partitioner would
 * pick, so per-key order and group work-sharing behave as on Kafka. Every event is validated
 * against its schema, handler failures go to dead-letters, and each key's latest value is kept
 * for watchLatest. Memory is bounded: each partition keeps its newest `retainPerPartition`
 * records (a group that falls further behind skips ahead, counted as skipped).
 */
import { pino } from 'pino';
import type { Registry } from 'prom-client';
import { SlbError } from '../errors/index.js';
import { TOPICS, type TopicName } from '../topics/catalogue.js';
import type { Logger } from '../observability/logger.js';
import { createBusMetrics, type BusMetrics } from '../observability/bus-metrics.js';
import { assertPublishable, assertTopic } from './event-checks.js';
import { deadLetterRecord } from './dead-letter.js';
import { partitionForKey } from './murmur2.js';
import type {
  Delivered,
  EventBus,
  EventOf,
  Handler,
  LatestView,
  PublishOptions,
  SubscribeOptions,
  Subscription,
  TelemetryPublishResult,
} from './types.js';

export interface InProcessBusOptions {
  /** Clock for message timestamps (ms since epoch). */
  readonly now?: () => number;
  readonly logger?: Logger;
  readonly registry?: Registry;
  /** Records kept per partition (default 10,000). */
  readonly retainPerPartition?: number;
}

interface StoredRecord {
  readonly key: string;
  readonly value: unknown;
  readonly offset: number;
  readonly timestamp: number;
  readonly headers: Readonly<Record<string, string>>;
}

class PartitionLog {
  base = 0;
  readonly records: StoredRecord[] = [];
  get end(): number {
    return this.base + this.records.length;
  }
  at(offset: number): StoredRecord | undefined {
    return this.records[offset - this.base];
  }
}

interface Member {
  readonly topics: ReadonlySet<TopicName>;
  readonly handler: Handler<TopicName>;
  stopped: boolean;
  inFlight: Set<Promise<void>>;
}

interface Group {
  readonly id: string;
  readonly positions: Map<string, number>;
  readonly members: Member[];
  readonly pumps: Map<string, { running: boolean }>;
}

/** Values cross the bus as copies, as they would through serialization (Buffers stay Buffers). */
function copy<T>(value: T): T {
  if (Buffer.isBuffer(value)) return Buffer.from(value) as T;
  if (Array.isArray(value)) return value.map((v) => copy(v)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = copy(v);
    return out as T;
  }
  return value;
}

export function createInProcessBus(options: InProcessBusOptions = {}): EventBus {
  const now = options.now ?? Date.now;
  const logger = options.logger ?? pino({ level: 'silent' });
  const metrics: BusMetrics | undefined = options.registry === undefined ? undefined : createBusMetrics(options.registry);
  const retain = options.retainPerPartition ?? 10_000;
  const logs = new Map<TopicName, PartitionLog[]>();
  const latest = new Map<TopicName, Map<string, unknown>>();
  const watchers = new Map<TopicName, Set<(key: string, value: unknown) => void>>();
  const groups = new Map<string, Group>();
  let closed = false;

  const partitionsOf = (topic: TopicName): PartitionLog[] => {
    let parts = logs.get(topic);
    if (parts === undefined) {
      parts = Array.from({ length: TOPICS[topic].partitions }, () => new PartitionLog());
      logs.set(topic, parts);
    }
    return parts;
  };

  function append(topic: TopicName, key: string, value: unknown, headers: Record<string, string>): void {
    const parts = partitionsOf(topic);
    const partition = partitionForKey(key, parts.length);
    const log = parts[partition]!;
    log.records.push({ key, value: copy(value), offset: log.end, timestamp: now(), headers: { ...headers } });
    if (log.records.length > retain) {
      const drop = log.records.length - retain;
      log.records.splice(0, drop);
      log.base += drop;
    }
    let state = latest.get(topic);
    if (state === undefined) latest.set(topic, (state = new Map()));
    // A null value is a tombstone (publish validates values, so only a caller of append makes one).
    if (value === null) state.delete(key);
    else state.set(key, value);
    for (const watcher of watchers.get(topic) ?? []) watcher(key, copy(value));
    for (const group of groups.values()) kick(group, topic, partition);
    metrics?.produced.inc({ topic, outcome: 'success' });
  }

  function kick(group: Group, topic: TopicName, partition: number): void {
    const id = `${topic}/${partition}`;
    let pump = group.pumps.get(id);
    if (pump === undefined) group.pumps.set(id, (pump = { running: false }));
    if (pump.running || closed) return;
    pump.running = true;
    void drain(group, topic, partition).finally(() => {
      pump.running = false;
    });
  }

  async function drain(group: Group, topic: TopicName, partition: number): Promise<void> {
    const log = partitionsOf(topic)[partition]!;
    const id = `${topic}/${partition}`;
    for (;;) {
      if (closed) return;
      const members = group.members.filter((m) => !m.stopped && m.topics.has(topic));
      if (members.length === 0) return;
      let position = group.positions.get(id) ?? log.end;
      if (position < log.base) {
        metrics?.consumed.inc({ topic, outcome: 'skipped' }, log.base - position);
        position = log.base;
      }
      const record = log.at(position);
      if (record === undefined) return;
      // Partition p of a group with n members belongs to member p mod n (a stable assignment).
      const owner = members[partition % members.length]!;
      const delivery = deliver(owner, group, topic, partition, record);
      owner.inFlight.add(delivery);
      await delivery;
      owner.inFlight.delete(delivery);
      group.positions.set(id, position + 1);
      metrics?.consumerLag.set({ topic, group: group.id, partition: String(partition) }, log.end - position - 1);
    }
  }

  async function deliver(member: Member, group: Group, topic: TopicName, partition: number, record: StoredRecord): Promise<void> {
    const message: Delivered<TopicName> = {
      topic,
      key: record.key,
      value: copy(record.value) as EventOf<TopicName>,
      partition,
      offset: String(record.offset),
      timestamp: record.timestamp,
      headers: { ...record.headers },
    };
    try {
      await member.handler(message);
      metrics?.consumed.inc({ topic, outcome: 'handled' });
    } catch (error) {
      const fields = { topic, partition, offset: message.offset, group: group.id, err: error };
      if (topic === 'dead-letters') {
        // Never dead-letter a dead letter: that could loop forever.
        logger.error(fields, 'dead-letters handler failed; message skipped');
        metrics?.consumed.inc({ topic, outcome: 'skipped' });
        return;
      }
      logger.warn(fields, 'handler failed; message sent to dead-letters');
      const dead = deadLetterRecord(
        {
          topic,
          partition,
          offset: message.offset,
          key: Buffer.from(record.key, 'utf8'),
          value: Buffer.from(JSON.stringify(record.value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)), 'utf8'),
          headers: record.headers,
          timestamp: record.timestamp,
          group: group.id,
        },
        error,
        'SLB_HANDLER_FAILED',
        now(),
      );
      metrics?.consumed.inc({ topic, outcome: 'dead_lettered' });
      metrics?.deadLetters.inc({ topic, code: String(dead['errorCode']) });
      append('dead-letters', record.key, dead, {});
    }
  }

  return {
    async publish<T extends TopicName>(topic: T, key: string, value: EventOf<T>, publishOptions: PublishOptions = {}): Promise<void> {
      if (closed) throw new SlbError('SLB_BUS_CLOSED', 'publish on a closed bus');
      assertPublishable(topic, key, value, metrics);
      append(topic, key, value, publishOptions.headers ?? {});
    },

    publishTelemetry<T extends TopicName>(topic: T, key: string, value: EventOf<T>): TelemetryPublishResult {
      if (closed) {
        metrics?.telemetryDropped.inc({ topic, reason: 'closed' });
        return { accepted: false, evicted: 0 };
      }
      assertPublishable(topic, key, value, metrics);
      append(topic, key, value, {});
      return { accepted: true, evicted: 0 };
    },

    async subscribe<T extends TopicName>(topics: readonly T[], subscribeOptions: SubscribeOptions, handler: Handler<T>): Promise<Subscription> {
      if (closed) throw new SlbError('SLB_BUS_CLOSED', 'subscribe on a closed bus');
      topics.forEach((t) => assertTopic(t));
      let group = groups.get(subscribeOptions.groupId);
      if (group === undefined) {
        group = { id: subscribeOptions.groupId, positions: new Map(), members: [], pumps: new Map() };
        groups.set(group.id, group);
      }
      for (const topic of topics) {
        partitionsOf(topic).forEach((log, partition) => {
          const id = `${topic}/${partition}`;
          // Like auto.offset.reset: only a group with no position yet starts at the beginning or end.
          if (!group.positions.has(id)) group.positions.set(id, subscribeOptions.fromBeginning === true ? log.base : log.end);
        });
      }
      const member: Member = { topics: new Set(topics), handler: handler as Handler<TopicName>, stopped: false, inFlight: new Set() };
      group.members.push(member);
      for (const topic of topics) partitionsOf(topic).forEach((_log, partition) => kick(group, topic, partition));
      return {
        async stop(): Promise<void> {
          if (member.stopped) return;
          member.stopped = true;
          await Promise.allSettled([...member.inFlight]);
          group.members.splice(group.members.indexOf(member), 1);
          // Hand this member's partitions to the others.
          for (const topic of topics) partitionsOf(topic).forEach((_log, partition) => kick(group, topic, partition));
        },
      };
    },

    async watchLatest<T extends TopicName>(topic: T, onChange?: (key: string, value: EventOf<T>) => void, onRemove?: (key: string) => void): Promise<LatestView<T>> {
      if (closed) throw new SlbError('SLB_BUS_CLOSED', 'watchLatest on a closed bus');
      assertTopic(topic);
      const view = new Map<string, EventOf<T>>();
      const watcher = (key: string, value: unknown): void => {
        if (value === null) {
          if (view.delete(key)) onRemove?.(key);
          return;
        }
        view.set(key, value as EventOf<T>);
        onChange?.(key, value as EventOf<T>);
      };
      for (const [key, value] of latest.get(topic) ?? []) watcher(key, copy(value));
      let set = watchers.get(topic);
      if (set === undefined) watchers.set(topic, (set = new Set()));
      set.add(watcher);
      return {
        get: (key) => view.get(key),
        entries: () => view,
        caughtUp: Promise.resolve(),
        async close(): Promise<void> {
          watchers.get(topic)?.delete(watcher);
        },
      };
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      const inFlight = [...groups.values()].flatMap((g) => g.members.flatMap((m) => [...m.inFlight]));
      await Promise.allSettled(inFlight);
      watchers.clear();
    },
  };
}
