import { describe, expect, it } from 'vitest';
import { createBalancer } from './create-balancer.js';
import { seededRandom } from '@slb/core/random';
import { HOLD_TRICKLE_INTERVAL_MS } from './options.js';
import type { Balancer, Endpoint, PolicyConfig, PolicyKind } from './types.js';

const eps = (...ids: string[]): Endpoint[] => ids.map((id) => ({ id, address: `${id}:80`, weight: 1 }));

function make(kind: PolicyKind, ids = ['a', 'b', 'c'], seed = 3): Balancer {
  const policy: PolicyConfig = { kind };
  const b = createBalancer(policy, { random: seededRandom(seed) });
  b.setEndpoints(eps(...ids), 0);
  return b;
}

/**
 * n picks, one every `everyMs` from t. A held instance answers 429 at once and says nothing about its latency
 * (NaN, as the data path reports it); the others take `busyMs` and stay in flight for it.
 */
function shares(b: Balancer, t: number, n: number, everyMs: number, held: ReadonlySet<string> = new Set(), hashKey?: (i: number) => string): Record<string, number> {
  const c: Record<string, number> = {};
  const inFlight: Array<{ id: string; until: number }> = [];
  for (let i = 0; i < n; i++) {
    const now = t + i * everyMs;
    while (inFlight.length > 0 && inFlight[0]!.until <= now) b.onEnd(inFlight.shift()!.id, 10, true, now);
    const e = b.pick(hashKey === undefined ? {} : { hashKey: hashKey(i) }, now);
    if (e === undefined) throw new Error('no endpoint');
    c[e.id] = (c[e.id] ?? 0) + 1;
    b.onStart(e.id, now);
    if (held.has(e.id)) b.onEnd(e.id, Number.NaN, true, now);
    else inFlight.push({ id: e.id, until: now + 10 });
  }
  for (const f of inFlight) b.onEnd(f.id, 10, true, t + n * everyMs);
  for (const k of Object.keys(c)) c[k] = c[k]! / n;
  return c;
}

describe('an instance held back keeps a trickle, whatever the policy', () => {
  const kinds: PolicyKind[] = ['round-robin', 'weighted-round-robin', 'random', 'least-request', 'peak-ewma', 'consistent-hash'];
  const key = (kind: PolicyKind) => (kind === 'consistent-hash' ? (i: number) => `key-${i}` : undefined);

  // Busy: a pick every 0.5 ms for 3 s. At most one pick per 200 ms passes to the held
  // instance, although a throttled instance answers fast and has nothing in flight, which
  // least-request, peak-EWMA and bounded-load hashing would otherwise all prefer.
  it.each(kinds)('%s, busy: c gets at most one pick per 200 ms while held, the rest goes to a and b', (kind) => {
    const b = make(kind);
    b.holdBack('c', 10_000, 0);
    const s = shares(b, 0, 6_000, 0.5, new Set(['c']), key(kind));
    const picksOfC = Math.round((s['c'] ?? 0) * 6_000);
    expect(picksOfC).toBeGreaterThan(0);
    expect(picksOfC).toBeLessThanOrEqual(3_000 / HOLD_TRICKLE_INTERVAL_MS + 1);
    expect(Math.abs(s['a']! - s['b']!)).toBeLessThan(0.08);
  });

  // Quiet: a pick every 300 ms, so the interval never binds: c keeps the slow-start floor
  // (10 %) of the share the policy would give it (a third, or more for the load-aware ones).
  it.each(kinds)('%s, quiet: c gets about a tenth of its share while held', (kind) => {
    const b = make(kind);
    b.holdBack('c', 1e9, 0);
    const s = shares(b, 0, 3_000, 300, new Set(['c']), key(kind));
    expect(s['c']).toBeGreaterThan(0.01);
    expect(s['c']).toBeLessThan(0.08);
  });

  it.each(kinds)('%s: c gets its share back when the hold is up', (kind) => {
    const b = make(kind);
    b.holdBack('c', 1_000, 0);
    const s = shares(b, 1_000, 6_000, 0.5, new Set(), key(kind));
    expect(s['c']).toBeGreaterThan(0.25);
  });
});

