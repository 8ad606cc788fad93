import type { SlowStartConfig } from './types.js';

/**
 * Envoy's slow-start ramp: weight × max(floor, (t / window)^(1 / aggression)).
 * Envoy rounds t up to at least one second; here time is in ms and the floor already keeps the
 * first requests flowing, so t is used as is. Returns 1 outside the window.
 */
export function slowStartFactor(startedAtMs: number | undefined, nowMs: number, cfg: SlowStartConfig): number {
  if (startedAtMs === undefined || cfg.windowMs <= 0) return 1;
  const elapsed = nowMs - startedAtMs;
  if (elapsed >= cfg.windowMs) return 1;
  const timeFactor = Math.max(elapsed, 0) / cfg.windowMs;
  const floor = cfg.minWeightPercent / 100;
  return Math.min(1, Math.max(floor, Math.pow(timeFactor, 1 / cfg.aggression)));
}
