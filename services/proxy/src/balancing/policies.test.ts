import { describe, expect, it } from 'vitest';
import { createBalancer } from './create-balancer.js';
import { sampleDistinct } from './picker.js';
import { seededRandom } from '@slb/core/random';
import type { Balancer, Endpoint, PolicyConfig } from './types.js';

const eps = (spec: Record<string, number>): Endpoint[] =>
  Object.entries(spec).map(([id, weight]) => ({ id, address: `10.0.0.${id.charCodeAt(0)}:80`, weight }));

/** Picks n times at time t, each request finishing at once (no load signal) in `latencyMs`. */
function sequence(b: Balancer, n: number, t = 0, latencyMs = 30): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const e = b.pick({}, t);
    if (e === undefined) throw new Error('no endpoint');
    b.onStart(e.id, t);
    b.onEnd(e.id, latencyMs, true, t);
    out.push(e.id);
  }
  return out;
}

function counts(ids: readonly string[]): Record<string, number> {
  const c: Record<string, number> = {};
  for (const id of ids) c[id] = (c[id] ?? 0) + 1;
  return c;
}

function make(policy: PolicyConfig, endpoints: Endpoint[], seed = 1): Balancer {
  const b = createBalancer(policy, { random: seededRandom(seed) });
  b.setEndpoints(endpoints, 0);
  return b;
}

describe('hit sequences', () => {
  const cases: { name: string; policy: PolicyConfig; weights: Record<string, number>; expected: string }[] = [
    { name: 'round robin cycles in order', policy: { kind: 'round-robin' }, weights: { a: 1, b: 1, c: 1 }, expected: 'abcabcabc' },
    { name: 'round robin ignores configured weights', policy: { kind: 'round-robin' }, weights: { a: 5, b: 1, c: 1 }, expected: 'abcabc' },
    { name: 'smooth WRR 5,1,1 spreads the heavy one (nginx)', policy: { kind: 'weighted-round-robin' }, weights: { a: 5, b: 1, c: 1 }, expected: 'aabacaa' + 'aabacaa' },
    { name: 'smooth WRR 2,1', policy: { kind: 'weighted-round-robin' }, weights: { a: 2, b: 1 }, expected: 'abaaba' },
    { name: 'smooth WRR 3,2,1', policy: { kind: 'weighted-round-robin' }, weights: { a: 3, b: 2, c: 1 }, expected: 'abacba' },
    { name: 'smooth WRR equal weights is round robin', policy: { kind: 'weighted-round-robin' }, weights: { a: 2, b: 2, c: 2 }, expected: 'abcabc' },
    { name: 'least request, different weights, idle: weighted schedule', policy: { kind: 'least-request' }, weights: { a: 2, b: 1 }, expected: 'abaaba' },
  ];
  it.each(cases)('$name', ({ policy, weights, expected }) => {
    const b = make(policy, eps(weights));
    expect(sequence(b, expected.length).join('')).toBe(expected);
  });
});

describe('ratios over many picks (seeded)', () => {
  const N = 60_000;
  const cases: { name: string; policy: PolicyConfig; weights: Record<string, number>; tolerance: number }[] = [
    { name: 'weighted round robin is exact', policy: { kind: 'weighted-round-robin' }, weights: { a: 3, b: 2, c: 1 }, tolerance: 0.0001 },
    { name: 'random follows weights', policy: { kind: 'random' }, weights: { a: 3, b: 2, c: 1 }, tolerance: 0.01 },
    { name: 'random, equal weights', policy: { kind: 'random' }, weights: { a: 1, b: 1, c: 1, d: 1 }, tolerance: 0.01 },
    { name: 'least request, equal weights, idle', policy: { kind: 'least-request' }, weights: { a: 1, b: 1, c: 1 }, tolerance: 0.01 },
    { name: 'least request, weights 3,1', policy: { kind: 'least-request' }, weights: { a: 3, b: 1 }, tolerance: 0.001 },
    { name: 'peak EWMA, equal latency (the default RTT)', policy: { kind: 'peak-ewma' }, weights: { a: 1, b: 1, c: 1 }, tolerance: 0.02 },
    { name: 'consistent hash without key falls back', policy: { kind: 'consistent-hash' }, weights: { a: 1, b: 1 }, tolerance: 0.01 },
  ];
  it.each(cases)('$name', ({ policy, weights, tolerance }) => {
    const b = make(policy, eps(weights), 42);
    const c = counts(sequence(b, N));
    const total = Object.values(weights).reduce((x, y) => x + y, 0);
    for (const [id, w] of Object.entries(weights)) {
      expect(Math.abs((c[id] ?? 0) / N - w / total), `share of ${id}`).toBeLessThanOrEqual(tolerance);
    }
  });
});

describe('least request with power of two choices', () => {
  it('never picks the busiest of three (it loses every pair it is in)', () => {
    const b = make({ kind: 'least-request' }, eps({ a: 1, b: 1, c: 1 }));
    for (let i = 0; i < 5; i++) b.onStart('a', 0);
    const c = counts(Array.from({ length: 3000 }, () => b.pick({}, 0)?.id ?? '-'));
    expect(c.a ?? 0).toBe(0);
    expect(c.b! + c.c!).toBe(3000);
    // Each of the other two wins every pair it is in with a: about half each.
    expect(Math.abs(c.b! - c.c!)).toBeLessThan(300);
  });

  it('with different weights, a busy instance loses share: weight / (inFlight + 1)', () => {
    const b = make({ kind: 'least-request' }, eps({ a: 2, b: 1 }));
    b.onStart('a', 0); // a: 2 / 2 = 1, b: 1 / 1 = 1
    const c = counts(Array.from({ length: 1000 }, () => b.pick({}, 0)?.id ?? '-'));
    expect(c).toEqual({ a: 500, b: 500 });
  });

  it('two candidates with equal load are chosen evenly (ties broken at random)', () => {
    for (const kind of ['least-request', 'peak-ewma'] as const) {
      const b = make({ kind }, eps({ a: 1, b: 1 }), 7);
      const c = counts(sequence(b, 10_000));
      expect(Math.abs(c.a! - 5000), kind).toBeLessThan(300);
    }
  });

  it('active request bias 0 ignores load when weights differ', () => {
    const b = make({ kind: 'least-request', leastRequest: { activeRequestBias: 0 } }, eps({ a: 2, b: 1 }));
    b.onStart('a', 0);
    const c = counts(Array.from({ length: 900 }, () => b.pick({}, 0)?.id ?? '-'));
    expect(c).toEqual({ a: 600, b: 300 });
  });
});

