import { describe, expect, it } from 'vitest';
import { createLatencyRecorder, mergeRecorders } from '../../bench/loadtest/latency.js';

describe('latency recorder', () => {
  it('is all zeros with no samples', () => {
    expect(createLatencyRecorder().summary()).toEqual({ count: 0, p50: 0, p90: 0, p99: 0, max: 0 });
  });

  it.each([
    ['1..100 ms', Array.from({ length: 100 }, (_, i) => i + 1), { count: 100, p50: 50, p90: 90, p99: 99, max: 100 }],
    ['sub-millisecond values keep their precision', [0.25, 0.5, 0.75, 1], { count: 4, p50: 0.5, p90: 1, p99: 1, max: 1 }],
    ['one slow outlier sets the max only', [...Array.from({ length: 999 }, () => 2), 5_000], { count: 1_000, p50: 2, p90: 2, p99: 2, max: 5_000 }],
  ])('%s', (_name, values, expected) => {
    const r = createLatencyRecorder();
    for (const v of values) r.recordMs(v);
    const s = r.summary();
    // HdrHistogram with 3 significant digits: within 0.1 % of the exact value.
    expect(s.count).toBe(expected.count);
    for (const key of ['p50', 'p90', 'p99', 'max'] as const) expect(s[key]).toBeCloseTo(expected[key], expected[key] < 10 ? 2 : -1);
    expect(s.p50 <= s.p90 && s.p90 <= s.p99 && s.p99 <= s.max).toBe(true);
  });

  it('merges phases exactly: percentiles of the union, not of the percentiles', () => {
    const fast = createLatencyRecorder();
    const slow = createLatencyRecorder();
    for (let i = 0; i < 90; i++) fast.recordMs(1);
    for (let i = 0; i < 10; i++) slow.recordMs(100);
    const all = mergeRecorders([fast, slow]).summary();
    expect(all.count).toBe(100);
    expect(all.p50).toBeCloseTo(1, 2);
    expect(all.p90).toBeCloseTo(1, 2);
    expect(all.p99).toBeCloseTo(100, -1);
    expect(all.max).toBeCloseTo(100, -1);
  });
});
