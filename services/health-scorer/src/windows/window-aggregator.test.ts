import { DDSketch } from '@datadog/sketches-js';
import { describe, expect, it } from 'vitest';
import { LatencySketch, SKETCH_RELATIVE_ACCURACY } from './latency-sketch.js';
import { WindowAggregator } from './window-aggregator.js';
import type { ProxyWindowReport, ServiceWindow } from './types.js';

const SIZE = 5_000;
const LATENESS = 2_000;
const T0 = 1_700_000_000_000; // a window boundary (divisible by 5000)

function sketchOf(values: readonly number[]): Uint8Array {
  const s = new LatencySketch();
  for (const v of values) s.accept(v);
  return s.toBytes();
}

function report(over: Partial<ProxyWindowReport> & { proxyId: string; instanceId: string }): ProxyWindowReport {
  return {
    serviceId: 'svc',
    windowStartMs: T0,
    windowEndMs: T0 + 1_000,
    requests: 0,
    errors: { status5xx: 0, connectFailures: 0, timeouts: 0, resets: 0 },
    inFlight: 0,
    latencySketch: null,
    ...over,
  };
}

/** Exact quantile with the same rank rule DDSketch uses (rank = q * (n - 1)). */
function exactQuantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))] as number;
}

function closeAll(agg: WindowAggregator, nowMs: number): ServiceWindow[] {
  return agg.advance(nowMs);
}

