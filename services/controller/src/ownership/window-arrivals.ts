/**
 * When a service's score windows arrive at this member: the newest window, when it came and the
 * gap between the last two. It tells the member when its input for a service stopped (its
 * partition moved to another member, or the scorer is down). Pure: times are arguments.
 */
export interface WindowArrivals {
  readonly newestWindowEndMs: number;
  /** When the newest window first arrived; null before any. */
  readonly arrivedAtMs: number | null;
  /** Arrival gap between the last two distinct windows; null before the second. */
  readonly intervalMs: number | null;
  /** Distinct windows seen so far. */
  readonly seen: number;
}

export const NO_ARRIVALS: WindowArrivals = Object.freeze({ newestWindowEndMs: Number.NEGATIVE_INFINITY, arrivedAtMs: null, intervalMs: null, seen: 0 });

/** Time-driven steps stop when no new window came for this many window intervals. */
const INPUT_STALE_INTERVALS = 1.5;

/** Takes in one score's window; only a newer window moves anything. */
export function noteArrival(a: WindowArrivals, windowEndMs: number, atMs: number): WindowArrivals {
  if (windowEndMs <= a.newestWindowEndMs) return a;
  return { newestWindowEndMs: windowEndMs, arrivedAtMs: atMs, intervalMs: a.arrivedAtMs === null ? null : atMs - a.arrivedAtMs, seen: a.seen + 1 };
}

/**
 * Whether the service's windows stopped coming here: no new one for 1.5 of its intervals (and
 * at least two batches). Unknown until two windows have arrived, so never stale before that.
 */
export function inputStale(a: WindowArrivals, atMs: number, batchMs: number): boolean {
  if (a.intervalMs === null || a.arrivedAtMs === null) return false;
  return atMs - a.arrivedAtMs > Math.max(INPUT_STALE_INTERVALS * a.intervalMs, 2 * batchMs);
}
