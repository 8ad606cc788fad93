import type { EndpointState } from './endpoint-state.js';
import type { PickContext } from './types.js';

/**
 * The candidates of one request (never empty), each with its effective weight in
 * `state.weight` (config × decision × slow start); health, ejection, panic and retry exclusion
 * are already applied. A state is a candidate when `eligible` and not in `exclude`.
 */
export interface PickInput {
  readonly candidates: readonly EndpointState[];
  /** All candidates have the same effective weight. */
  readonly equalWeights: boolean;
  readonly totalWeight: number;
  /** The retry exclusion in force (undefined when none, or when it had to be dropped). */
  readonly exclude: ReadonlySet<string> | undefined;
}

/** One balancing policy. */
export interface Picker {
  pick(input: PickInput, ctx: PickContext, nowMs: number): EndpointState;
  /** The endpoint list or configured weights changed (e.g. rebuild a hash ring). */
  rebuild?(all: readonly EndpointState[]): void;
}

/**
 * Draws `k` distinct candidates uniformly, in random order (all of them, rotated by a random
 * offset, when there are no more than k): callers keep the first of equals, so the order is
 * what breaks ties fairly.
 */
export function sampleDistinct<T>(items: readonly T[], k: number, random: () => number): T[] {
  if (items.length <= k) {
    const offset = Math.min(Math.floor(random() * items.length), items.length - 1);
    return [...items.slice(offset), ...items.slice(0, offset)];
  }
  const n = items.length;
  if (k === 2) {
    // The common case, without a Set: the second draw skips over the first.
    const i = Math.min(Math.floor(random() * n), n - 1);
    let j = Math.min(Math.floor(random() * (n - 1)), n - 2);
    if (j >= i) j++;
    return [items[i] as T, items[j] as T];
  }
  const picked: T[] = [];
  const seen = new Set<number>();
  while (picked.length < k) {
    const i = Math.min(Math.floor(random() * items.length), items.length - 1);
    if (seen.has(i)) continue;
    seen.add(i);
    picked.push(items[i] as T);
  }
  return picked;
}

/** True when every candidate has the same effective weight (within float noise). */
export function weightsEqual(candidates: readonly EndpointState[]): boolean {
  const first = candidates[0]?.weight ?? 0;
  for (const c of candidates) if (Math.abs(c.weight - first) > 1e-9 * Math.max(1, first)) return false;
  return true;
}
