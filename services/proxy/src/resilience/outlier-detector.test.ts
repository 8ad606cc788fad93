import { describe, expect, it } from 'vitest';
import { isSlbError } from '@slb/core/errors';
import { OutlierDetector, type OutlierDetectionConfig, type OutlierEvent, type RequestOutcome } from './outlier-detector.js';

const OK: RequestOutcome = { status: 200 };
const E500: RequestOutcome = { status: 500 };
const E503: RequestOutcome = { status: 503 };
const REFUSED: RequestOutcome = { localFailure: 'connect' };

const alwaysEnforce = { random: () => 0 };
const hosts = (n: number) => Array.from({ length: n }, (_, i) => `h${i}`);

function detector(config: Partial<OutlierDetectionConfig> = {}, n = 10): OutlierDetector {
  const d = new OutlierDetector({ intervalMs: 10_000, ...config }, alwaysEnforce);
  d.setHosts(hosts(n));
  return d;
}

function feed(d: OutlierDetector, id: string, outcomes: RequestOutcome[], t = 0): OutlierEvent[] {
  return outcomes.flatMap((o) => d.record(id, o, t));
}
const ejections = (events: OutlierEvent[]) => events.filter((e) => e.type === 'eject');

describe('consecutive failures eject inline', () => {
  const cases: { name: string; outcomes: RequestOutcome[]; reason?: string }[] = [
    { name: 'five 500s', outcomes: [E500, E500, E500, E500, E500], reason: 'consecutive-5xx' },
    { name: 'four 500s', outcomes: [E500, E500, E500, E500] },
    { name: 'a success resets the count', outcomes: [E500, E500, E500, E500, OK, E500, E500, E500, E500] },
    { name: 'five 503s are gateway failures', outcomes: [E503, E503, E503, E503, E503], reason: 'consecutive-gateway-failure' },
    { name: 'refused connections are gateway failures', outcomes: [REFUSED, REFUSED, REFUSED, REFUSED, REFUSED], reason: 'consecutive-gateway-failure' },
    {
      name: 'timeouts and resets count as gateway failures',
      outcomes: [{ localFailure: 'timeout' }, { localFailure: 'reset' }, E503, { status: 502 }, { status: 504 }],
      reason: 'consecutive-gateway-failure',
    },
    { name: '500s break a gateway streak but count as 5xx', outcomes: [E503, E503, E500, E503, E503], reason: 'consecutive-5xx' },
    { name: '4xx are not failures', outcomes: [{ status: 404 }, { status: 429 }, E500, E500, E500, E500] },
  ];
  it.each(cases)('$name', ({ outcomes, reason }) => {
    const d = detector();
    const ej = ejections(feed(d, 'h0', outcomes));
    if (reason === undefined) {
      expect(ej).toEqual([]);
      expect(d.isEjected('h0')).toBe(false);
    } else {
      expect(ej).toHaveLength(1);
      expect(ej[0]).toMatchObject({ id: 'h0', reason, ejectionCount: 1, untilMs: 30_000 });
      expect(d.isEjected('h0')).toBe(true);
    }
  });

  it('a detector set to 0 is off', () => {
    const d = detector({ consecutive5xx: 0, consecutiveGatewayFailure: 0 });
    expect(ejections(feed(d, 'h0', Array(20).fill(E503)))).toEqual([]);
  });
});

describe("a client's fault never counts against an instance", () => {
  const C499: RequestOutcome = { status: 499 };
  const T429: RequestOutcome = { status: 429 };
  const cases: { name: string; outcomes: RequestOutcome[]; ejected: boolean; requests: number; failures: number }[] = [
    { name: '4xx of every kind are successes', outcomes: [400, 401, 403, 404, 408, 413, 431].flatMap((status) => Array(20).fill({ status })), ejected: false, requests: 140, failures: 0 },
    { name: 'client aborts (499) are not counted at all', outcomes: Array(100).fill(C499), ejected: false, requests: 0, failures: 0 },
    // An instance that is full (429) is held back by the data path, not judged here.
    { name: 'throttled answers (429) are not counted at all', outcomes: Array(100).fill(T429), ejected: false, requests: 0, failures: 0 },
    { name: 'a 429 neither breaks nor extends a 5xx streak', outcomes: [E503, E503, T429, E503, T429, E503, E503], ejected: true, requests: 5, failures: 5 },
    { name: 'a 499 neither breaks nor extends a gateway streak', outcomes: [E503, E503, C499, E503, C499, E503, E503], ejected: true, requests: 5, failures: 5 },
    { name: 'a 4xx breaks a streak like any answer', outcomes: [E503, E503, E503, E503, { status: 400 }, E503, E503, E503, E503], ejected: false, requests: 9, failures: 8 },
  ];
  it.each(cases)('$name', ({ outcomes, ejected, requests, failures }) => {
    const d = detector();
    const ej = ejections(feed(d, 'h0', outcomes));
    expect(ej.length > 0).toBe(ejected);
    expect(d.snapshot().find((h) => h.id === 'h0')).toMatchObject({ intervalRequests: requests, intervalFailures: failures });
  });

  it('an instance answering only 4xx is no outlier for success rate or failure percentage', () => {
    const d = detector({ successRateMinimumHosts: 3, successRateRequestVolume: 10, failurePercentageMinimumHosts: 3, failurePercentageRequestVolume: 10, intervalMs: 1_000 }, 5);
    for (const id of hosts(5)) feed(d, id, Array(50).fill(id === 'h0' ? { status: 404 } : OK));
    feed(d, 'h0', Array(50).fill({ status: 499 }));
    expect(ejections(d.tick(1_000))).toEqual([]);
  });
});

