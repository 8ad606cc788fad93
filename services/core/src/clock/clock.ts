/**
 * The one clock shape of the project. Pure modules take times as arguments; the parts that read
 * the time take a Clock, so tests can drive it.
 */
export interface Clock {
  /** Wall-clock milliseconds since the epoch (event times, expiries). */
  now(): number;
  /** Monotonic milliseconds (durations: never jumps with the wall clock). */
  monotonic(): number;
}

/** Monotonic milliseconds since an arbitrary origin. */
export function monotonicMs(): number {
  return performance.now();
}

export const SYSTEM_CLOCK: Clock = Object.freeze({ now: () => Date.now(), monotonic: monotonicMs });
