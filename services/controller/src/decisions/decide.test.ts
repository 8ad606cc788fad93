import { seededRandom } from '@slb/core/random';
import { describe, expect, it } from 'vitest';
import { createServiceState, decide } from './decide.js';
import { DEFAULT_DECISION_POLICY, decisionPolicy, type DecisionPolicy } from './decision-policy.js';
import type { DecideResult, InstanceScoreInput, ServiceDecision, ServiceDecisionState } from './types.js';

const T0 = 1_800_000_000_000;
const STEP = 1_000; // one scoring window per second

/** A scripted clock and a service driven one window at a time. */
class Driver {
  state: ServiceDecisionState;
  now = T0;
  window = 0;
  readonly decisions: ServiceDecision[] = [];
  readonly results: DecideResult[] = [];

  constructor(policy: Partial<DecisionPolicy> = {}, serviceId = 'svc') {
    this.state = createServiceState(serviceId, decisionPolicy(policy));
  }

  step(scores: Record<string, number>, instances?: readonly string[], silent: ReadonlySet<string> = new Set(), extra: Record<string, Partial<InstanceScoreInput>> = {}): DecideResult {
    this.now += STEP;
    this.window += 1;
    const input: InstanceScoreInput[] = Object.entries(scores).map(([instanceId, score]) => ({
      instanceId,
      score,
      windowStartMs: this.now - STEP,
      windowEndMs: this.now,
      components: { success: { value: score } },
      sources: [{ topic: 'health-scores', partition: 0, offset: String(this.window) }],
      ...(silent.has(instanceId) ? { requests: 0 } : {}),
      ...extra[instanceId],
    }));
    const r = decide(this.state, instances === undefined ? { scores: input } : { scores: input, instances }, this.now);
    this.state = r.state;
    this.results.push(r);
    if (r.decision !== null) this.decisions.push(r.decision);
    return r;
  }

  route(id: string) {
    return this.state.lastDecision?.instances.find((i) => i.instanceId === id);
  }
}

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `i${String(i).padStart(2, '0')}`);
const all = (names: readonly string[], score: number): Record<string, number> => Object.fromEntries(names.map((n) => [n, score]));

describe('hysteresis: flapping input does not flap the output', () => {
  it.each([
    // [case, first scores, then repeated forever, ejected at the end]
    ['around the eject threshold (never two bad windows in a row)', [], [0.2, 0.8], false],
    ['between the thresholds after an ejection', [0.1, 0.1], [0.6, 0.65, 0.55], true],
    ['across both thresholds, alternating', [], [0.35, 0.75], false],
    ['good-good-bad pattern', [], [0.95, 0.95, 0.3], false],
  ] as const)('%s', (_name, prefix, cycle, ejectedAtEnd) => {
    const d = new Driver();
    const names = ids(5);
    const ejectionChanges: string[] = [];
    const weights: number[] = [];
    for (let k = 0; k < 60; k += 1) {
      const flapping = k < prefix.length ? (prefix[k] as number) : (cycle[(k - prefix.length) % cycle.length] as number);
      const r = d.step({ ...all(names.slice(1), 0.95), i00: flapping });
      for (const c of r.changes) if ((c.kind === 'ejected' || c.kind === 'returned') && c.instanceId === 'i00') ejectionChanges.push(c.kind);
      weights.push(d.route('i00')?.weight ?? Number.NaN);
    }
    expect(d.route('i00')?.ejected).toBe(ejectedAtEnd);
    expect(ejectionChanges.length).toBeLessThanOrEqual(1);
    // After settling (10 windows), the published weight stays put.
    const settled = weights.slice(10);
    expect(new Set(settled).size).toBe(1);
  });

  it('changes weights at most a few times while a score oscillates for a minute', () => {
    const d = new Driver();
    const names = ids(4);
    let weightChanges = 0;
    for (let k = 0; k < 60; k += 1) {
      const r = d.step({ ...all(names.slice(1), 0.95), i00: k % 2 === 0 ? 0.45 : 0.85 });
      weightChanges += r.changes.filter((c) => c.kind === 'weight' && c.instanceId === 'i00').length;
    }
    expect(weightChanges).toBeLessThanOrEqual(3);
  });
});