describe('ejection time and return', () => {
  it('returns the instance when its time is up, and ejects it longer each time (capped)', () => {
    const d = detector({ baseEjectionTimeMs: 30_000, maxEjectionTimeMs: 70_000, intervalMs: 1_000_000 });
    const durations: number[] = [];
    let t = 0;
    for (let round = 0; round < 4; round++) {
      const [ej] = ejections(feed(d, 'h0', Array(5).fill(E503), t));
      if (ej?.type !== 'eject') throw new Error('expected an ejection');
      durations.push(ej.untilMs - t);
      expect(d.tick(ej.untilMs - 1)).toEqual([]);
      expect(d.tick(ej.untilMs)).toEqual([{ type: 'uneject', id: 'h0', atMs: ej.untilMs, cause: 'time' }]);
      expect(d.isEjected('h0')).toBe(false);
      t = ej.untilMs + 1;
    }
    expect(durations).toEqual([30_000, 60_000, 70_000, 70_000]);
  });

  it('each interval spent in service lowers the multiplier by one', () => {
    const d = detector({ baseEjectionTimeMs: 1_000, intervalMs: 10_000 });
    d.tick(0);
    feed(d, 'h0', Array(5).fill(E503), 0); // 1st: 1 s
    d.tick(1_000);
    feed(d, 'h0', Array(5).fill(E503), 2_000); // 2nd: 2 s
    d.tick(4_000);
    expect(d.snapshot().find((h) => h.id === 'h0')?.ejectionCount).toBe(2);
    d.tick(10_000); // interval with ejections in it: no credit
    expect(d.snapshot().find((h) => h.id === 'h0')?.ejectionCount).toBe(2);
    d.tick(20_000);
    d.tick(30_000);
    expect(d.snapshot().find((h) => h.id === 'h0')?.ejectionCount).toBe(0);
    const [ej] = ejections(feed(d, 'h0', Array(5).fill(E503), 31_000));
    expect(ej).toMatchObject({ ejectionCount: 1, untilMs: 32_000 });
  });
});

describe('max ejection percentage', () => {
  it.each([
    { n: 10, percent: 10, ejected: 1 },
    { n: 10, percent: 30, ejected: 3 },
    { n: 3, percent: 10, ejected: 1 },
    { n: 4, percent: 50, ejected: 2 },
    { n: 4, percent: 100, ejected: 4 },
  ])('$n hosts, max $percent% -> at most $ejected ejected', ({ n, percent, ejected }) => {
    const d = detector({ maxEjectionPercent: percent }, n);
    const events = hosts(n).flatMap((id) => feed(d, id, Array(5).fill(E503)));
    expect(ejections(events)).toHaveLength(ejected);
    expect(hosts(n).filter((id) => d.isEjected(id))).toHaveLength(ejected);
    const skipped = events.filter((e) => e.type === 'skipped');
    expect(skipped.length > 0).toBe(ejected < n);
    for (const s of skipped) expect(s).toMatchObject({ cause: 'max-ejection-percent' });
  });

  it('frees a slot when an ejected instance returns', () => {
    const d = detector({ maxEjectionPercent: 10, baseEjectionTimeMs: 1_000, intervalMs: 1_000_000 }, 10);
    feed(d, 'h0', Array(5).fill(E503), 0);
    expect(ejections(feed(d, 'h1', Array(5).fill(E503), 0))).toEqual([]);
    d.tick(1_000);
    expect(ejections(feed(d, 'h1', [E503], 1_000))).toHaveLength(1);
  });
});

