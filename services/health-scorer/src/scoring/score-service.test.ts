import { describe, expect, it } from 'vitest';
import type { CombinedVerdict } from '../windows/types.js';
import { PeerMedian } from './peer-median.js';
import { combine, scoreService } from './score-service.js';
import { scoringPolicy } from './scoring-policy.js';
import type { ScoringInstanceInput } from './types.js';

const HEALTHY_CHECK: CombinedVerdict = { status: 'HEALTHY', healthy: 2, unhealthy: 0, degraded: 0, stale: 0, quorum: 1, rule: 'majority' };

const NO_ERRORS = { status5xx: 0, connectFailures: 0, timeouts: 0, resets: 0 };

function inst(id: string, over: Partial<ScoringInstanceInput> = {}): ScoringInstanceInput {
  return { instanceId: id, requests: 1_000, errorTotal: 0, errors: NO_ERRORS, latencyMs: { p50: 10, p95: 20, p99: 30 }, inFlight: 5, check: HEALTHY_CHECK, ...over };
}

/** An instance with a given p95 (ms) and sample count, otherwise healthy. */
function at(id: string, p95: number, requests = 1_000, over: Partial<ScoringInstanceInput> = {}): ScoringInstanceInput {
  return inst(id, { requests, latencyMs: { p50: p95 / 2, p95, p99: p95 * 1.5 }, ...over });
}

function scoresOf(instances: readonly ScoringInstanceInput[], policy = scoringPolicy()) {
  const scores = scoreService({ serviceId: 's', windowStartMs: 0, windowEndMs: 5_000, instances }, policy);
  return (id: string) => {
    const s = scores.find((x) => x.instanceId === id);
    if (s === undefined) throw new Error(`missing score of ${id}`);
    return s;
  };
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
    ['p95 2x the peers, 20 ms more: within the noise allowance', { latencyMs: { p50: 20, p95: 40, p99: 60 } }, [0.99, 1], null],
    ['100 ms slower than the peers', { latencyMs: { p50: 110, p95: 120, p99: 130 } }, [0.4, 0.7], 'latency'],
    ['200 ms slower than the peers', { latencyMs: { p50: 210, p95: 220, p99: 230 } }, [0, 0.35], 'latency'],
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
      // Only the named component moves; every other one stays healthy.
      if (name === low) expect(c.value, name).toBeLessThan(0.9);
      else expect(c.value, name).toBeGreaterThanOrEqual(0.99);
    }
    if (low === null) expect(s.reasons).toEqual([]);
    else expect(s.reasons.length).toBeGreaterThan(0);
  });

  it('carries the inputs behind each component', () => {
    const s = scoreOf(inst('x', { latencyMs: { p50: 200, p95: 220, p99: 240 }, errorTotal: 30, inFlight: 9 }));
    expect(s.components.latency.inputs).toMatchObject({ p95Ms: 220, gapMs: 200, peerMedianP95Ms: 20, peers: 4, ratio: 11, judgedRatio: 8.5, views: 1 });
    expect(s.components.success.inputs).toMatchObject({ requests: 1_000, errors: 30, errorRate: 0.03 });
    expect(s.components.activeCheck.inputs).toMatchObject({ status: 'HEALTHY', healthy: 2 });
    expect(s.components.saturation.inputs).toMatchObject({ inFlight: 9, expectedInFlight: 5, peers: 4 });
    expect(s.reasons.join(' ')).toContain('p95 200 ms above the median of 4 serving peers (20.0 ms), 11.0x');
  });

  it('compares latency against serving peers only, excluding the instance itself', () => {
    // The slow one must not drag its own baseline up (with itself the median would be 120).
    const of = scoresOf([
      at('fast', 20),
      at('fast2', 20),
      at('slow', 220),
      at('broken', 1, 1_000, { errorTotal: 900, errors: { ...NO_ERRORS, status5xx: 900 } }),
    ]);
    expect(of('slow').components.latency.inputs).toMatchObject({ peerMedianP95Ms: 20, peers: 2 }); // 'broken' is no baseline
    expect(of('fast').components.latency.value).toBe(1);
  });

  it('uses an absolute SLO when configured, and the worse of the two latency terms', () => {
    const policy = scoringPolicy({ sloP95Ms: 10 });
    const s = scoreOf(inst('x'), 4, policy); // like its peers, but every peer is above the SLO
    expect(s.components.latency.inputs.relativeValue).toBe(1);
    expect(s.components.latency.inputs.sloValue).toBeCloseTo(0.25, 10);
    expect(s.components.latency.value).toBeCloseTo(0.25, 10);
  });

  it('ignores tiny absolute gaps in sub-millisecond services', () => {
    const of = scoresOf([at('a', 0.2), at('a2', 0.2), at('b', 1.5)]);
    expect(['a', 'a2', 'b'].map((id) => of(id).components.latency.value)).toEqual([1, 1, 1]);
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
    expect(() => scoringPolicy({ minLatencyPeers: 0, minSaturationPeers: 1.5, peerMaxLocalFailureRate: -1 })).toThrow(/minLatencyPeers.*minSaturationPeers.*peerMaxLocalFailureRate|peerMaxLocalFailureRate.*minLatencyPeers.*minSaturationPeers/);
  });
});