describe('retries go elsewhere', () => {
  it.each(['round-robin', 'weighted-round-robin', 'random', 'least-request', 'peak-ewma', 'consistent-hash'] as const)(
    '%s never returns an excluded instance while another is available',
    (kind) => {
      const b = make({ kind }, eps({ a: 1, b: 1, c: 1 }));
      for (let i = 0; i < 300; i++) {
        const e = b.pick({ exclude: new Set(['a', 'b']), hashKey: `k${i}` }, 0);
        expect(e?.id).toBe('c');
      }
    },
  );

  it('when every instance was tried, picks a tried one rather than none: the exclusion is dropped', () => {
    const b = make({ kind: 'round-robin' }, eps({ a: 1, b: 1 }));
    const picks = Array.from({ length: 6 }, () => b.pick({ exclude: new Set(['a', 'b']) }, 0)?.id ?? '-');
    // The plain schedule goes on, over every instance, as if nothing were excluded.
    expect(picks.join('')).toBe('ababab');
  });

  it.each(['weighted-round-robin', 'random', 'least-request', 'peak-ewma', 'consistent-hash'] as const)(
    '%s, every instance tried: still picks among all of them',
    (kind) => {
      const b = make({ kind }, eps({ a: 1, b: 1, c: 1 }));
      const c = counts(Array.from({ length: 300 }, (_, i) => b.pick({ exclude: new Set(['a', 'b', 'c']), hashKey: `k${i}` }, 0)?.id ?? '-'));
      expect(Object.keys(c).sort()).toEqual(['a', 'b', 'c']);
    },
  );
});

describe('live endpoint changes', () => {
  it('keeps state of instances that stay and drops removed ones from picks', () => {
    const b = make({ kind: 'round-robin' }, eps({ a: 1, b: 1, c: 1 }));
    b.onStart('b', 0);
    b.setEndpoints(eps({ a: 1, b: 1 }), 100);
    expect(new Set(sequence(b, 10, 100))).toEqual(new Set(['a', 'b']));
    expect(b.snapshot(100).endpoints.find((e) => e.id === 'b')?.inFlight).toBe(1);
  });

  it('applies a live weight change on the next pick', () => {
    const b = make({ kind: 'weighted-round-robin', slowStart: { windowMs: 0 } }, eps({ a: 1, b: 1 }));
    expect(counts(sequence(b, 100))).toEqual({ a: 50, b: 50 });
    b.setEndpoints(eps({ a: 3, b: 1 }), 1);
    expect(counts(sequence(b, 100, 1))).toEqual({ a: 75, b: 25 });
  });

  it('accepts onEnd for a removed (draining) instance without disturbing the rest', () => {
    const b = make({ kind: 'least-request' }, eps({ a: 1, b: 1 }));
    b.onStart('b', 0);
    b.setEndpoints(eps({ a: 1 }), 10);
    b.onEnd('b', 5, true, 20);
    b.onEnd('zzz', 5, true, 20);
    expect(b.snapshot(20).endpoints.map((e) => [e.id, e.inFlight])).toEqual([['a', 0]]);
  });

  it('an instance re-added while draining keeps counting its old requests', () => {
    const b = make({ kind: 'least-request' }, eps({ a: 1, b: 1 }));
    b.onStart('b', 0);
    b.setEndpoints(eps({ a: 1 }), 10);
    b.setEndpoints(eps({ a: 1, b: 1 }), 20);
    expect(b.snapshot(20).endpoints.find((e) => e.id === 'b')?.inFlight).toBe(1);
    b.onEnd('b', 5, true, 30);
    expect(b.snapshot(30).endpoints.find((e) => e.id === 'b')?.inFlight).toBe(0);
  });

  it('returns undefined with no endpoints, and rejects invalid ones', () => {
    const b = createBalancer({ kind: 'random' }, { random: seededRandom(1) });
    expect(b.pick({}, 0)).toBeUndefined();
    expect(() => b.setEndpoints([{ id: 'a', address: 'x', weight: 0 }, { id: 'a', address: 'y', weight: 1 }], 0)).toThrow(
      /weight must be a finite number > 0.*appears twice|appears twice.*weight/,
    );
  });
});

describe('sampling for the power of choices', () => {
  it('draws two distinct candidates, each pair about equally often', () => {
    const rnd = seededRandom(3);
    const pairs: Record<string, number> = {};
    for (let i = 0; i < 30_000; i++) {
      const [x, y] = sampleDistinct(['a', 'b', 'c', 'd'], 2, rnd);
      expect(x).not.toBe(y);
      const key = [x, y].sort().join('');
      pairs[key] = (pairs[key] ?? 0) + 1;
    }
    expect(Object.keys(pairs)).toHaveLength(6);
    for (const n of Object.values(pairs)) expect(Math.abs(n - 5000)).toBeLessThan(300);
  });
});