describe('max-ejection percentage', () => {
  it('is never exceeded over many seeded random runs (membership, policy and scores vary)', () => {
    for (let seed = 1; seed <= 300; seed += 1) {
      const rand = seededRandom(seed);
      const pct = Math.floor(rand() * 101);
      const d = new Driver({ maxEjectionPercent: pct, ejectAfterWindows: 1 + Math.floor(rand() * 2), minEjectionMs: 0, returnAfterWindows: 1 });
      let names = ids(1 + Math.floor(rand() * 30));
      for (let k = 0; k < 40; k += 1) {
        if (rand() < 0.1) names = ids(1 + Math.floor(rand() * 30)); // the fleet grows or shrinks
        const badShare = rand();
        const scores = Object.fromEntries(names.map((n) => [n, rand() < badShare ? rand() * 0.3 : 0.5 + rand() * 0.5]));
        const r = d.step(scores, names);
        const decision = r.decision ?? d.state.lastDecision;
        if (decision === null) continue;
        const ejected = decision.instances.filter((i) => i.ejected).length;
        const limit = Math.floor((decision.instances.length * pct) / 100);
        if (ejected > limit) throw new Error(`seed ${seed} step ${k}: ${ejected} ejected of ${decision.instances.length} at ${pct} %`);
        expect(decision.evidence.maxEjectable).toBe(limit);
      }
    }
  });

  it('ejects the worst first and defers the rest with the reason in the evidence', () => {
    const d = new Driver({ maxEjectionPercent: 20 }); // 10 instances -> at most 2
    const names = ids(10);
    const scores = { ...all(names, 0.95), i00: 0.3, i01: 0.05, i02: 0.1, i03: 0.2 };
    d.step(scores);
    const r = d.step(scores);
    expect(r.decision?.instances.filter((i) => i.ejected).map((i) => i.instanceId)).toEqual(['i01', 'i02']);
    const deferred = r.decision?.evidence.instances.filter((e) => e.ejectionDeferred).map((e) => e.instanceId);
    expect(deferred).toEqual(['i00', 'i03']);
    expect(r.decision?.evidence.reasons.some((x) => x.includes('deferred'))).toBe(true);
  });

  it('returns instances when the fleet shrinks below the budget', () => {
    const d = new Driver({ maxEjectionPercent: 50 });
    const names = ids(4);
    const scores = { ...all(names, 0.95), i00: 0.1, i01: 0.2 };
    d.step(scores);
    d.step(scores);
    expect(d.state.lastDecision?.instances.filter((i) => i.ejected)).toHaveLength(2);
    const r = d.step({ i00: 0.1, i01: 0.2, i02: 0.95 }, ['i00', 'i01', 'i02']); // 3 instances -> max 1
    expect(r.decision?.instances.filter((i) => i.ejected).map((i) => i.instanceId)).toEqual(['i00']);
    expect(r.changes.find((c) => c.kind === 'returned')?.instanceId).toBe('i01');
  });
});

describe('panic', () => {
  it('engages below the healthy fraction and releases only above the higher one', () => {
    const d = new Driver({ maxEjectionPercent: 30, panicBelowHealthyFraction: 0.5, panicReleaseHealthyFraction: 0.7 });
    const names = ids(10);
    const withBad = (bad: number) => Object.fromEntries(names.map((n, i) => [n, i < bad ? 0.1 : 0.95]));
    const table: Array<[bad: number, panic: boolean]> = [
      [0, false],
      [4, false], // 6 of 10 healthy
      [6, true], // 4 of 10 healthy (< 50 %): engage
      [4, true], // 6 of 10 (< 70 %): still in panic, no flap back
      [5, true],
      [3, false], // 7 of 10 healthy (the 3 bad ones are ejected): release
      [4, false], // 6 of 10 again: above the engage line, so no flap back into panic
    ];
    for (const [bad, panic] of table) {
      d.step(withBad(bad));
      expect({ bad, panic: d.state.panic }).toEqual({ bad, panic });
    }
    // Recovery: scores all good; ejected ones return (slow start) and count as healthy again.
    for (let k = 0; k < 20; k += 1) d.step(withBad(0));
    expect(d.state.panic).toBe(false);
    expect(d.state.lastDecision?.instances.filter((i) => i.ejected)).toEqual([]);
    const kinds = d.results.flatMap((r) => r.changes.map((c) => c.kind));
    expect(kinds.filter((k) => k === 'panic-engaged')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'panic-released')).toHaveLength(1);
    expect(d.decisions.find((x) => x.panic)?.evidence.reasons.some((r) => r.startsWith('panic'))).toBe(true);
  });

  it('reports no healthy instance when all fail', () => {
    const d = new Driver();
    d.step(all(ids(3), 0.95));
    const r = d.step(all(ids(3), 0));
    expect(r.decision?.panic).toBe(true);
    expect(r.decision?.evidence.healthy).toBe(0);
  });
});

