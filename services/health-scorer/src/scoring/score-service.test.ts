import { describe, expect, it } from 'vitest';
import type { CombinedVerdict } from '../windows/types.js';
import { PeerMedian } from './peer-median.js';
import { combine, scoreService } from './score-service.js';
import { scoringPolicy } from './scoring-policy.js';
import type { ScoringInstanceInput } from './types.js';

const HEALTHY_CHECK: CombinedVerdict = { status: 'HEALTHY', healthy: 2, unhealthy: 0, degraded: 0, stale: 0, quorum: 1, rule: 'majority' };

function inst(id: string, over: Partial<ScoringInstanceInput> = {}): ScoringInstanceInput {
  return { instanceId: id, requests: 1_000, errorTotal: 0, latencyMs: { p50: 10, p95: 20, p99: 30 }, inFlight: 5, check: HEALTHY_CHECK, ...over };
}

function scoreOf(target: ScoringInstanceInput, peers = 4, policy = scoringPolicy()) {
  const instances = [target, ...Array.from({ length: peers }, (_, k) => inst(`peer${k}`))];
  const scores = scoreService({ serviceId: 's', windowStartMs: 0, windowEndMs: 5_000, instances }, policy);
  const s = scores.find((x) => x.instanceId === target.instanceId);
  if (s === undefined) throw new Error('missing score');
  return s;
}

describe('health score', () => {
  it.each([
    // [case, instance overrides, score range [lo, hi], component that must be low]
    ['healthy like its peers', {}, [0.99, 1], null],
    ['1 % errors is tolerated', { errorTotal: 5 }, [0.99, 1], null],
    ['5 % errors', { errorTotal: 50 }, [0.5, 0.9], 'success'],
    ['50 % errors', { errorTotal: 500 }, [0, 0.05], 'success'],
    ['p95 2x the peers', { latencyMs: { p50: 20, p95: 40, p99: 60 } }, [0.6, 0.9], 'latency'],
    ['200 ms slower than the peers', { latencyMs: { p50: 210, p95: 220, p99: 230 } }, [0, 0.25], 'latency'],
    ['active checks UNHEALTHY vetoes', { check: { ...HEALTHY_CHECK, status: 'UNHEALTHY', healthy: 0, unhealthy: 2 } }, [0, 0], 'activeCheck'],
    ['active checks DEGRADED', { check: { ...HEALTHY_CHECK, status: 'DEGRADED', rule: 'split' } }, [0.8, 0.9], 'activeCheck'],
    ['active checks UNKNOWN costs nothing', { check: { ...HEALTHY_CHECK, status: 'UNKNOWN', rule: 'no-quorum' } }, [0.99, 1], null],
    ['10x the peers in flight', { inFlight: 50 }, [0.85, 0.99], 'saturation'],
    ['no traffic (ejected) with healthy checks', { requests: 0, latencyMs: null, inFlight: 0 }, [0.99, 1], null],
    ['2 errors in 3 requests is smoothed', { requests: 3, errorTotal: 2 }, [0.3, 0.8], 'success'],
    ['one slow request is not a latency signal', { requests: 2, latencyMs: { p50: 900, p95: 900, p99: 900 } }, [0.99, 1], null],
  ] as const)('%s', (_name, over, [lo, hi], low) => {
    const s = scoreOf(inst('x', over));
    expect(s.score).toBeGreaterThanOrEqual(lo);
    expect(s.score).toBeLessThanOrEqual(hi);
    for (const [name, c] of Object.entries(s.components)) {
      expect(c.value).toBeGreaterThanOrEqual(0);
      expect(c.value).toBeLessThanOrEqual(1);
      if (name === low) expect(c.value).toBeLessThan(0.9);
      else expect(c.value).toBeGreaterThanOrEqual(low === null ? 0.99 : 0);
    }
    if (low === null) expect(s.reasons).toEqual([]);
    else expect(s.reasons.length).toBeGreaterThan(0);
  });

  it('carries the inputs behind each component', () => {
    const s = scoreOf(inst('x', { latencyMs: { p50: 200, p95: 220, p99: 240 }, errorTotal: 30, inFlight: 9 }));
    expect(s.components.latency.inputs).toMatchObject({ p95Ms: 220, peerMedianP95Ms: 20, peers: 4, ratio: 11 });
    expect(s.components.success.inputs).toMatchObject({ requests: 1_000, errors: 30, errorRate: 0.03 });
    expect(s.components.activeCheck.inputs).toMatchObject({ status: 'HEALTHY', healthy: 2 });
    expect(s.components.saturation.inputs).toMatchObject({ inFlight: 9, peerMedianInFlight: 5, peers: 4 });
    expect(s.reasons.join(' ')).toContain('11.0x the median of 4 healthy peers');
  });

  it('compares latency against healthy peers only, excluding the instance itself', () => {
    // Two instances: the slow one must not drag its own baseline up (median would be 120).
    const scores = scoreService({
      serviceId: 's',
      windowStartMs: 0,
      windowEndMs: 5_000,
      instances: [inst('fast'), inst('slow', { latencyMs: { p50: 200, p95: 220, p99: 240 } }), inst('broken', { errorTotal: 900, latencyMs: { p50: 1, p95: 1, p99: 1 } })],
    });
    const slow = scores.find((x) => x.instanceId === 'slow');
    expect(slow?.components.latency.inputs.peerMedianP95Ms).toBe(20); // 'broken' is not a healthy peer
    expect(slow?.components.latency.inputs.peers).toBe(1);
    expect(scores.find((x) => x.instanceId === 'fast')?.components.latency.value).toBe(1);
  });

  it('uses an absolute SLO when configured, and the worse of the two latency terms', () => {
    const policy = scoringPolicy({ sloP95Ms: 10 });
    const s = scoreOf(inst('x'), 4, policy); // like its peers, but every peer is above the SLO
    expect(s.components.latency.inputs.relativeValue).toBe(1);
    expect(s.components.latency.inputs.sloValue).toBeCloseTo(0.25, 10);
    expect(s.components.latency.value).toBeCloseTo(0.25, 10);
  });

  it('ignores tiny absolute gaps in sub-millisecond services', () => {
    const scores = scoreService({
      serviceId: 's',
      windowStartMs: 0,
      windowEndMs: 5_000,
      instances: [inst('a', { latencyMs: { p50: 0.1, p95: 0.2, p99: 0.3 } }), inst('b', { latencyMs: { p50: 0.5, p95: 1.5, p99: 2 } })],
    });
    expect(scores.map((s) => s.components.latency.value)).toEqual([1, 1]);
  });

  it('is a weighted geometric mean: one zero vetoes, equal components give that value', () => {
    const c = scoreOf(inst('x')).components;
    expect(combine({ ...c, latency: { ...c.latency, value: 0 } })).toBe(0);
    const half = (v: number) => ({
      success: { ...c.success, value: v },
      latency: { ...c.latency, value: v },
      activeCheck: { ...c.activeCheck, value: v },
      saturation: { ...c.saturation, value: v },
    });
    expect(combine(half(0.5))).toBeCloseTo(0.5, 12);
    expect(combine(half(1))).toBe(1);
  });

  it('rejects an inconsistent policy with every problem listed', () => {
    expect(() => scoringPolicy({ latencyRatioTolerance: 0.5, errorRateScale: 0 })).toThrow(/latencyRatioTolerance.*errorRateScale|errorRateScale.*latencyRatioTolerance/);
    expect(() => scoringPolicy({ weights: { success: 0, latency: 0, activeCheck: 0, saturation: 0 } })).toThrowError(expect.objectContaining({ code: 'SLB_POLICY_INVALID' }));
  });
});