describe('window merge across proxies', () => {
  it('adds counts and in-flight, and takes quantiles from the merged sketch within the accuracy', () => {
    const agg = new WindowAggregator({ sizeMs: SIZE, allowedLatenessMs: LATENESS });
    // Three proxies see the same instance with different latency distributions.
    const a = Array.from({ length: 500 }, (_, i) => 10 + (i % 50));
    const b = Array.from({ length: 300 }, (_, i) => 100 + (i % 200));
    const c = Array.from({ length: 200 }, (_, i) => 1 + (i % 5));
    const reports = [
      report({ proxyId: 'p1', instanceId: 'i1', requests: 500, errors: { status5xx: 3, connectFailures: 1, timeouts: 0, resets: 0 }, inFlight: 4, latencySketch: sketchOf(a) }),
      report({ proxyId: 'p2', instanceId: 'i1', requests: 300, errors: { status5xx: 0, connectFailures: 0, timeouts: 2, resets: 1 }, inFlight: 7, latencySketch: sketchOf(b) }),
      report({ proxyId: 'p3', instanceId: 'i1', requests: 200, errors: { status5xx: 1, connectFailures: 0, timeouts: 0, resets: 0 }, inFlight: 1, latencySketch: sketchOf(c) }),
    ];
    for (const r of reports) expect(agg.addReport(r, T0 + 1_000)).toBe('accepted');

    const out = closeAll(agg, T0 + 1_000);
    expect(out).toEqual([]); // the watermark has not passed the window end yet
    agg.addReport(report({ proxyId: 'p1', instanceId: 'i1', windowStartMs: T0 + SIZE + LATENESS, windowEndMs: T0 + SIZE + LATENESS + 1_000 }), T0 + 8_000);
    const [svc] = agg.advance(T0 + 8_000);

    expect(svc?.windowStartMs).toBe(T0);
    const inst = svc?.instances[0];
    expect(inst?.proxies).toEqual(['p1', 'p2', 'p3']);
    expect(inst?.requests).toBe(1_000);
    expect(inst?.errors).toEqual({ status5xx: 4, connectFailures: 1, timeouts: 2, resets: 1 });
    expect(inst?.errorTotal).toBe(8);
    expect(inst?.errorRate).toBeCloseTo(0.008, 10);
    expect(inst?.rps).toBe(200); // 1000 requests / 5 s
    expect(inst?.inFlight).toBe(12);

    const all = [...a, ...b, ...c];
    for (const [q, key] of [[0.5, 'p50'], [0.95, 'p95'], [0.99, 'p99']] as const) {
      const exact = exactQuantile(all, q);
      const got = inst?.latencyMs?.[key] ?? Number.NaN;
      expect(Math.abs(got - exact) / exact).toBeLessThanOrEqual(SKETCH_RELATIVE_ACCURACY + 1e-9);
    }
  });

  it('keeps each proxy\'s own view too: its counts and the p95 of its samples alone', () => {
    // Per-proxy views let scoring compare instances as the same proxy measured them
    // (docs/scoring.md): a CPU-starved proxy measures every upstream slow.
    const agg = new WindowAggregator({ sizeMs: SIZE, allowedLatenessMs: LATENESS });
    const fast = Array.from({ length: 400 }, (_, i) => 5 + (i % 10));
    const slow = Array.from({ length: 100 }, (_, i) => 150 + (i % 20));
    agg.addReport(report({ proxyId: 'p1', instanceId: 'i1', requests: 300, latencySketch: sketchOf(fast.slice(0, 300)) }), T0);
    agg.addReport(report({ proxyId: 'p1', instanceId: 'i1', windowStartMs: T0 + 1_000, windowEndMs: T0 + 2_000, requests: 100, latencySketch: sketchOf(fast.slice(300)) }), T0);
    agg.addReport(report({ proxyId: 'p2', instanceId: 'i1', requests: 104, errors: { status5xx: 1, connectFailures: 2, timeouts: 1, resets: 0 }, latencySketch: sketchOf(slow) }), T0);
    agg.addReport(report({ proxyId: 'p3', instanceId: 'i1', requests: 3, errors: { status5xx: 0, connectFailures: 3, timeouts: 0, resets: 0 } }), T0);
    const [svc] = agg.advance(T0 + 60_000);
    const inst = svc?.instances[0];
    expect(inst?.byProxy.map((v) => [v.proxyId, v.requests, v.errorTotal, v.localFailures])).toEqual([
      ['p1', 400, 0, 0],
      ['p2', 104, 4, 3],
      ['p3', 3, 3, 3],
    ]);
    const near = (got: number | null | undefined, exact: number) => expect(Math.abs((got ?? Number.NaN) - exact) / exact).toBeLessThanOrEqual(SKETCH_RELATIVE_ACCURACY + 1e-9);
    near(inst?.byProxy[0]?.p95Ms, exactQuantile(fast, 0.95));
    near(inst?.byProxy[1]?.p95Ms, exactQuantile(slow, 0.95));
    expect(inst?.byProxy[2]?.p95Ms).toBeNull(); // nothing answered
    near(inst?.latencyMs?.p95, exactQuantile([...fast, ...slow], 0.95)); // the merged figure is unchanged
  });

  it('keeps instances apart and sums them into service totals', () => {
    const agg = new WindowAggregator({ sizeMs: SIZE, allowedLatenessMs: LATENESS });
    agg.addReport(report({ proxyId: 'p1', instanceId: 'i1', requests: 100, inFlight: 2, latencySketch: sketchOf([5, 6, 7]) }), T0);
    agg.addReport(report({ proxyId: 'p1', instanceId: 'i2', requests: 50, errors: { status5xx: 5, connectFailures: 0, timeouts: 0, resets: 0 }, inFlight: 3, latencySketch: sketchOf(Array.from({ length: 100 }, () => 50)) }), T0);
    agg.addReport(report({ proxyId: 'p2', instanceId: 'i2', requests: 50, inFlight: 1 }), T0);
    const [svc] = agg.advance(T0 + SIZE + LATENESS + 10_000 + 1); // idle long enough: the clock closes it
    expect(svc?.instances.map((i) => [i.instanceId, i.requests, i.inFlight])).toEqual([
      ['i1', 100, 2],
      ['i2', 100, 4],
    ]);
    expect(svc?.requests).toBe(200);
    expect(svc?.errorTotal).toBe(5);
    expect(svc?.errorRate).toBeCloseTo(0.025, 10);
    expect(svc?.latencyMs?.p99).toBeGreaterThan(49); // i2's slow samples dominate the merged tail
    expect(svc?.latencyMs?.p50).toBeGreaterThan(49);
  });

  it('takes each proxy\'s newest in-flight reading when it reports several sub-windows', () => {
    const agg = new WindowAggregator({ sizeMs: SIZE, allowedLatenessMs: LATENESS });
    agg.addReport(report({ proxyId: 'p1', instanceId: 'i1', windowStartMs: T0 + 1_000, windowEndMs: T0 + 2_000, requests: 10, inFlight: 9 }), T0);
    agg.addReport(report({ proxyId: 'p1', instanceId: 'i1', windowStartMs: T0, windowEndMs: T0 + 1_000, requests: 10, inFlight: 1 }), T0);
    const [svc] = agg.advance(T0 + 60_000);
    expect(svc?.instances[0]?.requests).toBe(20);
    expect(svc?.instances[0]?.inFlight).toBe(9);
  });
});