describe('slow start and damping', () => {
  it('ramps a returning instance from the floor to full weight over slowStartMs', () => {
    const policy = { minEjectionMs: 3_000, slowStartMs: 10_000, slowStartFloor: 0.1, returnAfterWindows: 2, maxWeightStep: 0.25 };
    const d = new Driver(policy);
    const names = ids(4);
    d.step({ ...all(names, 0.95), i00: 0.1 });
    d.step({ ...all(names, 0.95), i00: 0.1 });
    expect(d.route('i00')?.ejected).toBe(true);
    let returnedAt: number | null = null;
    const ramp: Array<[number, number]> = [];
    for (let k = 0; k < 25; k += 1) {
      const r = d.step(all(names, 0.95));
      if (r.changes.some((c) => c.kind === 'returned' && c.instanceId === 'i00')) returnedAt = d.now;
      if (returnedAt !== null) ramp.push([d.now - returnedAt, d.route('i00')?.weight ?? Number.NaN]);
    }
    expect(returnedAt).not.toBeNull();
    expect(ramp[0]).toEqual([0, 0.1]); // enters at the floor
    for (const [elapsed, weight] of ramp) {
      const cap = elapsed >= 10_000 ? 1 : 0.1 + 0.9 * (elapsed / 10_000);
      expect(weight).toBeLessThanOrEqual(cap + 1e-12);
    }
    for (let k = 1; k < ramp.length; k += 1) expect((ramp[k] as [number, number])[1]).toBeGreaterThanOrEqual((ramp[k - 1] as [number, number])[1]);
    expect(ramp.at(-1)?.[1]).toBe(1);
    expect(d.route('i00')?.slowStart).toBeNull();
    const mid = d.decisions.find((x) => x.instances.some((i) => i.instanceId === 'i00' && i.slowStart !== null));
    expect(mid?.instances.find((i) => i.instanceId === 'i00')?.slowStart).toEqual({ startedAtMs: returnedAt, endsAtMs: (returnedAt as number) + 10_000 });
  });

  it('starts an instance that joins a running service in slow start', () => {
    const d = new Driver();
    d.step(all(ids(3), 0.95));
    const r = d.step(all(ids(4), 0.95));
    expect(r.changes.find((c) => c.kind === 'added')?.instanceId).toBe('i03');
    expect(d.route('i03')).toMatchObject({ weight: DEFAULT_DECISION_POLICY.slowStartFloor, ejected: false });
    expect(d.route('i03')?.slowStart).not.toBeNull();
  });

  it('never moves a weight more than maxWeightStep per decision, ejections aside (seeded random scores)', () => {
    for (let seed = 1; seed <= 100; seed += 1) {
      const rand = seededRandom(seed * 7919);
      const maxWeightStep = 0.05 + rand() * 0.4;
      const d = new Driver({ maxWeightStep, minWeightChange: 0, minEjectionMs: 0 });
      const names = ids(2 + Math.floor(rand() * 10));
      let before = new Map<string, number>();
      for (let k = 0; k < 50; k += 1) {
        const r = d.step(Object.fromEntries(names.map((n) => [n, rand()])));
        const ejectedNow = new Set(r.changes.filter((c) => c.kind === 'ejected').map((c) => c.instanceId));
        for (const route of d.state.lastDecision?.instances ?? []) {
          const prev = before.get(route.instanceId);
          if (prev === undefined || ejectedNow.has(route.instanceId)) continue;
          expect(Math.abs(route.weight - prev)).toBeLessThanOrEqual(maxWeightStep + 1e-12);
        }
        before = new Map((d.state.lastDecision?.instances ?? []).map((i) => [i.instanceId, i.weight]));
      }
    }
  });

  it('moves a slow instance\'s weight down step by step once the drop is confirmed, then ejects it', () => {
    const d = new Driver({ ejectAfterWindows: 4 });
    const names = ids(4);
    d.step(all(names, 0.95));
    const seen: number[] = [];
    for (let k = 0; k < 4; k += 1) {
      d.step({ ...all(names, 0.95), i00: 0.25 });
      seen.push(d.route('i00')?.weight ?? Number.NaN);
    }
    // The first bad window cuts nothing (weightCutWindows 2); then 0.25 per decision.
    expect(seen.slice(0, 3)).toEqual([1, 0.75, 0.5]);
    expect(seen[3]).toBe(0);
    expect(d.route('i00')?.ejected).toBe(true);
  });
});

