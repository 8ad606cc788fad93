/**
 * The most recent latencies (up to `maxSamples`, none older than `windowMs`) and quantiles
 * over them. Exact, small and cheap: the sorted copy is cached and only rebuilt after
 * `recomputeEvery` new samples or `recomputeMs` of time, so asking for the hedge delay on
 * every request costs a lookup.
 */
export interface LatencyWindowConfig {
  readonly windowMs: number;
  readonly maxSamples: number;
  readonly recomputeEvery: number;
  readonly recomputeMs: number;
}

export const DEFAULT_LATENCY_WINDOW: LatencyWindowConfig = Object.freeze({
  windowMs: 30_000,
  maxSamples: 512,
  recomputeEvery: 32,
  recomputeMs: 250,
});

export class LatencyWindow {
  private readonly values: Float64Array;
  private readonly times: Float64Array;
  private next = 0;
  private size = 0;
  private sorted: Float64Array = new Float64Array(0);
  private sinceSort = Infinity;
  private sortedAtMs = -Infinity;

  constructor(private readonly cfg: LatencyWindowConfig = DEFAULT_LATENCY_WINDOW) {
    this.values = new Float64Array(cfg.maxSamples);
    this.times = new Float64Array(cfg.maxSamples);
  }

  record(latencyMs: number, nowMs: number): void {
    this.values[this.next] = latencyMs;
    this.times[this.next] = nowMs;
    this.next = (this.next + 1) % this.cfg.maxSamples;
    this.size = Math.min(this.size + 1, this.cfg.maxSamples);
    this.sinceSort++;
  }

  /** Samples in the window as of the last recomputation. */
  count(nowMs: number): number {
    this.refresh(nowMs);
    return this.sorted.length;
  }

  /** Nearest-rank quantile q in [0, 1]; undefined when the window is empty. */
  quantile(q: number, nowMs: number): number | undefined {
    this.refresh(nowMs);
    const n = this.sorted.length;
    if (n === 0) return undefined;
    const rank = Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1));
    return this.sorted[rank];
  }

  private refresh(nowMs: number): void {
    if (this.sinceSort < this.cfg.recomputeEvery && nowMs - this.sortedAtMs < this.cfg.recomputeMs) return;
    const cutoff = nowMs - this.cfg.windowMs;
    const fresh: number[] = [];
    for (let i = 0; i < this.size; i++) if ((this.times[i] as number) > cutoff) fresh.push(this.values[i] as number);
    this.sorted = Float64Array.from(fresh).sort();
    this.sinceSort = 0;
    this.sortedAtMs = nowMs;
  }
}
