import { ConfigCheck, isCount, isNonNegative } from './config-check.js';
import { DEFAULT_LATENCY_WINDOW, LatencyWindow } from './latency-window.js';

/**
 * When to hedge an idempotent request ("The Tail at Scale", Dean & Barroso): if no answer
 * has come after the q-quantile of recent latencies (p95 by default), send a second copy to
 * another instance and take whichever answers first. Costs about (1 − q) extra requests and
 * cuts the tail. No hedging until there are `minSamples` latencies to go by; the delay is
 * clamped so a window of very fast or very slow answers cannot make it absurd. Extra copies
 * should also pass a RetryBudget, so hedging cannot double the load of a struggling service.
 */
export interface HedgingConfig {
  readonly quantile: number;
  readonly minSamples: number;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  readonly windowMs: number;
}

export const DEFAULT_HEDGING: HedgingConfig = Object.freeze({
  quantile: 0.95,
  minSamples: 20,
  minDelayMs: 1,
  maxDelayMs: 10_000,
  windowMs: DEFAULT_LATENCY_WINDOW.windowMs,
});

export function resolveHedging(raw: Partial<HedgingConfig> = {}): HedgingConfig {
  const c = new ConfigCheck('hedging');
  const d = DEFAULT_HEDGING;
  const out = Object.freeze({
    quantile: c.number('quantile', raw.quantile, d.quantile, (v) => v > 0 && v < 1, 'in (0, 1)'),
    minSamples: c.number('minSamples', raw.minSamples, d.minSamples, isCount, 'an integer >= 0'),
    minDelayMs: c.number('minDelayMs', raw.minDelayMs, d.minDelayMs, isNonNegative, '>= 0'),
    maxDelayMs: c.number('maxDelayMs', raw.maxDelayMs, d.maxDelayMs, isNonNegative, '>= 0'),
    windowMs: c.number('windowMs', raw.windowMs, d.windowMs, (v) => v > 0, '> 0'),
  });
  if (out.maxDelayMs < out.minDelayMs) c.problems.push(`maxDelayMs (${out.maxDelayMs}) must be >= minDelayMs (${out.minDelayMs})`);
  c.done();
  return out;
}

export class HedgePolicy {
  readonly config: HedgingConfig;
  private readonly window: LatencyWindow;

  constructor(config: Partial<HedgingConfig> = {}) {
    this.config = resolveHedging(config);
    this.window = new LatencyWindow({ ...DEFAULT_LATENCY_WINDOW, windowMs: this.config.windowMs });
  }

  /** Record the latency of a completed (first) answer. */
  record(latencyMs: number, nowMs: number): void {
    this.window.record(latencyMs, nowMs);
  }

  /** After how long to send a hedge, or undefined: not enough data to hedge yet. */
  delayMs(nowMs: number): number | undefined {
    if (this.window.count(nowMs) < Math.max(1, this.config.minSamples)) return undefined;
    const q = this.window.quantile(this.config.quantile, nowMs);
    if (q === undefined) return undefined;
    return Math.min(this.config.maxDelayMs, Math.max(this.config.minDelayMs, q));
  }
}
