import { describe, expect, it } from 'vitest';
import { boundedCapacity } from './consistent-hash.js';
import { createBalancer } from './create-balancer.js';
import { HashRing } from './hash-ring.js';
import { seededRandom } from '@slb/core/random';
import type { Balancer, Endpoint } from './types.js';

const ep = (id: string, weight = 1): Endpoint => ({ id, address: `${id}:80`, weight });
const KEYS = Array.from({ length: 20_000 }, (_, i) => `client-${i}`);

function owners(b: Balancer, t = 0): string[] {
  return KEYS.map((hashKey) => b.pick({ hashKey }, t)?.id ?? 'none');
}

function make(endpoints: Endpoint[], loadFactor?: number): Balancer {
  const b = createBalancer(
    { kind: 'consistent-hash', slowStart: { windowMs: 0 }, consistentHash: loadFactor === undefined ? {} : { loadFactor } },
    { random: seededRandom(5) },
  );
  b.setEndpoints(endpoints, 0);
  return b;
}

describe('ring construction', () => {
  it('gives each instance pointsPerWeight × weight points, at least one', () => {
    const ring = new HashRing([ep('a', 1), ep('b', 2), ep('c', 0.001)], 256);
    expect(Object.fromEntries(ring.pointsPerMember())).toEqual({ a: 256, b: 512, c: 1 });
  });

  it('is the same for the same members in any order (every proxy agrees)', () => {
    const one = make([ep('a'), ep('b'), ep('c')]);
    const two = make([ep('c'), ep('a'), ep('b')]);
    expect(owners(one)).toEqual(owners(two));
  });
});

describe('key distribution and stability', () => {
  it('maps a key to the same instance every time', () => {
    const b = make([ep('a'), ep('b'), ep('c')]);
    expect(owners(b)).toEqual(owners(b));
  });

  it('spreads keys in proportion to weight (within 5 %)', () => {
    const b = make([ep('a', 1), ep('b', 1), ep('c', 2)]);
    const c: Record<string, number> = {};
    for (const id of owners(b)) c[id] = (c[id] ?? 0) + 1;
    expect(c.a! / KEYS.length).toBeCloseTo(0.25, 1);
    expect(Math.abs(c.a! / KEYS.length - 0.25)).toBeLessThan(0.05);
    expect(Math.abs(c.b! / KEYS.length - 0.25)).toBeLessThan(0.05);
    expect(Math.abs(c.c! / KEYS.length - 0.5)).toBeLessThan(0.05);
  });

  const N = 5;
  const base = Array.from({ length: N }, (_, i) => ep(`i${i}`));

  it('adding an instance moves only ~1/(N+1) of the keys, all to the new one', () => {
    const b = make(base);
    const before = owners(b);
    b.setEndpoints([...base, ep('new')], 0);
    const after = owners(b);
    const moved = before.filter((o, i) => after[i] !== o);
    expect(moved.length / KEYS.length).toBeGreaterThan(1 / (N + 1) - 0.05);
    expect(moved.length / KEYS.length).toBeLessThan(1 / (N + 1) + 0.05);
    expect(new Set(after.filter((o, i) => before[i] !== o))).toEqual(new Set(['new']));
  });

  it('removing an instance moves only the keys it owned', () => {
    const b = make(base);
    const before = owners(b);
    b.setEndpoints(base.filter((e) => e.id !== 'i2'), 0);
    const after = owners(b);
    for (const [i, o] of before.entries()) {
      if (o !== 'i2') expect(after[i]).toBe(o);
      else expect(after[i]).not.toBe('i2');
    }
    const share = before.filter((o) => o === 'i2').length / KEYS.length;
    expect(Math.abs(share - 1 / N)).toBeLessThan(0.05);
  });

  it('an unhealthy instance loses only its own keys, and gets them back when it recovers', () => {
    const b = make(base);
    const before = owners(b);
    b.setHealth('i3', false, 0);
    const during = owners(b);
    for (const [i, o] of before.entries()) if (o !== 'i3') expect(during[i]).toBe(o);
    expect(during).not.toContain('i3');
    b.setHealth('i3', true, 0);
    expect(owners(b)).toEqual(before);
  });
});