describe('late, duplicate and invalid input', () => {
  it('counts data for an already-closed window as late instead of merging or dropping it silently', () => {
    const agg = new WindowAggregator({ sizeMs: SIZE, allowedLatenessMs: LATENESS });
    agg.addReport(report({ proxyId: 'p1', instanceId: 'i1', requests: 10 }), T0);
    // p1 moves on; the watermark passes T0+SIZE once event time reaches T0+SIZE+LATENESS.
    agg.addReport(report({ proxyId: 'p1', instanceId: 'i1', windowStartMs: T0 + SIZE + LATENESS - 1_000, windowEndMs: T0 + SIZE + LATENESS, requests: 1 }), T0 + 8_000);
    const closed = agg.advance(T0 + 8_000);
    expect(closed.map((w) => w.windowStartMs)).toEqual([T0]);
    expect(closed[0]?.instances[0]?.requests).toBe(10);

    // p2 was slow: its report for the first window arrives after it closed.
    expect(agg.addReport(report({ proxyId: 'p2', instanceId: 'i1', requests: 7 }), T0 + 8_500)).toBe('late');
    expect(agg.stats()).toMatchObject({ late: 1, lateRequests: 7 });

    // The next window of that service carries the late count.
    agg.addReport(report({ proxyId: 'p1', instanceId: 'i1', windowStartMs: T0 + 2 * SIZE + LATENESS, windowEndMs: T0 + 2 * SIZE + LATENESS + 1_000, requests: 1 }), T0 + 13_000);
    const next = agg.advance(T0 + 13_000);
    expect(next[0]?.windowStartMs).toBe(T0 + SIZE);
    expect(next[0]).toMatchObject({ lateReports: 1, lateRequests: 7 });
  });

  it('accepts data within the allowed lateness', () => {
    const agg = new WindowAggregator({ sizeMs: SIZE, allowedLatenessMs: LATENESS });
    agg.addReport(report({ proxyId: 'p1', instanceId: 'i1', requests: 10 }), T0);
    // Event time reaches T0+SIZE+1500: within the lateness, the first window stays open.
    agg.addReport(report({ proxyId: 'p1', instanceId: 'i1', windowStartMs: T0 + SIZE + 500, windowEndMs: T0 + SIZE + 1_500, requests: 1 }), T0 + 6_500);
    expect(agg.advance(T0 + 6_500)).toEqual([]);
    expect(agg.addReport(report({ proxyId: 'p2', instanceId: 'i1', requests: 5 }), T0 + 6_600)).toBe('accepted');
    const [w] = agg.advance(T0 + 60_000);
    expect(w?.instances[0]?.requests).toBe(15);
  });

  it('merges a redelivered report once', () => {
    const agg = new WindowAggregator({ sizeMs: SIZE, allowedLatenessMs: LATENESS });
    const r = report({ proxyId: 'p1', instanceId: 'i1', requests: 10, latencySketch: sketchOf([1, 2, 3]) });
    expect(agg.addReport(r, T0)).toBe('accepted');
    expect(agg.addReport(r, T0)).toBe('duplicate');
    const [w] = agg.advance(T0 + 60_000);
    expect(w?.instances[0]?.requests).toBe(10);
    expect(agg.stats().duplicates).toBe(1);
  });

  it.each([
    ['an undecodable sketch', { latencySketch: new Uint8Array([0xff, 0xff, 0xff]) }],
    ['a sketch of another accuracy', { latencySketch: otherAccuracySketch() }],
    ['negative counts', { requests: -1 }],
    ['more errors than requests', { requests: 1, errors: { status5xx: 2, connectFailures: 0, timeouts: 0, resets: 0 } }],
    ['an empty window', { windowEndMs: T0 }],
  ] as const)('rejects %s as invalid, counted, leaving the window untouched', (_name, over) => {
    const agg = new WindowAggregator({ sizeMs: SIZE, allowedLatenessMs: LATENESS });
    agg.addReport(report({ proxyId: 'p1', instanceId: 'i1', requests: 3 }), T0);
    expect(agg.addReport(report({ proxyId: 'p2', instanceId: 'i1', requests: 5, ...over }), T0)).toBe('invalid');
    expect(agg.lastInvalidReason).toEqual(expect.any(String));
    expect(agg.stats().invalid).toBe(1);
    const [w] = agg.advance(T0 + 60_000);
    expect(w?.instances[0]?.requests).toBe(3);
  });
});

