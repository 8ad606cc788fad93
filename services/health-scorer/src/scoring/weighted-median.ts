/**
 * The item at the weighted median of `value`: the first, in ascending order of value (then of
 * `tie`), at which the cumulative weight reaches half the total. Of two equal weights, the lower
 * value wins, so one of two proxies cannot condemn an instance by itself. undefined when empty
 * or when every weight is 0.
 */
export function weightedMedian<T>(items: readonly T[], value: (t: T) => number, weight: (t: T) => number, tie: (t: T) => string): T | undefined {
  const ranked = items
    .filter((t) => weight(t) > 0)
    .map((t) => ({ t, v: value(t), w: weight(t), k: tie(t) }))
    .sort((a, b) => a.v - b.v || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  const total = ranked.reduce((n, r) => n + r.w, 0);
  let cumulative = 0;
  return ranked.find((r) => 2 * (cumulative += r.w) >= total)?.t;
}
