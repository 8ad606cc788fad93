import { describe, expect, it } from 'vitest';
import type { Alert } from '@slb/core';
import { DedupBook } from './dedup-book.js';

const base: Alert = {
  alertId: 'x',
  dedupKey: 'K',
  name: 'SERVICE_DEGRADED',
  state: 'FIRING',
  severity: 'WARNING',
  serviceId: 's',
  instanceId: null,
  summary: 's',
  description: '',
  labels: {},
  startsAtMs: 0,
  endsAtMs: null,
  evidence: { scores: [], windows: [], sources: [], notes: [] },
};
const ev = (key: string, state: Alert['state'], summary = 's'): Alert => ({ ...base, dedupKey: key, state, summary });

describe('DedupBook', () => {
  // Each step: [receiver, key, state] -> is it a duplicate? Non-duplicates are then delivered.
  it.each([
    ['first FIRING is sent, a repeat is not', [['r', 'K', 'FIRING', false], ['r', 'K', 'FIRING', true]]],
    ['RESOLVED after FIRING is sent, a repeat is not', [['r', 'K', 'FIRING', false], ['r', 'K', 'RESOLVED', false], ['r', 'K', 'RESOLVED', true]]],
    ['FIRING after RESOLVED is sent (a new page)', [['r', 'K', 'FIRING', false], ['r', 'K', 'RESOLVED', false], ['r', 'K', 'FIRING', false], ['r', 'K', 'FIRING', true]]],
    ['RESOLVED for a key never seen is sent', [['r', 'K', 'RESOLVED', false]]],
    ['keys are independent', [['r', 'A', 'FIRING', false], ['r', 'B', 'FIRING', false], ['r', 'A', 'FIRING', true]]],
    ['receivers are independent', [['r1', 'K', 'FIRING', false], ['r2', 'K', 'FIRING', false], ['r1', 'K', 'FIRING', true]]],
  ] as const)('%s', (_name, steps) => {
    const book = new DedupBook();
    for (const [receiver, key, state, duplicate] of steps) {
      const alert = ev(key, state);
      expect(book.isDuplicate(receiver, alert), `${receiver} ${key} ${state}`).toBe(duplicate);
      if (!duplicate) book.delivered(receiver, alert, 0);
    }
  });

  it('an event that failed to deliver (not recorded) is not a duplicate when replayed', () => {
    const book = new DedupBook();
    expect(book.isDuplicate('r', ev('K', 'FIRING'))).toBe(false);
    expect(book.isDuplicate('r', ev('K', 'FIRING'))).toBe(false);
  });

  it('lists what is firing per receiver, with the newest annotations of a duplicate', () => {
    const book = new DedupBook();
    book.delivered('am', ev('A', 'FIRING', 'old'), 0);
    book.delivered('am', ev('B', 'FIRING'), 0);
    book.delivered('hook', ev('C', 'FIRING'), 0);
    expect(book.isDuplicate('am', ev('A', 'FIRING', 'new'))).toBe(true);
    book.delivered('am', ev('B', 'RESOLVED'), 0);
    expect(book.firing('am').map((a) => [a.dedupKey, a.summary])).toEqual([['A', 'new']]);
    expect(book.firing('hook').map((a) => a.dedupKey)).toEqual(['C']);
  });

  it('forgets resolved keys after the TTL but keeps firing ones', () => {
    const book = new DedupBook({ resolvedTtlMs: 1_000 });
    book.delivered('r', ev('F', 'FIRING'), 0);
    book.delivered('r', ev('R', 'RESOLVED'), 0);
    book.prune(999);
    expect(book.isDuplicate('r', ev('R', 'RESOLVED'))).toBe(true);
    book.prune(1_000);
    expect(book.isDuplicate('r', ev('R', 'RESOLVED'))).toBe(false);
    expect(book.isDuplicate('r', ev('F', 'FIRING'))).toBe(true);
    expect(book.size).toBe(1);
  });

  it('stays within maxEntries by dropping the oldest', () => {
    const book = new DedupBook({ maxEntries: 2 });
    for (const key of ['A', 'B', 'C']) book.delivered('r', ev(key, 'FIRING'), 0);
    expect(book.size).toBe(2);
    expect(book.firing('r').map((a) => a.dedupKey)).toEqual(['B', 'C']);
  });
});

it('forget: the next event of the key is sent and it no longer counts as firing', () => {
  const book = new DedupBook();
  book.delivered('am', ev('K', 'FIRING'), 0);
  book.forget('am', 'K');
  expect(book.firing('am')).toEqual([]);
  expect(book.isDuplicate('am', ev('K', 'FIRING'))).toBe(false);
});