const failing = (over: Partial<ScoringInstanceInput['errors']>, requests = 200) => {
  const errors = { ...NO_ERRORS, ...over };
  return { requests, errors, errorTotal: errors.status5xx + errors.connectFailures + errors.timeouts + errors.resets };
};

describe('peers are only instances that are really serving (finding: the survivor judged against the dead)', () => {
  // x and two serving peers at 20 ms; two more instances of the given kind answer in 1 ms. Were
  // they peers, the baseline would be median(1, 1, 20, 20) = 10.5 and x at 70 ms would be cut.
  it.each([
    ['connect failures', failing({ connectFailures: 4 })],
    ['timeouts', failing({ timeouts: 4 })],
    ['resets', failing({ resets: 4 })],
    ['a high error rate', failing({ status5xx: 60 })],
    ['active checks UNHEALTHY', { check: { ...HEALTHY_CHECK, status: 'UNHEALTHY', healthy: 0, unhealthy: 2 } }],
    ['active checks DEGRADED', { check: { ...HEALTHY_CHECK, status: 'DEGRADED', rule: 'split' } }],
    ['too few requests for a p95', { requests: 12 }],
  ] as const)('an instance with %s is no baseline', (_name, over) => {
    const of = scoresOf([at('x', 70), at('a', 20), at('b', 20), at('bad1', 1, 1_000, over as Partial<ScoringInstanceInput>), at('bad2', 1, 1_000, over as Partial<ScoringInstanceInput>)]);
    expect(of('x').components.latency.inputs).toMatchObject({ peers: 2, peerMedianP95Ms: 20 });
    expect(of('x').components.latency.value).toBe(1);
    expect(of('x').components.saturation.inputs.peers).toBe(2);
  });

  it.each([
    // [case, instances, instance judged, expected latency value, note]
    [
      'the survivor of two is not compared with the dead one',
      [at('survivor', 12, 1_500), at('dead', 3, 120, failing({ connectFailures: 9 }, 120))],
      'survivor',
      1,
      /0 serving peers.*2 needed/,
    ],
    ['one other instance is too weak a baseline', [at('x', 220), at('peer', 20)], 'x', 1, /1 serving peer.*2 needed/],
    ['two serving peers are enough', [at('x', 220), at('p1', 20), at('p2', 20)], 'x', 'low', null],
    [
      'of three, one dead: the survivors are not compared',
      [at('a', 12), at('b', 30), at('dead', 2, 200, { ...failing({ connectFailures: 50 }), check: { ...HEALTHY_CHECK, status: 'UNHEALTHY', healthy: 0, unhealthy: 2 } })],
      'b',
      1,
      /1 serving peer.*2 needed/,
    ],
  ] as const)('%s', (_name, instances, id, value, note) => {
    const s = scoresOf(instances as readonly ScoringInstanceInput[])(id);
    if (value === 'low') expect(s.components.latency.value).toBeLessThan(0.1);
    else expect(s.components.latency.value).toBe(value);
    if (note === null) expect(s.components.latency.inputs.notJudged).toBeNull();
    else {
      expect(s.components.latency.inputs.notJudged).toMatch(note);
      expect(s.notes.join(' ')).toMatch(note); // said, though it did not lower the score
      expect(s.score).toBe(1);
      expect(s.reasons).toEqual([]);
    }
  });

  it('a minimum of one peer can be configured', () => {
    const s = scoresOf([at('x', 220), at('peer', 20)], scoringPolicy({ minLatencyPeers: 1 }))('x');
    expect(s.components.latency.value).toBeLessThan(0.1);
  });
});

