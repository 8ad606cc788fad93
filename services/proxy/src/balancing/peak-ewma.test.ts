import { describe, expect, it } from 'vitest';
import { createBalancer } from './create-balancer.js';
import { EndpointState } from './endpoint-state.js';
import { NO_DATA_PENALTY, peakEwmaLoad } from './peak-ewma-picker.js';
import { PeakEwma } from './peak-ewma.js';
import { seededRandom } from '@slb/core/random';
import type { Endpoint } from './types.js';

describe('peak-sensitive EWMA', () => {
  const TAU = 10_000;
  const steps: { name: string; run: (e: PeakEwma) => void; at: number; expected: number }[] = [
    { name: 'starts at the default RTT', run: () => {}, at: 0, expected: 30 },
    { name: 'jumps to a slower observation at once', run: (e) => e.observe(200, 0), at: 0, expected: 200 },
    { name: 'takes the first observation as is, even if faster', run: (e) => e.observe(5, 0), at: 0, expected: 5 },
    {
      name: 'blends a faster one by exp(-Δt/τ)',
      run: (e) => {
        e.observe(200, 0);
        e.observe(100, TAU);
      },
      at: TAU,
      expected: 200 * Math.exp(-1) + 100 * (1 - Math.exp(-1)),
    },
    {
      name: 'barely moves on a faster one right after a peak',
      run: (e) => {
        e.observe(200, 0);
        e.observe(10, 0);
      },
      at: 0,
      expected: 200,
    },
    { name: 'decays towards zero while idle', run: (e) => e.observe(100, 0), at: TAU, expected: 100 * Math.exp(-1) },
  ];
  it.each(steps)('$name', ({ run, at, expected }) => {
    const e = new PeakEwma(TAU, 30);
    run(e);
    expect(e.estimate(at)).toBeCloseTo(expected, 9);
  });
});

describe('load = estimate × (in-flight + 1) / weight', () => {
  const endpoint: Endpoint = { id: 'a', address: 'a', weight: 1 };
  it('penalises an instance that has requests in flight but never answered', () => {
    const s = new EndpointState(endpoint, undefined, 10_000, 30);
    s.weight = 1;
    expect(peakEwmaLoad(s, 0)).toBe(30);
    s.inFlight = 2;
    expect(peakEwmaLoad(s, 0)).toBe(NO_DATA_PENALTY + 2);
    s.ewma.observe(40, 0);
    expect(peakEwmaLoad(s, 0)).toBe(120);
    s.weight = 0.5;
    expect(peakEwmaLoad(s, 0)).toBe(240);
  });
});