describe('leave-one-out peer median', () => {
  it.each([
    // [values, own, member, expected]
    [[1, 2, 3, 4, 100], 100, true, 2.5],
    [[1, 2, 3, 4, 100], 1, true, 3.5],
    [[1, 2, 3, 4, 100], 3, true, 3],
    [[5, 5, 5], 5, true, 5],
    [[7], 7, true, null],
    [[1, 2, 3], 50, false, 2],
    [[], 1, false, null],
  ] as const)('%j without %d (member %s) -> %s', (values, own, member, expected) => {
    expect(new PeerMedian(values).withoutOwn(own, member)).toBe(expected);
  });

  it('matches a brute-force median on random data', () => {
    let seed = 42;
    const rnd = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let trial = 0; trial < 200; trial += 1) {
      const values = Array.from({ length: 1 + Math.floor(rnd() * 25) }, () => Math.floor(rnd() * 50));
      const pm = new PeerMedian(values);
      values.forEach((v, i) => {
        const rest = values.filter((_, j) => j !== i).sort((a, b) => a - b);
        const m = rest.length;
        const expected = m === 0 ? null : m % 2 === 1 ? rest[(m - 1) / 2] : ((rest[m / 2 - 1] as number) + (rest[m / 2] as number)) / 2;
        expect(pm.withoutOwn(v, true)).toBe(expected);
      });
    }
  });
});