describe('the hold itself', () => {
  it('lasts until untilMs (exclusive), with no health, ejection or slow start involved', () => {
    const b = make('weighted-round-robin');
    b.holdBack('c', 2_000, 100);
    const at = (t: number) => b.snapshot(t).endpoints.find((e) => e.id === 'c')!;
    expect(at(100)).toMatchObject({ heldBackUntilMs: 2_000, healthy: true, unhealthySources: [], effectiveWeight: 1, slowStartFactor: 1 });
    expect(at(1_999).heldBackUntilMs).toBe(2_000);
    expect(at(2_000)).toMatchObject({ heldBackUntilMs: undefined, healthy: true, effectiveWeight: 1, slowStartFactor: 1 });
    expect(b.snapshot(100).panic).toBe(false);
  });

  const extensions: { name: string; holds: Array<[until: number, now: number]>; until: number | undefined }[] = [
    { name: 'a later end extends it', holds: [[2_000, 0], [3_000, 500]], until: 3_000 },
    { name: 'an earlier end is ignored', holds: [[3_000, 0], [2_000, 500]], until: 3_000 },
    { name: 'a new hold after the old one ended starts afresh', holds: [[1_000, 0], [2_500, 1_500]], until: 2_500 },
    { name: 'a hold already over at the time it is set is nothing', holds: [[400, 500]], until: undefined },
  ];
  it.each(extensions)('$name', ({ holds, until }) => {
    const b = make('round-robin');
    for (const [u, now] of holds) b.holdBack('c', u, now);
    expect(b.snapshot(1_600).endpoints.find((e) => e.id === 'c')!.heldBackUntilMs).toBe(until);
  });

  it('comes back on time even when the pick cache was built during the hold', () => {
    const b = make('round-robin');
    b.holdBack('c', 1_000, 0);
    // 300 picks in 30 ms during the hold: the trickle passes one at most.
    expect((shares(b, 900, 300, 0.1, new Set(['c']))['c'] ?? 0) * 300).toBeLessThanOrEqual(1);
    expect(shares(b, 1_000, 300, 0)['c']).toBeCloseTo(1 / 3, 2);
  });

  it('changes nothing when every instance is held (the holds cancel out)', () => {
    const b = make('round-robin');
    for (const id of ['a', 'b', 'c']) b.holdBack(id, 5_000, 0);
    expect(shares(b, 0, 300, 0)).toEqual({ a: 1 / 3, b: 1 / 3, c: 1 / 3 });
  });

  it('is ignored for an unknown instance', () => {
    const b = make('round-robin');
    b.holdBack('zz', 5_000, 0);
    expect(shares(b, 0, 300, 0)).toEqual({ a: 1 / 3, b: 1 / 3, c: 1 / 3 });
  });

  it('moves a held instance’s keys to the next instance on the ring, and only those', () => {
    const b = make('consistent-hash');
    const home = new Map<string, string>();
    for (let i = 0; i < 300; i++) home.set(`k${i}`, b.pick({ hashKey: `k${i}` }, 0)!.id);
    b.holdBack('c', 5_000, 0);
    let moved = 0;
    for (const [key, id] of home) {
      const now = b.pick({ hashKey: key }, 1)!.id;
      if (id !== 'c') expect(now, key).toBe(id);
      else if (now !== 'c') moved++;
    }
    const ofC = [...home.values()].filter((id) => id === 'c').length;
    expect(moved / ofC).toBeGreaterThan(0.8);
  });
});

describe('whether a retry can go somewhere new', () => {
  const cases: { name: string; unhealthy: string[]; exclude: string[]; expected: boolean }[] = [
    { name: 'untried instances left', unhealthy: [], exclude: ['a'], expected: true },
    { name: 'every instance tried', unhealthy: [], exclude: ['a', 'b', 'c'], expected: false },
    { name: 'the untried one is unhealthy', unhealthy: ['c'], exclude: ['a', 'b'], expected: false },
    { name: 'nothing tried', unhealthy: [], exclude: [], expected: true },
  ];
  it.each(cases)('$name -> $expected', ({ unhealthy, exclude, expected }) => {
    const b = make('round-robin', ['a', 'b', 'c', 'd']);
    b.setHealth('d', false, 0);
    for (const id of unhealthy) b.setHealth(id, false, 0);
    expect(b.hasCandidateOutside(new Set(exclude), 0)).toBe(expected);
  });

  it('counts a held-back instance as somewhere new (it keeps a trickle)', () => {
    const b = make('round-robin');
    b.holdBack('c', 5_000, 0);
    expect(b.hasCandidateOutside(new Set(['a', 'b']), 0)).toBe(true);
  });
});
