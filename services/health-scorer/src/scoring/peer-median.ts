/**
 * Medians "of everyone but me" for a whole service in O(n log n) total: sort once, then each
 * instance's leave-one-out median is an index lookup. Comparing an instance with a median that
 * includes itself would let one slow instance in a pair drag its own baseline up.
 */
export class PeerMedian {
  private readonly sorted: Float64Array;

  constructor(values: readonly number[]) {
    this.sorted = Float64Array.from(values).sort();
  }

  get size(): number {
    return this.sorted.length;
  }

  /** Median of all values. null when empty. */
  median(): number | null {
    return medianOf(this.sorted, -1);
  }

  /**
   * Median of all values except one occurrence of `own`, when `own` is one of them (pass
   * `member = false` for an instance that is not in the set). null when nothing is left.
   */
  withoutOwn(own: number, member: boolean): number | null {
    if (!member) return medianOf(this.sorted, -1);
    return medianOf(this.sorted, lowerBound(this.sorted, own));
  }
}

function lowerBound(a: Float64Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Median of `a` with index `skip` removed (-1: nothing removed). */
function medianOf(a: Float64Array, skip: number): number | null {
  const m = skip >= 0 && skip < a.length ? a.length - 1 : a.length;
  if (m <= 0) return null;
  const at = (j: number): number => a[skip >= 0 && j >= skip ? j + 1 : j] as number;
  if (m % 2 === 1) return at((m - 1) / 2);
  return (at(m / 2 - 1) + at(m / 2)) / 2;
}
