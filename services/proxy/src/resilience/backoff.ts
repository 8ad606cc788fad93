/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff and
 * Jitter"): sleep = random × min(max, base × 2^(retry − 1)). Full jitter spreads retries of
 * many clients that failed together, instead of having them come back in lockstep.
 * Defaults are Envoy's: 25 ms base, 250 ms max.
 */
export interface BackoffConfig {
  readonly baseMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffConfig = Object.freeze({ baseMs: 25, maxMs: 250 });

/** `retry` counts from 1 (the first retry). */
export function fullJitterBackoffMs(retry: number, cfg: BackoffConfig, random: () => number): number {
  const exponent = Math.max(0, Math.min(retry - 1, 30));
  const cap = Math.min(cfg.maxMs, cfg.baseMs * 2 ** exponent);
  return random() * cap;
}
