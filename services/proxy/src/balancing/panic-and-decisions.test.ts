import { describe, expect, it } from 'vitest';
import { createBalancer } from './create-balancer.js';
import { seededRandom } from '@slb/core/random';
import type { Balancer, Endpoint, PolicyConfig, RoutingDecisionInput } from './types.js';

const eps = (...ids: string[]): Endpoint[] => ids.map((id) => ({ id, address: `${id}:80`, weight: 1 }));

function hits(b: Balancer, t: number, n = 1200): Record<string, number> {
  const c: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const id = b.pick({}, t)?.id ?? 'none';
    c[id] = (c[id] ?? 0) + 1;
  }
  return c;
}

function make(policy: PolicyConfig = { kind: 'round-robin', slowStart: { windowMs: 0 } }): Balancer {
  const b = createBalancer(policy, { random: seededRandom(9) });
  b.setEndpoints(eps('a', 'b', 'c', 'd'), 0);
  return b;
}

describe('panic threshold (default 50 %)', () => {
  const cases: { unhealthy: string[]; panic: boolean; expected: Record<string, number> }[] = [
    { unhealthy: [], panic: false, expected: { a: 300, b: 300, c: 300, d: 300 } },
    { unhealthy: ['a'], panic: false, expected: { b: 400, c: 400, d: 400 } },
    { unhealthy: ['a', 'b'], panic: false, expected: { c: 600, d: 600 } },
    // 1 of 4 available (25 % < 50 %): spread over all rather than crush d.
    { unhealthy: ['a', 'b', 'c'], panic: true, expected: { a: 300, b: 300, c: 300, d: 300 } },
    { unhealthy: ['a', 'b', 'c', 'd'], panic: true, expected: { a: 300, b: 300, c: 300, d: 300 } },
  ];
  it.each(cases)('unhealthy $unhealthy -> panic $panic', ({ unhealthy, panic, expected }) => {
    const b = make();
    for (const id of unhealthy) b.setHealth(id, false, 0);
    expect(b.snapshot(0).panic).toBe(panic);
    expect(hits(b, 0)).toEqual(expected);
  });

  it('releases panic when enough instances recover', () => {
    const b = make();
    for (const id of ['a', 'b', 'c']) b.setHealth(id, false, 0);
    expect(b.snapshot(0).panic).toBe(true);
    b.setHealth('c', true, 10);
    expect(b.snapshot(10).panic).toBe(false);
    expect(Object.keys(hits(b, 10)).sort()).toEqual(['c', 'd']);
  });

  it('threshold 0 disables panic: with nothing healthy there is no endpoint', () => {
    const b = make({ kind: 'round-robin', panicThresholdPercent: 0 });
    for (const id of ['a', 'b', 'c']) b.setHealth(id, false, 0);
    expect(hits(b, 0)).toEqual({ d: 1200 });
    b.setHealth('d', false, 0);
    expect(b.pick({}, 0)).toBeUndefined();
  });

  it('controller ejections count as unavailable for panic', () => {
    const b = make();
    b.setDecision({ weights: new Map(), ejected: new Set(['a', 'b', 'c']), expiresAtMs: 1000 }, 0);
    expect(b.snapshot(0).panic).toBe(true);
    expect(hits(b, 0)).toEqual({ a: 300, b: 300, c: 300, d: 300 });
  });
});

describe('routing decisions combined with local choice', () => {
  const decision = (over: Partial<RoutingDecisionInput> = {}): RoutingDecisionInput => ({
    weights: new Map(),
    ejected: new Set(),
    expiresAtMs: 10_000,
    ...over,
  });

  it('multiplies configured weights by decision weights', () => {
    const b = createBalancer({ kind: 'weighted-round-robin', slowStart: { windowMs: 0 } }, { random: seededRandom(1) });
    b.setEndpoints([{ id: 'a', address: 'a', weight: 2 }, { id: 'b', address: 'b', weight: 1 }, { id: 'c', address: 'c', weight: 1 }], 0);
    b.setDecision(decision({ weights: new Map([['a', 0.5], ['c', 3]]) }), 0);
    // effective: a 2 × 0.5 = 1, b 1 × 1 = 1, c 1 × 3 = 3
    expect(hits(b, 0, 1000)).toEqual({ a: 200, b: 200, c: 600 });
    expect(b.snapshot(0).endpoints.map((e) => e.effectiveWeight)).toEqual([1, 1, 3]);
  });

  it('a decision weight of 0 sends an instance no traffic', () => {
    const b = make();
    b.setDecision(decision({ weights: new Map([['a', 0]]) }), 0);
    expect(hits(b, 0)).toEqual({ b: 400, c: 400, d: 400 });
  });

  it('excludes instances the controller ejected', () => {
    const b = make();
    b.setDecision(decision({ ejected: new Set(['b']) }), 0);
    expect(hits(b, 0)).toEqual({ a: 400, c: 400, d: 400 });
    expect(b.snapshot(0).endpoints.find((e) => e.id === 'b')?.ejectedByDecision).toBe(true);
  });

  it('ignores the decision once it expires: local signals alone', () => {
    const b = make();
    b.setDecision(decision({ weights: new Map([['a', 0]]), expiresAtMs: 5_000 }), 0);
    expect(b.snapshot(4_999).decisionActive).toBe(true);
    expect(hits(b, 4_999).a).toBeUndefined();
    expect(b.snapshot(5_000).decisionActive).toBe(false);
    expect(hits(b, 5_000)).toEqual({ a: 300, b: 300, c: 300, d: 300 });
  });

  it('an instance ejected by an expired decision returns through slow start', () => {
    const b = createBalancer({ kind: 'weighted-round-robin', slowStart: { windowMs: 10_000 } }, { random: seededRandom(1) });
    b.setEndpoints(eps('a', 'b', 'c', 'd'), 0);
    b.setDecision(decision({ ejected: new Set(['a']), expiresAtMs: 5_000 }), 0);
    const factorAt = (t: number) => b.snapshot(t).endpoints.find((e) => e.id === 'a')?.slowStartFactor;
    expect(factorAt(10_000)).toBeCloseTo(0.5, 10);
    expect(factorAt(15_000)).toBe(1);
  });

  it('an instance un-ejected by a newer decision ramps from that moment', () => {
    const b = createBalancer({ kind: 'weighted-round-robin', slowStart: { windowMs: 10_000 } }, { random: seededRandom(1) });
    b.setEndpoints(eps('a', 'b', 'c', 'd'), 0);
    b.setDecision(decision({ ejected: new Set(['a']), expiresAtMs: 60_000 }), 0);
    b.setDecision(decision({ expiresAtMs: 60_000 }), 2_000);
    expect(b.snapshot(4_000).endpoints.find((e) => e.id === 'a')?.slowStartFactor).toBeCloseTo(0.2, 10);
  });

  it('clearing the decision returns to local weights', () => {
    const b = make();
    b.setDecision(decision({ ejected: new Set(['a', 'b']) }), 0);
    b.setDecision(undefined, 0);
    expect(hits(b, 0)).toEqual({ a: 300, b: 300, c: 300, d: 300 });
  });
});
