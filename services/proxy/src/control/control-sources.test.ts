import { describe, expect, it, vi } from 'vitest';
import type { EventBus, RetryPolicy } from '@slb/core';
import type { Logger } from 'pino';
import type { ControlPlane } from './control-plane.js';
import { watchControlTopics, type ControlView } from './control-sources.js';

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
  it("removes the service of each key the view reports removed, in order with the view's values", async () => {
    let deliver: (key: string, value: unknown) => void = () => undefined;
    let remove: (key: string) => void = () => undefined;
    const bus = {
      watchLatest: async (topic: string, onChange: (key: string, value: unknown) => void, onRemove?: (key: string) => void) => {
        if (topic === 'config-updates') [deliver, remove] = [onChange, onRemove ?? (() => undefined)];
        return { entries: () => new Map(), caughtUp: Promise.resolve(), close: async () => undefined };
      },
    } as unknown as EventBus;
    const calls: string[] = [];
    const tracking = {
      applyConfig: (v: { serviceId: string }) => (calls.push(`apply ${v.serviceId}`), { applied: true }),
      applyDecision: () => ({ applied: true }),
      removeService: (k: string) => {
        calls.push(`remove ${k}`);
        if (k === 'boom') throw new Error('plane failed');
        return true;
      },
    } as unknown as ControlPlane;
    const { logger, errors } = capturingLogger();
    await watchControlTopics({ bus, plane: tracking, logger, signal: new AbortController().signal, onView: () => undefined, policy: FAST });
    deliver('a', { serviceId: 'a' });
    deliver('b', { serviceId: 'b' });
    remove('a');
    // A later update re-creates it; a second tombstone removes it again.
    deliver('a', { serviceId: 'a' });
    remove('a');
    // A removal the plane cannot make is logged; the watch goes on.
    remove('boom');
    deliver('c', { serviceId: 'c' });
    expect(calls).toEqual(['apply a', 'apply b', 'remove a', 'apply a', 'remove a', 'remove boom', 'apply c']);
    expect(errors).toHaveLength(1);
  });
});
