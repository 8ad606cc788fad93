import { describe, expect, it, vi } from 'vitest';
import type { EventBus, RetryPolicy } from '@slb/core';
import type { Logger } from 'pino';
import type { ControlPlane } from './control-plane.js';
import { tombstonedKeys, watchControlTopics, type ControlView } from './control-sources.js';

const FAST: RetryPolicy = { retries: Number.POSITIVE_INFINITY, minTimeoutMs: 1, factor: 2, maxTimeoutMs: 5 };
const plane = { applyConfig: () => ({ applied: true }), applyDecision: () => ({ applied: true }) } as unknown as ControlPlane;

/** A bus whose watchLatest answers from `script` per topic: an error to throw, or a view. */
function scriptedBus(script: Record<string, Array<Error | 'up'>>) {
  const calls: string[] = [];
  const closed: string[] = [];
  const bus = {
    watchLatest: async (topic: string) => {
      calls.push(topic);
      const next = script[topic]?.shift() ?? 'up';
      if (next !== 'up') throw next;
      return { entries: () => new Map(), caughtUp: Promise.resolve(), close: async () => void closed.push(topic) };
    },
  } as unknown as EventBus;
  return { bus, calls, closed };
}

function capturingLogger() {
  const warned: Array<{ topic: string; attempt: number }> = [];
  const errors: unknown[] = [];
  const logger = { warn: (o: { topic: string; attempt: number }) => void warned.push({ topic: o.topic, attempt: o.attempt }), error: (o: unknown) => void errors.push(o) } as unknown as Logger;
  return { logger, warned, errors };
}

describe('control-topic watches', () => {
  it('retries a watch through any failure until it is up, then watches the next topic', async () => {
    const { bus, calls } = scriptedBus({ 'config-updates': [new Error('broker down'), new TypeError('not a bug of ours'), 'up'] });
    const { logger, warned, errors } = capturingLogger();
    const views: ControlView[] = [];
    const stop = new AbortController();
    await watchControlTopics({ bus, plane, logger, signal: stop.signal, onView: (v) => views.push(v), policy: FAST });
    stop.abort();
    expect(calls).toEqual(['config-updates', 'config-updates', 'config-updates', 'routing-decisions']);
    expect(warned).toEqual([
      { topic: 'config-updates', attempt: 1 },
      { topic: 'config-updates', attempt: 2 },
    ]);
    expect(views).toHaveLength(2);
    expect(errors).toEqual([]);
  });

  it('stops retrying when the proxy closes, and closes a view that came up after', async () => {
    const down = Array.from({ length: 1000 }, () => new Error('broker down'));
    const failing = scriptedBus({ 'config-updates': down });
    const stop = new AbortController();
    const views: ControlView[] = [];
    const watching = watchControlTopics({ bus: failing.bus, plane, logger: capturingLogger().logger, signal: stop.signal, onView: (v) => views.push(v), policy: FAST });
    await vi.waitFor(() => expect(failing.calls.length).toBeGreaterThan(1));
    stop.abort();
    await watching;
    const attempts = failing.calls.length;
    await new Promise((r) => setTimeout(r, 30));
    expect(attempts).toBeGreaterThan(1);
    expect(failing.calls).toHaveLength(attempts);
    expect(failing.calls).not.toContain('routing-decisions');
    expect(views).toEqual([]);

    const late = scriptedBus({});
    const closing = new AbortController();
    const lateBus = { watchLatest: async (topic: string) => (closing.abort(), late.bus.watchLatest(topic as 'config-updates', () => undefined)) } as unknown as EventBus;
    await watchControlTopics({ bus: lateBus, plane, logger: capturingLogger().logger, signal: closing.signal, onView: (v) => views.push(v), policy: FAST });
    expect(views).toEqual([]);
    expect(late.closed).toEqual(['config-updates']);
  });
});

describe('tombstones on config-updates', () => {
  it.each([
    { name: 'nothing removed', seen: ['a', 'b'], latest: ['a', 'b', 'c'], gone: [] },
    { name: 'a tombstoned key', seen: ['a', 'b'], latest: ['b'], gone: ['a'] },
    { name: 'every key', seen: ['a', 'b'], latest: [], gone: ['a', 'b'] },
    { name: 'a key never delivered is not ours to remove', seen: [], latest: [], gone: [] },
  ])('$name', ({ seen, latest, gone }) => {
    expect(tombstonedKeys(new Set(seen), new Map(latest.map((k) => [k, {}])))).toEqual(gone);
  });

  it('removes the service of a key the view dropped, once, and not a key it still holds', async () => {
    const latest = new Map<string, unknown>();
    let deliver: (key: string, value: unknown) => void = () => undefined;
    const bus = {
      watchLatest: async (topic: string, onChange: (key: string, value: unknown) => void) => {
        if (topic === 'config-updates') deliver = onChange;
        return { entries: () => latest, caughtUp: Promise.resolve(), close: async () => undefined };
      },
    } as unknown as EventBus;
    const removed: string[] = [];
    const applied: unknown[] = [];
    const tracking = { applyConfig: (v: unknown) => (applied.push(v), { applied: true }), applyDecision: () => ({ applied: true }), removeService: (k: string) => (removed.push(k), true) } as unknown as ControlPlane;
    const stop = new AbortController();
    await watchControlTopics({ bus, plane: tracking, logger: capturingLogger().logger, signal: stop.signal, onView: () => undefined, policy: FAST, tombstoneCheckMs: 5 });
    for (const key of ['a', 'b']) {
      latest.set(key, { serviceId: key });
      deliver(key, { serviceId: key });
    }
    latest.delete('a');
    await vi.waitFor(() => expect(removed).toEqual(['a']));
    await new Promise((r) => setTimeout(r, 30));
    expect(removed).toEqual(['a']);
    // A later update re-creates it; a second tombstone removes it again.
    latest.set('a', { serviceId: 'a' });
    deliver('a', { serviceId: 'a' });
    latest.delete('a');
    await vi.waitFor(() => expect(removed).toEqual(['a', 'a']));
    stop.abort();
    expect(applied).toHaveLength(3);
  });
});
