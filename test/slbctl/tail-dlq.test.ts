/**
 * slbctl tail follows a topic decoded; dlq list / replay inspect real dead letters (written by
 * the bus's group consumer for an undecodable record and for a handler that failed) and, once
 * the cause is fixed, re-publish them to their topic exactly once.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { exampleEvents, type Alert, type Delivered, type KafkaBus, type Subscription } from '@slb/core';
import { EXIT } from '@slb/slbctl';
import { uniqueName } from '../support/kafka.js';
import { slbctlNamespace, type SlbctlNamespace } from './support.js';

describe('slbctl tail and dlq', () => {
  let ns: SlbctlNamespace;
  let bus: KafkaBus;
  const cleanup: Array<() => Promise<unknown>> = [];
  beforeAll(async () => {
    ns = await slbctlNamespace('slbctl-tail');
    bus = ns.bus();
    cleanup.push(() => bus.close());
  });
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
  });

  it('tail prints records written after it started, decoded, one JSON object per line', async () => {
    let started!: () => void;
    const ready = new Promise<void>((resolve) => (started = resolve));
    const tail = ns.cli(['--json', 'tail', 'alerts', '--max', '2'], { onStderr: (t) => t.includes('tailing') && started() });
    await ready;
    const alert = exampleEvents().alerts;
    await bus.publish('alerts', 'checkout', alert);
    await bus.publish('alerts', 'search', { ...alert, serviceId: 'search', alertId: 'a-2' });
    const r = await tail;
    expect(r.code, r.stderr).toBe(EXIT.OK);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { key: string; value: Alert });
    // Different keys, different partitions: no order between them.
    expect(lines.map((l) => [l.key, l.value.alertId, l.value.summary]).sort()).toEqual([
      ['checkout', 'a-7f3c', alert.summary],
      ['search', 'a-2', alert.summary],
    ]);

    const first = await ns.cli(['tail', 'alerts', '--from-beginning', '--max', '1', '--key', 'search']);
    expect(first.stdout).toMatch(/^\S+Z alerts \d\/0 key=search \{"alertId":"a-2"/);
    const stopped = new AbortController();
    const live = ns.cli(['tail', 'config-status'], { signal: stopped.signal, onStderr: () => stopped.abort() });
    expect((await live).code).toBe(EXIT.OK);

    const bad = await ns.cli(['tail', 'nope']);
    expect(bad.code).toBe(EXIT.USAGE);
    expect(bad.stderr).toContain('unknown topic "nope"');
  });

  it('lists dead letters and replays, once, those that now decode', async () => {
    let broken = true;
    const received: Delivered<'alerts'>[] = [];
    const sub: Subscription = await bus.subscribe(['alerts'], { groupId: uniqueName('router'), fromBeginning: false }, (m) => {
      if (broken) throw new Error('notifier misconfigured');
      received.push(m);
    });
    cleanup.push(() => sub.stop());
    const producer = ns.admin.producer();
    await producer.connect();
    cleanup.push(() => producer.disconnect());
    // Give the new group its partitions before writing (it starts at the end).
    await vi.waitFor(async () => {
      await bus.publish('alerts', 'warmup', { ...exampleEvents().alerts, serviceId: 'warmup', alertId: 'warm' });
      const list = await ns.json<{ deadLetters: { key: string }[] }>(['dlq', 'list']);
      expect(list.deadLetters.some((d) => d.key === 'warmup')).toBe(true);
    }, { timeout: 30_000, interval: 1_000 });

    await bus.publish('alerts', 'checkout', { ...exampleEvents().alerts, alertId: 'lost-alert' });
    await producer.send({ topic: `${ns.prefix}alerts`, messages: [{ key: 'garbage', value: Buffer.from([0, 0, 0, 0, 99, 1, 2, 3]) }] });

    type ListJson = { deadLetters: { id: string; offset: number; key: string; originalTopic: string; errorCode: string }[] };
    let list: ListJson = { deadLetters: [] };
    await vi.waitFor(async () => {
      list = await ns.json<ListJson>(['dlq', 'list', '--topic', 'alerts']);
      expect([...new Set(list.deadLetters.map((d) => d.key))].sort()).toEqual(['checkout', 'garbage', 'warmup']);
    }, { timeout: 30_000, interval: 500 });
    const byKey = new Map(list.deadLetters.map((d) => [d.key, d]));
    expect(byKey.get('checkout')).toMatchObject({ originalTopic: 'alerts', errorCode: 'SLB_HANDLER_FAILED' });
    expect(byKey.get('garbage')!.errorCode).toBe('SLB_EVENT_UNDECODABLE');
    const text = await ns.cli(['dlq', 'list']);
    expect(text.stdout).toContain('SLB_HANDLER_FAILED: notifier misconfigured');

    // The cause is fixed: replaying sends the alert back; the garbage still fails and stays.
    broken = false;
    const dry = await ns.json<{ outcomes: { id: string; outcome: string }[] }>(['dlq', 'replay', byKey.get('checkout')!.id, '--dry-run']);
    expect(dry.outcomes).toEqual([{ id: byKey.get('checkout')!.id, originalTopic: 'alerts', outcome: 'would replay' }]);
    const all = await ns.cli(['--json', 'dlq', 'replay', '--all', '--topic', 'alerts']);
    expect(all.code).toBe(EXIT.FAILURE);
    expect(all.stderr.trim().split('\n')).toEqual([expect.stringContaining(`1 dead letter still fails to decode (not replayed; fix the cause or use --force): ${byKey.get('garbage')!.id}`)]);
    const outcomes = new Map((JSON.parse(all.stdout) as { outcomes: { id: string; outcome: string }[] }).outcomes.map((o) => [o.id, o.outcome]));
    expect(outcomes.get(byKey.get('checkout')!.id)).toBe('replayed');
    expect(outcomes.get(byKey.get('garbage')!.id)).toBe('still failing');
    await vi.waitFor(() => expect(received.map((m) => m.value.alertId)).toContain('lost-alert'), { timeout: 30_000, interval: 100 });
    const replayed = received.find((m) => m.value.alertId === 'lost-alert')!;
    expect(replayed.key).toBe('checkout');
    expect(replayed.headers['slb-replayed-from']).toBe(byKey.get('checkout')!.id);

    // Replaying again publishes nothing twice.
    const again = await ns.json<{ outcomes: { outcome: string }[] }>(['dlq', 'replay', String(byKey.get('checkout')!.offset)]);
    expect(again.outcomes.map((o) => o.outcome)).toEqual(['already replayed']);
    expect(received.filter((m) => m.value.alertId === 'lost-alert')).toHaveLength(1);

    const none = await ns.cli(['dlq', 'replay']);
    expect(none.code).toBe(EXIT.USAGE);
    const missing = await ns.cli(['dlq', 'replay', '999']);
    expect(missing.code).toBe(EXIT.FAILURE);
    expect(missing.stderr).toContain('no dead letter dead-letters/0/999');
  });
});
