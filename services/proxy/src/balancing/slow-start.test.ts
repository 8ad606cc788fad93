import { describe, expect, it } from 'vitest';
import { createBalancer } from './create-balancer.js';
import { seededRandom } from '@slb/core/random';
import { slowStartFactor } from './slow-start.js';
import type { Balancer, Endpoint, PolicyConfig } from './types.js';

const ep = (id: string, weight = 1): Endpoint => ({ id, address: `${id}:80`, weight });

describe('slow-start ramp (Envoy formula)', () => {
  const cases: { aggression: number; minWeightPercent: number; t: number; factor: number }[] = [
    { aggression: 1, minWeightPercent: 10, t: 0, factor: 0.1 },
    { aggression: 1, minWeightPercent: 10, t: 500, factor: 0.1 },
    { aggression: 1, minWeightPercent: 10, t: 2_000, factor: 0.2 },
    { aggression: 1, minWeightPercent: 10, t: 5_000, factor: 0.5 },
    { aggression: 1, minWeightPercent: 10, t: 9_000, factor: 0.9 },
    { aggression: 1, minWeightPercent: 10, t: 10_000, factor: 1 },
    { aggression: 1, minWeightPercent: 10, t: 60_000, factor: 1 },
    { aggression: 2, minWeightPercent: 10, t: 2_500, factor: 0.5 },
    { aggression: 0.5, minWeightPercent: 10, t: 5_000, factor: 0.25 },
    { aggression: 1, minWeightPercent: 50, t: 2_000, factor: 0.5 },
  ];
  it.each(cases)('aggression $aggression, floor $minWeightPercent%, t=$t ms -> $factor', ({ aggression, minWeightPercent, t, factor }) => {
    expect(slowStartFactor(0, t, { windowMs: 10_000, aggression, minWeightPercent })).toBeCloseTo(factor, 10);
  });

  it('is 1 when there is no ramp or the window is 0', () => {
    expect(slowStartFactor(undefined, 5, { windowMs: 10_000, aggression: 1, minWeightPercent: 10 })).toBe(1);
    expect(slowStartFactor(0, 5, { windowMs: 0, aggression: 1, minWeightPercent: 10 })).toBe(1);
  });
});

function share(b: Balancer, id: string, t: number, n = 1000): number {
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const e = b.pick({}, t);
    if (e === undefined) throw new Error('no endpoint');
    if (e.id === id) hits++;
  }
  return hits / n;
}

describe('slow start in the balancer', () => {
  const policy: PolicyConfig = { kind: 'weighted-round-robin', slowStart: { windowMs: 10_000 } };

  it('does not ramp the instances of the first endpoint list', () => {
    const b = createBalancer(policy, { random: seededRandom(1) });
    b.setEndpoints([ep('a'), ep('b')], 1_000);
    expect(b.snapshot(1_000).endpoints.map((e) => e.slowStartFactor)).toEqual([1, 1]);
    expect(share(b, 'b', 1_000)).toBe(0.5);
  });

  // Shares of a new instance c next to a and b (weight 1 each): f / (2 + f).
  const points = [
    { t: 0, expected: 0.1 / 2.1 },
    { t: 5_000, expected: 0.5 / 2.5 },
    { t: 8_000, expected: 0.8 / 2.8 },
    { t: 10_000, expected: 1 / 3 },
  ];
  it.each(points)('a new instance gets its ramped share at t=$t', ({ t, expected }) => {
    const b = createBalancer(policy, { random: seededRandom(1) });
    b.setEndpoints([ep('a'), ep('b')], 0);
    b.setEndpoints([ep('a'), ep('b'), ep('c')], 0);
    expect(share(b, 'c', t, 4200)).toBeCloseTo(expected, 2);
  });

  it('an instance that recovers ramps up again from the time it recovered', () => {
    const b = createBalancer(policy, { random: seededRandom(1) });
    b.setEndpoints([ep('a'), ep('b'), ep('c')], 0);
    b.setHealth('c', false, 1_000);
    expect(share(b, 'c', 2_000)).toBe(0);
    b.setHealth('c', true, 3_000);
    expect(b.snapshot(8_000).endpoints.find((e) => e.id === 'c')?.slowStartFactor).toBeCloseTo(0.5, 10);
    expect(share(b, 'c', 8_000, 2500)).toBeCloseTo(0.2, 2);
    expect(share(b, 'c', 13_000, 3000)).toBeCloseTo(1 / 3, 2);
  });

  it('needs every health source to agree before the instance is back', () => {
    const b = createBalancer(policy, { random: seededRandom(1) });
    b.setEndpoints([ep('a'), ep('b'), ep('c')], 0);
    b.setHealth('c', false, 0, 'active');
    b.setHealth('c', false, 0, 'outlier');
    b.setHealth('c', true, 10, 'outlier');
    expect(share(b, 'c', 20)).toBe(0);
    b.setHealth('c', true, 30, 'active');
    expect(share(b, 'c', 20_000)).toBeCloseTo(1 / 3, 2);
  });

  it.each(['random', 'least-request', 'peak-ewma'] as const)('%s also ramps a new instance', (kind) => {
    const b = createBalancer({ kind, slowStart: { windowMs: 10_000 } }, { random: seededRandom(3) });
    b.setEndpoints([ep('a'), ep('b')], 0);
    b.setEndpoints([ep('a'), ep('b'), ep('c')], 0);
    const hits = { early: 0, late: 0 };
    for (const [phase, t] of [['early', 0], ['late', 20_000]] as const) {
      for (let i = 0; i < 6000; i++) {
        const e = b.pick({}, t);
        if (e?.id === 'c') hits[phase]++;
        // Each request finishes at once, with the default RTT, so only weights differ.
        if (e !== undefined) {
          b.onStart(e.id, t);
          b.onEnd(e.id, 30, true, t);
        }
      }
    }
    expect(hits.early / 6000).toBeLessThan(0.1);
    expect(hits.late / 6000).toBeGreaterThan(0.3);
  });

  it('consistent-hash ramps the share of in-flight load a new instance may take', () => {
    const b = createBalancer({ kind: 'consistent-hash', slowStart: { windowMs: 10_000 } }, { random: seededRandom(3) });
    b.setEndpoints([ep('a'), ep('b')], 0);
    b.setEndpoints([ep('a'), ep('b'), ep('c')], 0);
    const maxInFlightOfC = (t: number): number => {
      const open: string[] = [];
      let max = 0;
      for (let i = 0; i < 3000; i++) {
        const e = b.pick({ hashKey: `user-${i}` }, t);
        if (e === undefined) throw new Error('no endpoint');
        b.onStart(e.id, t);
        open.push(e.id);
        // Keep 60 requests in flight.
        if (open.length > 60) b.onEnd(open.shift() as string, 30, true, t);
        max = Math.max(max, b.snapshot(t).endpoints.find((x) => x.id === 'c')?.inFlight ?? 0);
      }
      for (const id of open) b.onEnd(id, 30, true, t);
      return max;
    };
    // capacity of c = ceil(1.25 × 61 × f / (2 + f)): 4 at f = 0.1, 26 at f = 1.
    expect(maxInFlightOfC(0)).toBeLessThanOrEqual(4);
    expect(maxInFlightOfC(20_000)).toBeGreaterThan(15);
  });
});