/** Built directly with DDSketch: LatencySketch always uses the contract accuracy. */
function otherAccuracySketch(): Uint8Array {
  const s = new DDSketch({ relativeAccuracy: 0.05 });
  s.accept(10);
  return s.toProto();
}

describe('watermark and verdicts', () => {
  it('closes windows in order and never twice, and scores a known instance with no traffic', () => {
    const agg = new WindowAggregator({ sizeMs: SIZE, allowedLatenessMs: LATENESS });
    agg.addReport(report({ proxyId: 'p1', instanceId: 'busy', requests: 10 }), T0);
    agg.addVerdict({ proxyId: 'p1', serviceId: 'svc', instanceId: 'ejected', status: 'HEALTHY', atMs: T0 + 500 }, T0 + 500);
    const first = agg.advance(T0 + 30_000);
    expect(first.length).toBeGreaterThanOrEqual(1);
    expect(first[0]?.instances.map((i) => i.instanceId)).toEqual(['busy', 'ejected']);
    expect(first[0]?.instances[1]).toMatchObject({ requests: 0, latencyMs: null, check: { status: 'HEALTHY' } });
    const starts = first.map((w) => w.windowStartMs);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    expect(agg.advance(T0 + 30_000)).toEqual([]);
    const later = agg.advance(T0 + 40_000);
    for (const w of later) expect(starts).not.toContain(w.windowStartMs);
    expect(agg.advance(T0 + 1_000)).toEqual([]); // the watermark never moves back
  });

  it('moves the watermark on active-check verdicts alone when there is no traffic', () => {
    const agg = new WindowAggregator({ sizeMs: SIZE, allowedLatenessMs: LATENESS, idleTimeoutMs: 60_000 });
    const closedStarts: number[] = [];
    for (let t = 0; t <= 20_000; t += 1_000) {
      // Checks arrive every second, so the input is never idle; no proxy reports any traffic.
      agg.addVerdict({ proxyId: 'p1', serviceId: 'svc', instanceId: 'i1', status: 'UNHEALTHY', atMs: T0 + t }, T0 + t);
      const closed = agg.advance(T0 + t);
      for (const w of closed) expect(w.instances[0]?.check.status).toBe('UNHEALTHY');
      closedStarts.push(...closed.map((w) => w.windowStartMs - T0));
    }
    expect(closedStarts).toEqual([0, SIZE, 2 * SIZE]); // each closed once the watermark passed its end
    expect(agg.watermarkMs).toBe(T0 + 20_000 - LATENESS);
  });

  it('replays a backlog by event time: windows close as they would have live', () => {
    const agg = new WindowAggregator({ sizeMs: SIZE, allowedLatenessMs: LATENESS });
    const now = T0 + 3_600_000; // an hour later, processing a backlog quickly
    const outcomes: string[] = [];
    const closed: ServiceWindow[] = [];
    for (let k = 0; k < 4; k += 1) {
      for (const proxyId of ['p1', 'p2']) {
        outcomes.push(agg.addReport(report({ proxyId, instanceId: 'i1', windowStartMs: T0 + k * SIZE, windowEndMs: T0 + k * SIZE + SIZE, requests: 10 }), now));
      }
      closed.push(...agg.advance(now));
    }
    expect(outcomes.every((o) => o === 'accepted')).toBe(true);
    expect(closed.map((w) => [w.windowStartMs - T0, w.instances[0]?.requests])).toEqual([
      [0, 20],
      [SIZE, 20],
      [2 * SIZE, 20],
    ]);
  });
});