describe('peak-EWMA balancing', () => {
  it('a slow instance loses share (closed loop, 1 ms between requests)', () => {
    const latency: Record<string, number> = { fast1: 10, fast2: 12, slow: 200 };
    const b = createBalancer({ kind: 'peak-ewma', slowStart: { windowMs: 0 } }, { random: seededRandom(2) });
    b.setEndpoints(Object.keys(latency).map((id) => ({ id, address: id, weight: 1 })), 0);
    const pending: { id: string; doneAt: number; start: number }[] = [];
    const hits: Record<string, number> = {};
    for (let t = 0; t < 20_000; t++) {
      for (const p of pending.filter((x) => x.doneAt <= t)) b.onEnd(p.id, p.doneAt - p.start, true, t);
      pending.splice(0, pending.length, ...pending.filter((x) => x.doneAt > t));
      const e = b.pick({}, t)!;
      b.onStart(e.id, t);
      pending.push({ id: e.id, start: t, doneAt: t + latency[e.id]! });
      hits[e.id] = (hits[e.id] ?? 0) + 1;
    }
    expect(hits.slow! / 20_000).toBeLessThan(0.05);
    expect(hits.fast1! / 20_000).toBeGreaterThan(0.4);
  });

  it('a new instance gets one probe at a time until it answers', () => {
    const b = createBalancer({ kind: 'peak-ewma', slowStart: { windowMs: 0 } }, { random: seededRandom(4) });
    b.setEndpoints([{ id: 'old', address: 'old', weight: 1 }], 0);
    b.onStart('old', 0);
    b.onEnd('old', 50, true, 0);
    b.setEndpoints([{ id: 'old', address: 'old', weight: 1 }, { id: 'new', address: 'new', weight: 1 }], 0);
    let toNew = 0;
    for (let i = 0; i < 100; i++) {
      const e = b.pick({}, 1)!;
      b.onStart(e.id, 1);
      if (e.id === 'new') toNew++;
    }
    expect(toNew).toBe(1);
  });

  it('an instance that never won a pick is probed once its default RTT decays (light load, nothing in flight)', () => {
    // Serial requests at 20/s, all answering in 1 ms: the two-choice comparison sees 1 ms peers
    // against a 30 ms default. Without decay of the default the third instance starves forever.
    const b = createBalancer({ kind: 'peak-ewma', slowStart: { windowMs: 0 } }, { random: seededRandom(7) });
    b.setEndpoints(['a', 'b', 'c'].map((id) => ({ id, address: id, weight: 1 })), 0);
    const hits: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let t = 0; t < 120_000; t += 50) {
      const e = b.pick({}, t)!;
      b.onStart(e.id, t);
      b.onEnd(e.id, 1, true, t + 1);
      hits[e.id]! += 1;
    }
    for (const id of ['a', 'b', 'c']) expect(hits[id], id).toBeGreaterThan(0.2 * 2_400);
  });

  it.each([
    // [case, what the third instance did before, picks in the first second it may get traffic]
    ['a new instance beside two answering in 1 ms', 'new'],
    ['an instance that has only ever been throttled (no latency, like a 429)', 'throttled'],
  ] as const)('%s gets its share in the first second, not after its default RTT decays', (_name, before) => {
    // Serial requests at 200/s, all answering in 1 ms. The unproven instance was priced at the
    // 30-ms default and starved for about 10 s × ln(30 / 1) against two choices of 1-ms peers.
    const b = createBalancer({ kind: 'peak-ewma', slowStart: { windowMs: 0 } }, { random: seededRandom(11) });
    b.setEndpoints(['a', 'b', 'c'].map((id) => ({ id, address: id, weight: 1 })), 0);
    if (before === 'throttled') {
      b.onStart('c', 0);
      b.onEnd('c', Number.NaN, true, 0);
    }
    const hits: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let t = 0; t < 1_000; t += 5) {
      const e = b.pick({}, t)!;
      b.onStart(e.id, t);
      b.onEnd(e.id, 1, true, t + 1);
      hits[e.id]! += 1;
    }
    for (const id of ['a', 'b', 'c']) expect(hits[id], JSON.stringify(hits)).toBeGreaterThan(0.2 * 200);
  });

  it('an instance failing fast loses share: a failed try is priced at least at the default RTT', () => {
    // Serial requests, 2 ms answers; c answers every other request with a 1-ms failure.
    const b = createBalancer({ kind: 'peak-ewma', slowStart: { windowMs: 0 } }, { random: seededRandom(5) });
    b.setEndpoints(['a', 'b', 'c'].map((id) => ({ id, address: id, weight: 1 })), 0);
    const hits: Record<string, number> = { a: 0, b: 0, c: 0 };
    let cTries = 0;
    for (let t = 0; t < 10_000; t += 5) {
      const e = b.pick({}, t)!;
      b.onStart(e.id, t);
      const failing = e.id === 'c' && cTries++ % 2 === 0;
      b.onEnd(e.id, failing ? 1 : 2, !failing, t + 2);
      hits[e.id]! += 1;
    }
    expect(hits.c! / 2_000, JSON.stringify(hits)).toBeLessThan(0.15);
  });

  it('the default RTT decays from when the instance was added', () => {
    const e = new PeakEwma(10_000, 30, 5_000);
    expect(e.estimate(5_000)).toBe(30);
    expect(e.estimate(15_000)).toBeCloseTo(30 * Math.exp(-1), 9);
    expect(e.hasData).toBe(false);
  });

  it('reports the estimate in the snapshot', () => {
    const b = createBalancer({ kind: 'peak-ewma' }, { random: seededRandom(4) });
    b.setEndpoints([{ id: 'a', address: 'a', weight: 1 }], 0);
    b.onStart('a', 0);
    b.onEnd('a', 80, true, 0);
    expect(b.snapshot(0).endpoints[0]?.latencyEwmaMs).toBe(80);
  });

  it('a try that ends without a latency (NaN: never sent, or the client left) only ends its in-flight', () => {
    const b = createBalancer({ kind: 'peak-ewma' }, { random: seededRandom(4) });
    b.setEndpoints([{ id: 'a', address: 'a', weight: 1 }], 0);
    b.onStart('a', 0);
    b.onEnd('a', 80, true, 0);
    b.onStart('a', 0);
    expect(b.snapshot(0).endpoints[0]?.inFlight).toBe(1);
    b.onEnd('a', Number.NaN, true, 0);
    expect(b.snapshot(0).endpoints[0]).toMatchObject({ inFlight: 0, latencyEwmaMs: 80 });
  });
});
