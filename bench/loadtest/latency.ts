/**
 * Latency percentiles from an HdrHistogram (the structure autocannon itself uses), recorded in
 * microseconds so sub-millisecond answers keep their precision. Histograms of several phases add
 * up exactly, which per-phase percentiles never would.
 */
import { build, type Histogram } from 'hdr-histogram-js';

export interface LatencySummary {
  readonly count: number;
  /** Milliseconds; 0 when count is 0. */
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export interface LatencyRecorder {
  recordMs(ms: number): void;
  summary(): LatencySummary;
  readonly histogram: Histogram;
}

export function createLatencyRecorder(): LatencyRecorder {
  // autoResize: a stalled target must widen the range, not throw out of the response handler.
  const histogram = build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3, autoResize: true });
  return {
    histogram,
    recordMs(ms: number): void {
      histogram.recordValue(Math.max(1, Math.round(ms * 1_000)));
    },
    summary: () => summarize(histogram),
  };
}

/** One recorder holding every value of the given ones. */
export function mergeRecorders(recorders: readonly LatencyRecorder[]): LatencyRecorder {
  const merged = createLatencyRecorder();
  for (const r of recorders) merged.histogram.add(r.histogram);
  return merged;
}

function summarize(h: Histogram): LatencySummary {
  if (h.totalCount === 0) return { count: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  const ms = (us: number) => Math.round(us) / 1_000;
  // A percentile is reported as the top of its bucket, which can lie just above the largest
  // value recorded; no percentile may exceed the max.
  const at = (p: number) => ms(Math.min(h.getValueAtPercentile(p), h.maxValue));
  return { count: h.totalCount, p50: at(50), p90: at(90), p99: at(99), max: ms(h.maxValue) };
}
