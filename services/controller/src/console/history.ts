/**
 * A bounded time series ordered by window end. Windows normally arrive in order, so the common
 * case is an append; a replayed window replaces its point, and a late one is inserted in place.
 */
import type { HistoryPoint } from './view-types.js';

/** Returns a new series with the point added and at most `limit` newest points kept. */
export function addPoint(series: readonly HistoryPoint[], point: HistoryPoint, limit: number): HistoryPoint[] {
  const out = series.slice();
  let i = out.length;
  while (i > 0 && out[i - 1]!.t > point.t) i -= 1;
  if (i > 0 && out[i - 1]!.t === point.t) out[i - 1] = point;
  else out.splice(i, 0, point);
  return out.length > limit ? out.slice(out.length - limit) : out;
}