describe('healthy capacity is not cut on one noisy window', () => {
  it.each([
    // [case, scores of i00 window by window (the others stay at 0.95), weight of i00 at the end]
    ['one bad window among good ones', [0.95, 0.3, 0.95, 0.95, 0.95], 1],
    ['a bad window every third window', [0.95, 0.3, 0.95, 0.95, 0.3, 0.95, 0.95, 0.3, 0.95], 1],
    ['two bad windows in a row: cut, by the better of the two', [0.95, 0.5, 0.6], 0.75],
  ] as const)('%s', (_name, series, finalWeight) => {
    const d = new Driver({ weightCutWindows: 2 });
    const names = ids(3);
    const weights: number[] = [];
    for (const score of series) {
      d.step({ ...all(names, 0.95), i00: score });
      weights.push(d.route('i00')!.weight);
    }
    expect(weights.at(-1)).toBe(finalWeight);
    if (finalWeight === 1) expect(weights.every((w) => w === 1)).toBe(true);
  });

  it('with weightCutWindows 1, cuts on the first bad window (the old behaviour, still available)', () => {
    const d = new Driver({ weightCutWindows: 1 });
    d.step(all(ids(3), 0.95));
    d.step({ ...all(ids(3), 0.95), i00: 0.3 });
    expect(d.route('i00')!.weight).toBe(0.75);
  });
});

describe('one account of an ejection everywhere', () => {
  it('keeps the windows and words that ejected an instance in every later decision, whatever its later windows score', () => {
    const d = new Driver({ minEjectionMs: 60_000 });
    const names = ids(3);
    d.step({ ...all(names, 0.95), i01: 0.346 });
    const ejecting = d.step({ ...all(names, 0.95), i01: 0.3 });
    const reason = ejecting.changes.find((c) => c.kind === 'ejected')!.reason;
    expect(reason).toBe('2 windows below 0.4 in a row (scores 0.346, 0.300); out for at least 60000 ms');
    // While ejected, the instance gets no traffic and its windows score 1 on checks alone; the
    // refresh 10 s later still quotes the ejection.
    for (let k = 0; k < 11; k += 1) d.step(all(names, 1), undefined, new Set(['i01']));
    expect(d.decisions.at(-1)!.issuedAtMs).toBeGreaterThan(ejecting.decision!.issuedAtMs);
    const later = d.decisions.at(-1)!.evidence.instances.find((e) => e.instanceId === 'i01')!;
    expect(later.score).toBe(1);
    expect(later.ejection).toEqual({ atMs: T0 + 2 * STEP, reason, windows: [{ windowEndMs: T0 + STEP, score: 0.346 }, { windowEndMs: T0 + 2 * STEP, score: 0.3 }], because: [] });
    expect(d.route('i01')!.ejected).toBe(true);
    expect(later.reason).toBe(reason);
  });
});