describe('bounded load (Mirrokni et al.)', () => {
  it('capacity is ceil(c × (load + 1) × weight share)', () => {
    expect(boundedCapacity(1.25, 0, 1, 4)).toBe(1);
    expect(boundedCapacity(1.25, 99, 1, 4)).toBe(32);
    expect(boundedCapacity(1.25, 99, 2, 4)).toBe(63);
    expect(boundedCapacity(1, 3, 1, 4)).toBe(1);
  });

  it.each([1, 1.1, 1.25, 2])('never puts more than the capacity on an instance (c = %s), under a skewed key mix', (c) => {
    const endpoints = [ep('a'), ep('b', 2), ep('c'), ep('d'), ep('e')];
    const b = make(endpoints, c);
    const rnd = seededRandom(11);
    const open: string[] = [];
    const inFlight = new Map<string, number>(endpoints.map((e) => [e.id, 0]));
    let walked = 0;
    for (let i = 0; i < 20_000; i++) {
      // 60 % of requests carry one hot key; the rest are spread.
      const hashKey = rnd() < 0.6 ? 'hot-user' : `user-${Math.floor(rnd() * 1000)}`;
      const total = [...inFlight.values()].reduce((x, y) => x + y, 0);
      const e = b.pick({ hashKey }, 0);
      if (e === undefined) throw new Error('no endpoint');
      const cap = boundedCapacity(c, total, e.weight, 6);
      expect(inFlight.get(e.id)! + 1).toBeLessThanOrEqual(cap);
      if (e.id !== b.pick({ hashKey: 'hot-user' }, 0)?.id) walked++;
      b.onStart(e.id, 0);
      inFlight.set(e.id, inFlight.get(e.id)! + 1);
      open.push(e.id);
      // Between 50 and 150 requests in flight, finishing in random order.
      while (open.length > 50 + Math.floor(rnd() * 100)) {
        const [done] = open.splice(Math.floor(rnd() * open.length), 1) as [string];
        b.onEnd(done, 10, true, 0);
        inFlight.set(done, inFlight.get(done)! - 1);
      }
    }
    expect(walked).toBeGreaterThan(0);
  });

  it('with load factor 0 the hot key stays on its instance whatever the load', () => {
    const b = make([ep('a'), ep('b'), ep('c')], 0);
    const home = b.pick({ hashKey: 'hot' }, 0)!.id;
    for (let i = 0; i < 500; i++) {
      const e = b.pick({ hashKey: 'hot' }, 0)!;
      expect(e.id).toBe(home);
      b.onStart(e.id, 0);
    }
  });

  it('keeps a key on its instance while that instance is under capacity', () => {
    const b = make([ep('a'), ep('b'), ep('c')], 1.25);
    const home = b.pick({ hashKey: 'k' }, 0)!.id;
    b.onStart('a', 0);
    b.onStart('b', 0);
    b.onStart('c', 0);
    // 3 in flight: capacity ceil(1.25 × 4 / 3) = 2 each, so one more fits at home.
    expect(b.pick({ hashKey: 'k' }, 0)!.id).toBe(home);
    b.onStart(home, 0);
    // home now has 2 = capacity ceil(1.25 × 5 / 3) = 3? no: 2 < 3, still fits.
    expect(b.pick({ hashKey: 'k' }, 0)!.id).toBe(home);
    b.onStart(home, 0);
    // home 3, total 5: capacity ceil(1.25 × 6 / 3) = 3: full, the key walks on.
    expect(b.pick({ hashKey: 'k' }, 0)!.id).not.toBe(home);
  });
});