describe('enforcement percentage', () => {
  it('0 % enforcing detects but never ejects', () => {
    const d = new OutlierDetector({ enforcingConsecutiveGatewayFailure: 0, enforcingConsecutive5xx: 0 }, { random: () => 0 });
    d.setHosts(hosts(3));
    const events = feed(d, 'h0', Array(5).fill(E503));
    expect(ejections(events)).toEqual([]);
    expect(events[0]).toMatchObject({ type: 'skipped', cause: 'not-enforced' });
  });
});

describe('interval sweeps', () => {
  /** Feeds `requests` outcomes to each host, `failures[id]` of them failing. */
  function traffic(d: OutlierDetector, requests: number, failures: Record<string, number>, t: number): void {
    for (const id of Object.keys(failures)) {
      for (let i = 0; i < requests; i++) {
        // Spread failures so no streak reaches the consecutive thresholds.
        d.record(id, i % 2 === 1 && i < 2 * failures[id]! ? E500 : OK, t);
      }
    }
  }
  const quiet = { consecutive5xx: 0, consecutiveGatewayFailure: 0, maxEjectionPercent: 100 };

  it('ejects an instance whose success rate is below mean − 1.9 × stdev', () => {
    const d = detector({ ...quiet, enforcingFailurePercentage: 0 }, 6);
    d.tick(0);
    traffic(d, 100, { h0: 0, h1: 1, h2: 0, h3: 2, h4: 1, h5: 40 }, 1);
    const events = d.tick(10_000);
    expect(ejections(events).map((e) => e.id)).toEqual(['h5']);
    expect(events[0]).toMatchObject({ reason: 'success-rate', evidence: { successRate: 60, requests: 100 } });
  });

  it('needs the minimum request volume and minimum number of hosts', () => {
    const low = detector({ ...quiet }, 6);
    low.tick(0);
    traffic(low, 99, { h0: 0, h1: 0, h2: 0, h3: 0, h4: 0, h5: 60 }, 1); // below 100 requests each
    expect(ejections(low.tick(10_000)).filter((e) => e.reason === 'success-rate')).toEqual([]);

    const few = detector({ ...quiet, failurePercentageMinimumHosts: 5 }, 4);
    few.tick(0);
    traffic(few, 200, { h0: 0, h1: 0, h2: 0, h3: 100 }, 1); // only 4 hosts qualify
    expect(ejections(few.tick(10_000))).toEqual([]);
  });

  it('ejects an instance failing at or above the failure percentage threshold', () => {
    const d = detector({ ...quiet, enforcingSuccessRate: 0 }, 5);
    d.tick(0);
    // 100 % failure would be a streak; use 86 of 100 failing but interleaved.
    for (const id of ['h0', 'h1', 'h2', 'h3']) for (let i = 0; i < 60; i++) d.record(id, OK, 1);
    for (let i = 0; i < 100; i++) d.record('h4', i % 7 === 0 ? OK : E500, 1);
    const events = d.tick(10_000);
    expect(ejections(events)).toEqual([
      expect.objectContaining({ id: 'h4', reason: 'failure-percentage', evidence: expect.objectContaining({ threshold: 85 }) }),
    ]);
  });

  it('counts start afresh each interval', () => {
    const d = detector({ ...quiet, enforcingFailurePercentage: 0 }, 6);
    d.tick(0);
    traffic(d, 60, { h0: 0, h1: 0, h2: 0, h3: 0, h4: 0, h5: 30 }, 1);
    d.tick(10_000);
    traffic(d, 60, { h0: 0, h1: 0, h2: 0, h3: 0, h4: 0, h5: 30 }, 10_001);
    expect(ejections(d.tick(20_000))).toEqual([]); // 60 + 60 would have qualified together
  });
});

describe('configuration', () => {
  it('rejects invalid values all at once', () => {
    let error: unknown;
    try {
      new OutlierDetector({ intervalMs: 0, maxEjectionPercent: 120, consecutive5xx: 1.5 }, alwaysEnforce);
    } catch (e) {
      error = e;
    }
    expect(isSlbError(error, 'SLB_CONFIG_INVALID')).toBe(true);
    expect((error as { details: { problems: string[] } }).details.problems).toHaveLength(3);
  });

  it('forgets removed hosts and starts new ones clean', () => {
    const d = detector({}, 3);
    feed(d, 'h0', Array(5).fill(E503));
    d.setHosts(['h1', 'h2', 'h3']);
    expect(d.snapshot().map((h) => h.id)).toEqual(['h1', 'h2', 'h3']);
    expect(d.record('h0', E503, 0)).toEqual([]);
  });
});