describe('silence is not health', () => {
  // A weight cut to a trickle leaves too little traffic to judge; those windows score 1.0 on
  // checks alone. They must not lift the weight straight back (that was a flap: 0.05 -> 0.80 in
  // three windows, then cut again), until the hold runs out and the instance is probed.
  const run = (holdMs: number) => {
    const d = new Driver({ maxEjectionPercent: 0, noSignalHoldMs: holdMs });
    const names = ['a', 'b', 'c'];
    d.step(all(names, 1));
    for (let k = 0; k < 6; k++) d.step({ a: 1, b: 1, c: 0.1 });
    const cut = d.route('c')!.weight;
    const weights: number[] = [];
    for (let k = 0; k < 40; k++) {
      d.step({ a: 1, b: 1, c: 1 }, undefined, new Set(['c']));
      weights.push(d.route('c')!.weight);
    }
    return { cut, weights };
  };

  it.each([
    { holdMs: 30_000, heldWindows: 29 },
    { holdMs: 10_000, heldWindows: 9 },
  ])('holds a cut weight for $holdMs ms of silent windows, then probes', ({ holdMs, heldWindows }) => {
    const { cut, weights } = run(holdMs);
    expect(cut).toBeLessThanOrEqual(0.15);
    expect(weights.slice(0, heldWindows).every((w) => w === cut)).toBe(true);
    expect(weights.at(-1)!).toBeGreaterThan(cut);
  });

  it('does not hold without the flag (a window with traffic that scores well lifts the weight)', () => {
    const d = new Driver({ maxEjectionPercent: 0 });
    d.step(all(['a', 'b', 'c'], 1));
    for (let k = 0; k < 6; k++) d.step({ a: 1, b: 1, c: 0.1 });
    const cut = d.route('c')!.weight;
    for (let k = 0; k < 5; k++) d.step(all(['a', 'b', 'c'], 1));
    expect(d.route('c')!.weight).toBeGreaterThan(cut);
  });
});

