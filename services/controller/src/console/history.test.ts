import { describe, expect, it } from 'vitest';
import { addPoint } from './history.js';

const pts = (...ts: number[]) => ts.map((t) => ({ t, v: t / 10 }));

describe('addPoint keeps a bounded series ordered by window end', () => {
  it.each([
    { name: 'appends a newer window', series: pts(1, 2), point: { t: 3, v: 0.3 }, limit: 5, expected: [...pts(1, 2), { t: 3, v: 0.3 }] },
    { name: 'replaces a replayed window', series: pts(1, 2, 3), point: { t: 2, v: 9 }, limit: 5, expected: [{ t: 1, v: 0.1 }, { t: 2, v: 9 }, { t: 3, v: 0.3 }] },
    { name: 'inserts a late window in place', series: pts(1, 3), point: { t: 2, v: 0.2 }, limit: 5, expected: pts(1, 2, 3) },
    { name: 'inserts before everything', series: pts(2, 3), point: { t: 1, v: 0.1 }, limit: 5, expected: pts(1, 2, 3) },
    { name: 'drops the oldest beyond the limit', series: pts(1, 2, 3), point: { t: 4, v: 0.4 }, limit: 3, expected: pts(2, 3, 4) },
    { name: 'a late window older than the kept ones falls off again', series: pts(2, 3, 4), point: { t: 1, v: 0.1 }, limit: 3, expected: pts(2, 3, 4) },
    { name: 'starts an empty series', series: [], point: { t: 7, v: 0.7 }, limit: 3, expected: pts(7) },
  ])('$name', ({ series, point, limit, expected }) => {
    const before = series.slice();
    expect(addPoint(series, point, limit)).toEqual(expected);
    expect(series).toEqual(before);
  });
});