describe('a stalled instance is ejected like any outlier', () => {
  const evidence = { silentMs: 600, unanswered: 3, thresholdMs: 500 };

  it('ejects with reason stalled, the base ejection time and its evidence; the snapshot says why', () => {
    const d = detector();
    expect(d.ejectStalled('h0', evidence, 1_000)).toEqual([{ type: 'eject', id: 'h0', reason: 'stalled', atMs: 1_000, untilMs: 31_000, ejectionCount: 1, evidence }]);
    expect(d.snapshot()[0]).toMatchObject({ id: 'h0', ejected: true, ejectionReason: 'stalled', ejectionEvidence: evidence });
    expect(d.ejectStalled('h0', evidence, 1_100)).toEqual([]); // already out
    expect(d.tick(31_000)).toEqual([{ type: 'uneject', id: 'h0', atMs: 31_000, cause: 'time' }]);
    expect(d.snapshot()[0]).toMatchObject({ ejected: false, ejectionReason: undefined });
  });

  it('backs off like the others: the second ejection is twice as long', () => {
    const d = detector();
    ejections(feed(d, 'h0', Array(5).fill(E503), 0));
    d.tick(30_000);
    expect(d.ejectStalled('h0', evidence, 30_500)).toMatchObject([{ reason: 'stalled', ejectionCount: 2, untilMs: 90_500 }]);
  });

  it('respects the max-ejection cap and the enforcement percentage', () => {
    const capped = detector({ maxEjectionPercent: 10 });
    capped.ejectStalled('h0', evidence, 0);
    expect(capped.ejectStalled('h1', evidence, 0)).toMatchObject([{ type: 'skipped', id: 'h1', reason: 'stalled', cause: 'max-ejection-percent' }]);
    const off = new OutlierDetector({ stall: { enforcingStalled: 0 } }, alwaysEnforce);
    off.setHosts(['h0']);
    expect(off.ejectStalled('h0', evidence, 0)).toMatchObject([{ type: 'skipped', cause: 'not-enforced' }]);
  });
});

describe('an active check that passes again ends an outlier ejection', () => {
  const ejected = () => {
    const d = detector();
    feed(d, 'h0', Array(5).fill(REFUSED), 0);
    expect(d.isEjected('h0')).toBe(true);
    return d;
  };
  const cases: Array<{ name: string; results: Array<[passed: boolean, healthy: boolean]>; returns: boolean }> = [
    { name: 'failed, then passed and healthy (the checker came round)', results: [[false, true], [false, false], [true, false], [true, true]], returns: true },
    { name: 'failed once (still healthy for the checker), then passed', results: [[false, true], [true, true]], returns: true },
    { name: 'failed, passed once, not healthy yet', results: [[false, false], [true, false]], returns: false },
    { name: 'never failed: a passing check says nothing against the ejection', results: [[true, true], [true, true], [true, true]], returns: false },
    { name: 'failing', results: [[false, false], [false, false]], returns: false },
  ];
  it.each(cases)('$name', ({ results, returns }) => {
    const d = ejected();
    const events = results.flatMap(([passed, healthy], i) => d.activeCheckResult('h0', passed, healthy, 1_000 + i * 200));
    expect(d.isEjected('h0')).toBe(!returns);
    expect(events).toEqual(returns ? [{ type: 'uneject', id: 'h0', atMs: 1_000 + (results.length - 1) * 200, cause: 'active-check' }] : []);
  });

  it('an instance that is not ejected is left alone, and the back-off is kept', () => {
    const d = ejected();
    expect(d.activeCheckResult('h1', false, false, 0)).toEqual([]);
    d.activeCheckResult('h0', false, false, 1_000);
    d.activeCheckResult('h0', true, true, 2_000);
    expect(d.tick(30_000)).toEqual([]); // its timed return was cancelled with it
    feed(d, 'h0', Array(5).fill(REFUSED), 3_000);
    expect(d.snapshot()[0]).toMatchObject({ ejected: true, ejectionCount: 2, ejectedUntilMs: 63_000 });
  });

  it('a failure before this ejection does not count for it', () => {
    const d = ejected();
    d.activeCheckResult('h0', false, false, 1_000);
    d.activeCheckResult('h0', true, true, 2_000); // back
    feed(d, 'h0', Array(5).fill(REFUSED), 3_000); // out again
    expect(d.activeCheckResult('h0', true, true, 4_000)).toEqual([]);
    expect(d.isEjected('h0')).toBe(true);
  });
});