describe('fresher evidence: the proxies have it back in a window without traffic', () => {
  // Finding (docs/decision-quality.md, distributed recovery-slow-start): u2 was SIGKILLed and
  // restarted 6 s later. Its window of the kill scored 0 (refused connections, every proxy had it
  // out). The next window had no traffic (the proxies still held it out, then let it back in)
  // and the scorer gave it 1.0: every proxy's verdict at the window's close was HEALTHY again.
  // The silence hold turned that 1.0 into 0.000, a second bad window, and the controller ejected
  // an instance that had been serving for 4 s: a false ejection and a false INSTANCE_EJECTED.
  type W = readonly [score: number, requests: number, healthy: number, out: number];
  const dead: W = [0, 120, 0, 2]; // refused connections; every proxy has it out (outlier + active check)
  const back: W = [1, 0, 2, 0]; // no traffic yet; every proxy's verdict HEALTHY again
  const halfBack: W = [0.87, 0, 1, 1]; // no traffic; one proxy has it back, the other not yet (split)
  const trickle: W = [1, 6, 2, 0]; // a few requests in the proxies' slow start, all answered
  const good: W = [1, 150, 2, 0];
  const silentDead: W = [0, 0, 0, 2]; // no traffic, checks still failing
  const answers503: W = [0.03, 150, 2, 0]; // half its answers 503, checks pass (errors-50pct, two-of-three)
  const silentPriced: W = [1, 3, 2, 0]; // priced out by the balancers; checks pass as they always did
  const split503: W = [0.26, 13, 1, 1]; // 503s, one proxy ejected it locally (scorer-restart)
  const silentSplit: W = [0.87, 0, 1, 1];
  const noChecks: (s: number, r: number) => W = (s, r) => [s, r, 0, 0]; // no active checks configured

  it.each([
    // [case, i02's windows in order, the window (1-based) that ejects it, or null: never]
    ['restarted: the window after the kill has every proxy back in (the finding)', [good, dead, back, trickle, good, good], null],
    ['restarted: one proxy has it back first, then the other', [good, dead, halfBack, back, good, good], null],
    ['restarted: the window after the kill is itself back, then traffic scores well', [good, dead, back, good], null],
    ['killed: the window after the kill has no traffic and failing checks', [good, dead, silentDead], 3],
    ['killed: two windows with traffic', [good, dead, dead], 3],
    ['503s with passing checks, priced out: checks never saw the fault, the hold stands', [good, answers503, silentPriced], 3],
    ['503s with passing checks, two windows with traffic', [good, answers503, answers503], 3],
    ['503s, one proxy ejected it locally, still split: no proxy came back', [good, split503, silentSplit], 3],
    ['flapping: back in a silent window, then dead again: that window is not counted, nor does it reset the run', [good, dead, back, dead], 4],
    ['flapping: back, then dead again without traffic', [good, dead, back, silentDead], 4],
    ['back, then a bad window with traffic', [good, dead, back, answers503], 4],
    ['back, then a good window with traffic: the run is over', [good, dead, back, good, dead], null],
    ['no active checks: no verdicts to be fresher, the hold stands', [good, noChecks(0, 120), noChecks(1, 0)], 3],
  ] as const)('%s', (_name, windows, ejectsAt) => {
    const d = new Driver();
    const names = ids(4);
    let ejectedAt: number | null = null;
    const weights: number[] = [];
    for (const [k, [score, requests, healthy, out]] of windows.entries()) {
      const r = d.step({ ...all(names, 1), i02: score }, undefined, new Set(), { i02: { requests, checks: { healthy, unhealthy: out, degraded: 0 } } });
      if (ejectedAt === null && r.changes.some((c) => c.kind === 'ejected' && c.instanceId === 'i02')) ejectedAt = k + 1;
      weights.push(d.route('i02')!.weight);
    }
    expect(ejectedAt).toBe(ejectsAt);
    // Not ejected: not cut below 0.9 either (the scorecard's false cut). A split verdict (0.87)
    // after the dead window costs it 3 % for a window or two, like any instance split two windows running.
    if (ejectsAt === null) expect(weights.filter((w) => w < 0.9)).toEqual([]);
  });

  it('says so: the window is named in the evidence, and an ejection after it says it was not counted', () => {
    const d = new Driver({ minEjectionMs: 60_000 });
    const names = ids(4);
    const step = (w: W) => d.step({ ...all(names, 1), i02: w[0] }, undefined, new Set(), { i02: { requests: w[1], checks: { healthy: w[2], unhealthy: w[3], degraded: 0 } } });
    step(good);
    step(dead);
    const passed = step(back);
    expect(passed.changes.filter((c) => c.instanceId === 'i02')).toEqual([]);
    expect(d.state.instances.get('i02')).toMatchObject({ windowsBelowEject: 1, ejected: false });
    const ejecting = step(dead);
    expect(ejecting.changes.find((c) => c.kind === 'ejected')?.reason).toBe(
      '2 windows below 0.4 in a row (scores 0.000, 0.000), not counting 1 window without traffic in which more proxies had it back in; out for at least 60000 ms',
    );
    expect(ejecting.decision!.evidence.instances.find((e) => e.instanceId === 'i02')!.ejection!.windows).toEqual([
      { windowEndMs: T0 + 2 * STEP, score: 0 },
      { windowEndMs: T0 + 4 * STEP, score: 0 },
    ]);
    // The same data with the run not interrupted reads as before.
    const plain = new Driver({ minEjectionMs: 60_000 });
    for (const w of [good, dead, silentDead]) plain.step({ ...all(names, 1), i02: w[0] }, undefined, new Set(), { i02: { requests: w[1], checks: { healthy: w[2], unhealthy: w[3], degraded: 0 } } });
    expect(plain.results.at(-1)!.changes.find((c) => c.kind === 'ejected')?.reason).toBe('2 windows below 0.4 in a row (scores 0.000, 0.000); out for at least 60000 ms');
    // The decision of the passed-over window says why it did not count.
    const d2 = new Driver({ refreshAfterMs: 1_000, decisionTtlMs: 5_000 });
    for (const w of [good, dead]) d2.step({ ...all(names, 1), i02: w[0] }, undefined, new Set(), { i02: { requests: w[1], checks: { healthy: w[2], unhealthy: w[3], degraded: 0 } } });
    const r = d2.step({ ...all(names, 1), i02: back[0] }, undefined, new Set(), { i02: { requests: back[1], checks: { healthy: 2, unhealthy: 0, degraded: 0 } } });
    expect(r.decision?.evidence.reasons).toContain(
      `i02: window ending ${T0 + 3 * STEP} not counted towards ejection: no traffic signal (0 requests), and more proxies have it back in (2 healthy, 0 out; were 0 healthy, 2 out)`,
    );
  });
});

