/**
 * The EventBus behaviour both implementations must show. in-process.test.ts and kafka.test.ts
 * each call `busBehaviour` with a factory; the same expectations run against both.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleEvents, isSlbError, partitionForKey, type AuditLog, type Delivered, type EventBus, type DeadLetter, type RoutingDecision } from '@slb/core';
import { collector, eventually } from './collect.js';

export interface BusUnderTest {
  readonly bus: EventBus;
  /** Another bus on the same broker and namespace, as a second process would have. */
  readonly peer: EventBus;
  close(): Promise<void>;
}

export type BusFactory = () => Promise<BusUnderTest>;

const id = (label: string): string => `${label}-${randomBytes(3).toString('hex')}`;

export function audit(entityId: string, seq: number): AuditLog {
  return { ...exampleEvents()['audit-logs'], auditId: `au-${seq}`, entityId, atMs: 1_767_225_600_000 + seq };
}

function decision(serviceId: string, version: number): RoutingDecision {
  return { ...exampleEvents()['routing-decisions'], serviceId, version };
}

export function busBehaviour(name: string, factory: BusFactory): void {
  describe(`EventBus behaviour: ${name}`, () => {
    let sut: BusUnderTest;
    beforeAll(async () => {
      sut = await factory();
    });
    afterAll(async () => {
      await sut?.close();
    });

    it('delivers a published event with its key, headers, partition and offset', async () => {
      const key = id('svc');
      const got = collector<Delivered<'audit-logs'>>('delivered');
      const sub = await sut.bus.subscribe(['audit-logs'], { groupId: id('g'), fromBeginning: true }, (m) => {
        if (m.key === key) got.push(m);
      });
      await sut.bus.publish('audit-logs', key, audit(key, 1), { headers: { trace: 't-1' } });
      const [message] = await got.until(1);
      await sub.stop();
      expect(message!.topic).toBe('audit-logs');
      expect(message!.value).toEqual(audit(key, 1));
      expect(message!.headers).toMatchObject({ trace: 't-1' });
      // Same partition as Kafka's default (murmur2) partitioner would choose.
      expect(message!.partition).toBe(partitionForKey(key, 3));
      expect(message!.offset).toMatch(/^\d+$/);
      expect(message!.timestamp).toBeGreaterThan(0);
    });

    it('rejects an event that does not match its schema, on both publish paths', async () => {
      const bad = { ...audit('x', 1), atMs: 'yesterday' } as unknown as AuditLog;
      const rejection = await sut.bus.publish('audit-logs', 'x', bad).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(isSlbError(rejection, 'SLB_EVENT_INVALID')).toBe(true);
      const metrics = { ...exampleEvents()['service-metrics'], requests: -1.5 };
      expect(() => sut.bus.publishTelemetry('service-metrics', 'checkout', metrics)).toThrowError(expect.objectContaining({ code: 'SLB_EVENT_INVALID' }));
      await expect(sut.bus.publish('audit-logs', '', audit('x', 1))).rejects.toMatchObject({ code: 'SLB_EVENT_INVALID' });
    });

    it('keeps per-key order for concurrent publishes', async () => {
      const keys = Array.from({ length: 6 }, (_, i) => id(`k${i}`));
      const perKey = 50;
      const got = collector<Delivered<'audit-logs'>>('ordered');
      const mine = new Set(keys);
      const sub = await sut.bus.subscribe(['audit-logs'], { groupId: id('order'), fromBeginning: true }, (m) => {
        if (mine.has(m.key)) got.push(m);
      });
      const sends: Promise<void>[] = [];
      for (let seq = 0; seq < perKey; seq += 1) for (const key of keys) sends.push(sut.bus.publish('audit-logs', key, audit(key, seq)));
      await Promise.all(sends);
      const delivered = await got.until(keys.length * perKey);
      await sub.stop();
      for (const key of keys) {
        const seqs = delivered.filter((m) => m.key === key).map((m) => m.value.atMs - 1_767_225_600_000);
        expect(seqs).toEqual(Array.from({ length: perKey }, (_, i) => i));
      }
    });

    it('shares a topic between the members of one group and gives each group every event', async () => {
      const group = id('shared');
      const a = collector<string>('member a');
      const b = collector<string>('member b');
      const other = collector<string>('other group');
      const prefix = id('share');
      const keep = (c: { push(v: string): void }) => (m: Delivered<'audit-logs'>) => {
        if (m.key.startsWith(prefix)) c.push(`${m.key}/${m.value.auditId}`);
      };
      const subA = await sut.bus.subscribe(['audit-logs'], { groupId: group, fromBeginning: true }, keep(a));
      const subB = await sut.peer.subscribe(['audit-logs'], { groupId: group, fromBeginning: true }, keep(b));
      const subOther = await sut.bus.subscribe(['audit-logs'], { groupId: id('other'), fromBeginning: true }, keep(other));
      const keys = Array.from({ length: 30 }, (_, i) => `${prefix}-${i}`);
      await Promise.all(keys.map((key) => sut.bus.publish('audit-logs', key, audit(key, 1))));
      await other.until(keys.length);
      const expected = keys.map((k) => `${k}/au-1`).sort();
      // Together the members saw every event; each saw some (3 partitions, 2 members).
      await eventually(() => new Set([...a.items, ...b.items]).size >= keys.length, 'members saw every event');
      await Promise.all([subA.stop(), subB.stop(), subOther.stop()]);
      expect([...new Set([...a.items, ...b.items])].sort()).toEqual(expected);
      expect(a.items.length).toBeGreaterThan(0);
      expect(b.items.length).toBeGreaterThan(0);
      expect([...other.items].sort()).toEqual(expected);
    });

    it("sends a failing handler's message to dead-letters with its origin and moves on", async () => {
      const key = id('poison');
      const group = id('dlq');
      const handled = collector<number>('handled');
      const dead = collector<Delivered<'dead-letters'>>('dead letters');
      let failedOffset: string | undefined;
      const dlq = await sut.bus.subscribe(['dead-letters'], { groupId: id('dlq-reader'), fromBeginning: true }, (m) => {
        if (m.value.consumerGroup.endsWith(group)) dead.push(m);
      });
      const sub = await sut.bus.subscribe(['audit-logs'], { groupId: group, fromBeginning: true }, (m) => {
        if (m.key !== key) return;
        const seq = m.value.atMs - 1_767_225_600_000;
        if (seq === 2) {
          failedOffset = m.offset;
          throw new Error('cannot apply 2');
        }
        handled.push(seq);
      });
      for (let seq = 1; seq <= 4; seq += 1) await sut.bus.publish('audit-logs', key, audit(key, seq));
      expect(await handled.until(3)).toEqual([1, 3, 4]);
      const [letter] = await dead.until(1);
      await Promise.all([sub.stop(), dlq.stop()]);
      const record: DeadLetter = letter!.value;
      expect(record.originalTopic).toBe('audit-logs');
      expect(record.errorCode).toBe('SLB_HANDLER_FAILED');
      expect(record.errorMessage).toContain('cannot apply 2');
      expect(record.key?.toString()).toBe(key);
      expect(record.partition).toBe(partitionForKey(key, 3));
      // The origin is the very record that failed, not just some offset.
      expect(failedOffset).toMatch(/^\d+$/);
      expect(String(record.offset)).toBe(failedOffset);
      expect(record.value.length).toBeGreaterThan(0);
      expect(letter!.key).toBe(key);
    });

    it('resumes a group after its last handled event (offsets committed after handling)', async () => {
      const key = id('resume');
      const group = id('resume-g');
      const first = collector<number>('first run');
      const seqOf = (m: Delivered<'audit-logs'>): number => m.value.atMs - 1_767_225_600_000;
      const sub1 = await sut.bus.subscribe(['audit-logs'], { groupId: group, fromBeginning: true }, (m) => {
        if (m.key === key) first.push(seqOf(m));
      });
      for (let seq = 1; seq <= 3; seq += 1) await sut.bus.publish('audit-logs', key, audit(key, seq));
      await first.until(3);
      await sub1.stop();
      for (let seq = 4; seq <= 6; seq += 1) await sut.bus.publish('audit-logs', key, audit(key, seq));
      const second = collector<number>('second run');
      const sub2 = await sut.peer.subscribe(['audit-logs'], { groupId: group, fromBeginning: true }, (m) => {
        if (m.key === key) second.push(seqOf(m));
      });
      const resumed = await second.until(3);
      await sub2.stop();
      expect(resumed.slice(0, 3)).toEqual([4, 5, 6]);
    });

    it('reads a compacted topic as latest value per key, from the beginning, then live', async () => {
      const a = id('svc-a');
      const b = id('svc-b');
      await sut.bus.publish('routing-decisions', a, decision(a, 1));
      await sut.bus.publish('routing-decisions', a, decision(a, 2));
      await sut.bus.publish('routing-decisions', b, decision(b, 1));
      const changes = collector<string>('changes');
      const live = collector<number>('live change');
      const view = await sut.peer.watchLatest('routing-decisions', (key, value) => {
        if (key === a || key === b) changes.push(`${key}@${value.version}`);
        if (key === b && value.version === 5) live.push(value.version);
      });
      await view.caughtUp;
      expect(view.get(a)?.version).toBe(2);
      expect(view.get(b)?.version).toBe(1);
      await sut.bus.publish('routing-decisions', b, decision(b, 5));
      await live.until(1);
      await view.close();
      expect(view.get(b)?.version).toBe(5);
      // Replays may or may not include values compaction already removed; the latest come last.
      expect(changes.items.at(-1)).toBe(`${b}@5`);
      expect(changes.items.filter((c) => c.startsWith(a)).at(-1)).toBe(`${a}@2`);
    });

    it('delivers telemetry published through the non-blocking path', async () => {
      const key = id('tele');
      const got = collector<Delivered<'service-metrics'>>('telemetry');
      const sub = await sut.bus.subscribe(['service-metrics'], { groupId: id('tele-g'), fromBeginning: true }, (m) => {
        if (m.key === key) got.push(m);
      });
      const sample = { ...exampleEvents()['service-metrics'], serviceId: key };
      for (let i = 0; i < 20; i += 1) {
        const result = sut.bus.publishTelemetry('service-metrics', key, { ...sample, requests: i });
        expect(result).toEqual({ accepted: true, evicted: 0 });
      }
      const delivered = await got.until(20);
      await sub.stop();
      expect(delivered.map((m) => m.value.requests)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    });
  });
}