/** Per-proxy views of an instance: [proxyId, p95 ms, samples]. */
function viewed(id: string, views: readonly (readonly [string, number, number])[], over: Partial<ScoringInstanceInput> = {}): ScoringInstanceInput {
  const requests = views.reduce((n, [, , samples]) => n + samples, 0);
  // The merged p95 is roughly the slowest view's that holds at least 5 % of the samples (what
  // the merged sketch would give for views of near-constant latency).
  const merged = Math.max(...views.filter(([, , n]) => n >= 0.05 * requests).map(([, p95]) => p95));
  return inst(id, {
    requests,
    latencyMs: { p50: merged / 2, p95: merged, p99: merged * 1.5 },
    byProxy: views.map(([proxyId, p95Ms, samples]) => ({ proxyId, requests: samples, errorTotal: 0, localFailures: 0, p95Ms })),
    ...over,
  });
}

describe('latency is judged per proxy, then across proxies (finding: a slow proxy host condemns its upstreams)', () => {
  it.each([
    // [case, instances, expected latency value of x: 1 or 'low' (< 0.1)]
    [
      'a CPU-starved proxy sent most of x\'s traffic: x is normal next to its peers as that proxy saw them',
      [
        viewed('x', [['fast', 10, 100], ['starved', 150, 900]]),
        viewed('a', [['fast', 10, 980], ['starved', 150, 20]]),
        viewed('b', [['fast', 11, 980], ['starved', 160, 20]]),
        viewed('c', [['fast', 9, 980], ['starved', 140, 20]]),
      ],
      1,
    ],
    [
      'one proxy of two sees x slow, the other normal: no condemnation',
      [viewed('x', [['p1', 10, 500], ['p2', 300, 500]]), viewed('a', [['p1', 10, 500], ['p2', 10, 500]]), viewed('b', [['p1', 10, 500], ['p2', 10, 500]])],
      1,
    ],
    [
      'the proxy that sent most of the traffic sees x normal',
      [viewed('x', [['p1', 10, 900], ['p2', 300, 100]]), viewed('a', [['p1', 10, 500], ['p2', 10, 500]]), viewed('b', [['p1', 10, 500], ['p2', 10, 500]])],
      1,
    ],
    [
      'x +200 ms as every proxy sees it',
      [viewed('x', [['p1', 210, 300], ['p2', 215, 300]]), viewed('a', [['p1', 10, 300], ['p2', 12, 300]]), viewed('b', [['p1', 10, 300], ['p2', 11, 300]])],
      'low',
    ],
    [
      'x +200 ms, most of its traffic through a starved proxy (+150 ms on everything)',
      [viewed('x', [['p1', 210, 100], ['starved', 360, 900]]), viewed('a', [['p1', 10, 500], ['starved', 160, 500]]), viewed('b', [['p1', 10, 500], ['starved', 160, 500]])],
      'low',
    ],
    [
      'x +200 ms, one proxy starved (+150 ms on everything)',
      [viewed('x', [['p1', 210, 300], ['starved', 360, 300]]), viewed('a', [['p1', 10, 300], ['starved', 160, 300]]), viewed('b', [['p1', 10, 300], ['starved', 160, 300]])],
      'low',
    ],
  ] as const)('%s', (_name, instances, expected) => {
    const s = scoresOf(instances)('x');
    if (expected === 'low') {
      expect(s.components.latency.value).toBeLessThan(0.1);
      expect(s.score).toBeLessThan(0.4);
    } else expect(s.components.latency.value).toBe(expected);
  });

  it('says the gap, the baseline and how many proxies\' views they are the median of', () => {
    const s = scoresOf([
      viewed('x', [['p1', 210, 300], ['p2', 230, 300], ['p3', 220, 300]]),
      viewed('a', [['p1', 10, 300], ['p2', 10, 300], ['p3', 10, 300]]),
      viewed('b', [['p1', 10, 300], ['p2', 10, 300], ['p3', 10, 300]]),
    ])('x');
    expect(s.components.latency.inputs).toMatchObject({ gapMs: 210, peerMedianP95Ms: 10, peers: 2, ratio: 22, views: 3 });
    expect(s.reasons.join(' ')).toContain('p95 210 ms above the median of 2 serving peers (10.0 ms), 22.0x (median of 3 proxies\' views)');
  });
});