describe('versions, expiry and evidence', () => {
  it('versions strictly increase, also when the clock stalls or steps back', () => {
    const d = new Driver();
    const names = ids(3);
    const times = [0, 0, 0, -5_000, 1, 60_000];
    let last = 0;
    for (const [k, t] of times.entries()) {
      d.now = T0 + t - STEP;
      const r = d.step({ ...all(names, 0.95), i00: k % 2 === 0 ? 0.1 : 0.95 });
      const v = r.decision?.version ?? d.state.version;
      expect(v).toBeGreaterThanOrEqual(last);
      if (r.decision !== null) {
        expect(r.decision.version).toBeGreaterThan(last);
        expect(r.decision.previousVersion).toBe(last);
      }
      last = v;
    }
    // A controller taking over with no state still issues a version above the old ones.
    const fresh = decide(createServiceState('svc'), { scores: [] , instances: names }, d.now + 1);
    expect(fresh.decision?.version).toBeGreaterThan(last);
  });

  it('publishes nothing while nothing changes, then refreshes before expiry', () => {
    const d = new Driver({ refreshAfterMs: 5_000, decisionTtlMs: 15_000 });
    const names = ids(3);
    const first = d.step(all(names, 0.95));
    expect(first.decision?.expiresAtMs).toBe(d.now + 15_000);
    const published: Array<string | null> = [];
    for (let k = 0; k < 10; k += 1) published.push(d.step(all(names, 0.95)).decision === null ? null : 'refresh');
    expect(published).toEqual([null, null, null, null, 'refresh', null, null, null, null, 'refresh']);
    expect(d.results.at(-1)?.changes.map((c) => c.kind)).toEqual(['refresh']);
  });

  it('applies a replayed window once', () => {
    const names = ids(3);
    const score = (w: number): InstanceScoreInput[] => names.map((n) => ({ instanceId: n, score: n === 'i00' ? 0.1 : 0.95, windowStartMs: w - STEP, windowEndMs: w }));
    let s = createServiceState('svc', decisionPolicy({ ejectAfterWindows: 2 }));
    for (let k = 0; k < 5; k += 1) s = decide(s, { scores: score(T0) }, T0 + k).state; // the same window five times
    expect(s.instances.get('i00')).toMatchObject({ windowsBelowEject: 1, ejected: false });
    s = decide(s, { scores: score(T0 + STEP) }, T0 + STEP).state;
    expect(s.instances.get('i00')?.ejected).toBe(true);
  });

  it('records the evidence behind an ejection: score, components, windows, source offsets', () => {
    const d = new Driver();
    const names = ids(3);
    d.step({ ...all(names, 0.95), i01: 0.1 });
    const r = d.step({ ...all(names, 0.95), i01: 0.1 });
    const ejected = r.changes.find((c) => c.kind === 'ejected');
    expect(ejected).toMatchObject({ instanceId: 'i01', before: expect.any(Number), after: 0 });
    expect(ejected?.reason).toContain('2 windows below 0.4');
    const ev = r.decision?.evidence.instances.find((e) => e.instanceId === 'i01');
    expect(ev).toMatchObject({
      score: 0.1,
      windowStartMs: d.now - STEP,
      windowEndMs: d.now,
      components: { success: { value: 0.1 } },
      sources: [{ topic: 'health-scores', partition: 0, offset: '2' }],
      windowsBelowEject: 2,
    });
  });

  it('rejects an inconsistent policy', () => {
    expect(() => decisionPolicy({ ejectBelow: 0.8, returnAbove: 0.7 })).toThrowError(expect.objectContaining({ code: 'SLB_POLICY_INVALID' }));
    expect(() => decisionPolicy({ panicBelowHealthyFraction: 0.7, panicReleaseHealthyFraction: 0.5 })).toThrow(/panicReleaseHealthyFraction/);
  });
});
