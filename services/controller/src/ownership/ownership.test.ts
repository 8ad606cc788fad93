import { describe, expect, it } from 'vitest';
import { HANDOVER_WINDOWS, handoverFor, handoverWaiting } from './handover.js';
import { inputStale, noteArrival, NO_ARRIVALS, type WindowArrivals } from './window-arrivals.js';

const arrivals = (...events: Array<[windowEndMs: number, atMs: number]>): WindowArrivals => events.reduce((a, [w, at]) => noteArrival(a, w, at), NO_ARRIVALS);

describe('window arrivals', () => {
  it.each([
    ['nothing yet', arrivals(), { seen: 0, intervalMs: null, arrivedAtMs: null }],
    ['one window', arrivals([5_000, 5_100]), { seen: 1, intervalMs: null, arrivedAtMs: 5_100 }],
    ['two windows: the gap between their arrivals', arrivals([5_000, 5_100], [10_000, 10_300]), { seen: 2, intervalMs: 5_200, arrivedAtMs: 10_300 }],
    ['a repeated or older window moves nothing', arrivals([5_000, 5_100], [10_000, 10_300], [10_000, 10_900], [5_000, 11_000]), { seen: 2, intervalMs: 5_200, arrivedAtMs: 10_300 }],
  ] as const)('%s', (_name, a, expected) => {
    expect(a).toMatchObject(expected);
  });

  it.each([
    // [case, arrivals, now, batchMs, stale]
    ['never stale before the second window', arrivals([5_000, 5_000]), 600_000, 200, false],
    ['within 1.5 intervals', arrivals([5_000, 5_000], [10_000, 10_000]), 17_500, 200, false],
    ['past 1.5 intervals', arrivals([5_000, 5_000], [10_000, 10_000]), 17_501, 200, true],
    ['short intervals: at least two batches', arrivals([100, 100], [200, 200]), 600, 200, false],
    ['short intervals, past two batches', arrivals([100, 100], [200, 200]), 601, 200, true],
  ] as const)('input stale: %s', (_name, a, now, batchMs, stale) => {
    expect(inputStale(a, now, batchMs)).toBe(stale);
  });
});

describe('handover', () => {
  it.each([
    // [case, latest decision, now, expected handover]
    ['own decision: no wait', { issuedBy: 'me', expiresAtMs: 40_000 }, 10_000, null],
    ['an expired decision of another member: no wait', { issuedBy: 'other', expiresAtMs: 40_000 }, 40_000, null],
    ['a valid decision of another member: wait, until 2 s before its expiry', { issuedBy: 'other', expiresAtMs: 40_000 }, 10_000, { fromWindows: 7, deadlineMs: 38_000, from: 'other' }],
  ] as const)('%s', (_name, latest, now, expected) => {
    expect(handoverFor(latest, 'me', now, 7, 30_000)).toEqual(expected);
  });

  it('short TTLs: the margin is a quarter of the TTL', () => {
    expect(handoverFor({ issuedBy: 'other', expiresAtMs: 4_000 }, 'me', 1_000, 0, 4_000)?.deadlineMs).toBe(3_000);
  });

  it.each([
    ['no new window yet', 7, 10_000, true],
    [`${HANDOVER_WINDOWS - 1} new windows`, 7 + HANDOVER_WINDOWS - 1, 10_000, true],
    [`${HANDOVER_WINDOWS} new windows`, 7 + HANDOVER_WINDOWS, 10_000, false],
    ['the deadline passed', 7, 38_000, false],
  ] as const)('waiting: %s', (_name, windowsSeen, now, waiting) => {
    expect(handoverWaiting({ fromWindows: 7, deadlineMs: 38_000, from: 'other' }, windowsSeen, now)).toBe(waiting);
  });
});