describe('latency noise is not a verdict (finding: healthy instances cut on a busy 2-core host)', () => {
  it.each([
    // [case, peers' p95 ms, instance p95 ms, instance samples, expected: 1 or [lo, hi] of the score]
    ['GC pause scale: 2 ms peers, 30 ms p95', 2, 30, 1_000, 1],
    ['event-loop lag scale: 2 ms peers, 45 ms p95', 2, 45, 1_000, 1],
    ['20 ms peers, 60 ms p95 (+40 ms)', 20, 60, 1_000, 1],
    ['the "p95" of 12 samples is its second-slowest answer', 2, 400, 12, 1],
    ['19 samples: still short of the 20 a 95th percentile needs', 2, 400, 19, 1],
    ['+200 ms over 2 ms peers, in one window', 2, 202, 100, [0, 0.4]],
    ['+200 ms over 20 ms peers', 20, 220, 1_000, [0, 0.4]],
    ['+200 ms over 30 ms peers', 30, 230, 1_000, [0, 0.4]],
    ['+100 ms over 2 ms peers', 2, 102, 1_000, [0, 0.4]],
  ] as const)('%s', (_name, base, p95, samples, expected) => {
    const s = scoresOf([at('x', p95, samples), at('a', base), at('b', base * 1.1), at('c', base * 0.9)])('x');
    if (expected === 1) {
      expect(s.components.latency.value).toBe(1);
      expect(s.score).toBe(1);
      if (samples < 20) expect(s.notes).toEqual([`latency not judged: ${samples} answered requests, 20 needed for a p95`]);
    } else {
      expect(s.score).toBeGreaterThanOrEqual(expected[0]);
      expect(s.score).toBeLessThan(expected[1]);
    }
  });
});

describe('saturation follows the traffic an instance was sent', () => {
  it.each([
    // [case, instance overrides, expected saturation: 1 or 'low' (< 0.5)]
    ['sent 10x the traffic, 10x in flight', { requests: 10_000, inFlight: 50 }, 1],
    ['sent 3x the traffic, 4x in flight', { requests: 3_000, inFlight: 20 }, 1],
    ['10x in flight on the same traffic', { inFlight: 50 }, 'low'],
    ['hung: 60 in flight, almost nothing completes', { requests: 3, inFlight: 60, latencyMs: null }, 'low'],
  ] as const)('%s', (_name, over, expected) => {
    const s = scoreOf(inst('x', over));
    if (expected === 1) expect(s.components.saturation.value).toBe(1);
    else expect(s.components.saturation.value).toBeLessThan(0.5);
  });

  it('judges nothing against fewer than minSaturationPeers serving peers', () => {
    const s = scoresOf([inst('x', { inFlight: 500 }), inst('peer')])('x');
    expect(s.components.saturation).toMatchObject({ value: 1, inputs: { peers: 1, expectedInFlight: null } });
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

type LocalFailure = 'connectFailures' | 'timeouts' | 'resets';

/** Per-proxy error views of an instance: [proxyId, requests, local failures of `kind`, 5xx], p95 20 ms. */
function reached(id: string, views: readonly (readonly [string, number, number, number])[], kind: LocalFailure = 'connectFailures'): ScoringInstanceInput {
  const sum = (pick: (v: readonly [string, number, number, number]) => number): number => views.reduce((n, v) => n + pick(v), 0);
  const [requests, local, status5xx] = [sum((v) => v[1]), sum((v) => v[2]), sum((v) => v[3])];
  return inst(id, {
    requests,
    errorTotal: local + status5xx,
    errors: { ...NO_ERRORS, status5xx, [kind]: local },
    latencyMs: requests - local > 0 ? { p50: 10, p95: 20, p99: 30 } : null,
    byProxy: views.map(([proxyId, n, lf, s5]) => ({ proxyId, requests: n, errorTotal: lf + s5, localFailures: lf, p95Ms: n - lf > 0 ? 20 : null })),
  });
}

describe('local failures are judged per proxy, then across proxies (finding: one proxy that cannot reach an instance)', () => {
  const healthyPeers = ['a', 'b', 'c'].map((id) => reached(id, [['p1', 500, 0, 0], ['p2', 500, 0, 0], ['p3', 500, 0, 0]]));
  it.each([
    // [case, views of x: [proxy, requests, local failures, 5xx], kind of local failure, expected score: 'kept' (>= 0.9) or 'low' (< 0.4)]
    ['2 proxies, one cannot connect at all, the other reaches it fine', [['p1', 500, 500, 0], ['p2', 500, 0, 0]], 'connectFailures', 'kept'],
    ['2 proxies, one times out on everything', [['p1', 500, 0, 0], ['p2', 500, 500, 0]], 'timeouts', 'kept'],
    ['3 proxies, one gets resets on everything', [['p1', 500, 500, 0], ['p2', 500, 0, 0], ['p3', 500, 0, 0]], 'resets', 'kept'],
    ['the unreachable proxy ejected it locally after a few tries', [['p1', 5, 5, 0], ['p2', 995, 0, 0]], 'connectFailures', 'kept'],
    ['3 proxies, two cannot connect', [['p1', 500, 500, 0], ['p2', 500, 500, 0], ['p3', 500, 0, 0]], 'connectFailures', 'low'],
    ['every proxy: connect failures on every request (dead)', [['p1', 500, 500, 0], ['p2', 500, 500, 0]], 'connectFailures', 'low'],
    ['every proxy: timeouts on every request (hung)', [['p1', 500, 500, 0], ['p2', 500, 500, 0]], 'timeouts', 'low'],
    ['every proxy: 50 % 503 (the instance\'s own answers)', [['p1', 500, 0, 250], ['p2', 500, 0, 250]], 'connectFailures', 'low'],
    ['one proxy of two sees it answer 100 % 503: its own answers count wherever seen', [['p1', 500, 0, 500], ['p2', 500, 0, 0]], 'connectFailures', 'low'],
  ] as const)('%s', (_name, views, kind, expected) => {
    const s = scoresOf([reached('x', views, kind), ...healthyPeers])('x');
    if (expected === 'kept') {
      expect(s.score).toBeGreaterThanOrEqual(0.9);
      expect(s.reasons).toEqual([]);
    } else {
      expect(s.components.success.value).toBeLessThan(0.1);
      expect(s.score).toBeLessThan(0.4);
    }
  });

  it('says which local failures it did not hold against the instance, and why', () => {
    const s = scoresOf([reached('x', [['p1', 500, 500, 0], ['p2', 500, 0, 0]]), ...healthyPeers])('x');
    expect(s.components.success.inputs).toMatchObject({ requests: 1_000, errors: 500, localFailures: 500, localFailureRate: 0, localViews: 2, viewsWithLocalFailures: 1, judgedErrorRate: 0 });
    expect(s.notes).toEqual(['success judged per proxy: 500 of 500 connect failures, timeouts and resets not held against it (seen through 1 of 2 proxies; the median proxy view has 0.00 %)']);
  });

  it('one proxy only: the same figures as errors summed over every proxy', () => {
    for (const [local, s5] of [[0, 0], [30, 0], [0, 30], [40, 60], [900, 50]] as const) {
      const one = scoresOf([reached('x', [['p1', 1_000, local, s5]]), ...healthyPeers])('x');
      const merged = scoresOf([inst('x', { errorTotal: local + s5, errors: { ...NO_ERRORS, connectFailures: local, status5xx: s5 } }), ...healthyPeers])('x');
      expect(one.components.success.value).toBeCloseTo(merged.components.success.value, 12);
      expect(one.components.success.inputs.judgedErrorRate).toBeCloseTo((local + s5) / 1_000, 12);
    }
  });
});
