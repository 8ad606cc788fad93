import { describe, expect, it } from 'vitest';
import { DEFAULT_THROTTLE_HOLD, parseHttpDate, retryAfterMs, throttleHoldMs } from './throttle-hold.js';

/** 2024-03-10T12:00:00Z, the injected "now" of every case. */
const NOW = Date.UTC(2024, 2, 10, 12, 0, 0);

/**
 * Each Retry-After value: the wait it asks for, and how long it holds back an instance that
 * answered 429 (the floor when unusable or shorter, the cap when longer) or 503 (only when
 * usable: a 503 without one is a failure, not a throttle).
 */
const cases: Array<[value: string | undefined, ms: number | undefined, hold429: number, hold503: number | undefined]> = [
  [undefined, undefined, 1_000, undefined],
  ['', undefined, 1_000, undefined],
  ['0', 0, 1_000, 1_000],
  ['2', 2_000, 2_000, 2_000],
  ['5', 5_000, 5_000, 5_000],
  [' 120 ', 120_000, 30_000, 30_000],
  ['007', 7_000, 7_000, 7_000],
  ['3600', 3_600_000, 30_000, 30_000],
  ['86400', 86_400_000, 30_000, 30_000],
  // Not delay-seconds, not an HTTP-date.
  ['1.5', undefined, 1_000, undefined],
  ['-1', undefined, 1_000, undefined],
  ['+3', undefined, 1_000, undefined],
  ['2, 3', undefined, 1_000, undefined],
  ['soon', undefined, 1_000, undefined],
  ['later', undefined, 1_000, undefined],
  ['whenever', undefined, 1_000, undefined],
  ['2024-03-10T12:00:05Z', undefined, 1_000, undefined],
  // IMF-fixdate, in the future and in the past (a past date asks for no wait).
  ['Sun, 10 Mar 2024 12:00:05 GMT', 5_000, 5_000, 5_000],
  ['Sun, 10 Mar 2024 12:00:12 GMT', 12_000, 12_000, 12_000],
  ['Mon, 11 Mar 2024 12:00:00 GMT', 86_400_000, 30_000, 30_000],
  ['Sun, 10 Mar 2024 11:59:00 GMT', 0, 1_000, 1_000],
  ['Sun, 10 Mar 2024 11:00:00 GMT', 0, 1_000, 1_000],
  ['sun, 10 mar 2024 12:00:05 gmt', undefined, 1_000, undefined],
  ['Sun, 10 Mar 2024 12:00:05 UTC', undefined, 1_000, undefined],
  ['Sun, 31 Feb 2024 12:00:05 GMT', undefined, 1_000, undefined],
  ['Sun, 10 Mar 2024 24:00:05 GMT', undefined, 1_000, undefined],
  // The two obsolete forms recipients must accept.
  ['Sunday, 10-Mar-24 12:00:30 GMT', 30_000, 30_000, 30_000],
  ['Sun Mar 10 12:01:00 2024', 60_000, 30_000, 30_000],
  ['Sat Mar  9 12:00:00 2024', 0, 1_000, 1_000],
];

describe('Retry-After (RFC 9110 §10.2.3)', () => {
  it.each(cases)('%j -> %s ms', (value, ms) => {
    expect(retryAfterMs(value, NOW)).toBe(ms);
  });

  it('reads a two-digit RFC 850 year as the most recent one not more than 50 years ahead', () => {
    expect(parseHttpDate('Wednesday, 01-Jan-70 00:00:00 GMT', NOW)).toBe(Date.UTC(2070, 0, 1));
    expect(parseHttpDate('Wednesday, 01-Jan-75 00:00:00 GMT', NOW)).toBe(Date.UTC(1975, 0, 1));
    expect(parseHttpDate('Saturday, 01-Jan-00 00:00:00 GMT', NOW)).toBe(Date.UTC(2000, 0, 1));
  });
});

describe('how long a throttled answer holds its instance back', () => {
  it.each(cases)('Retry-After %j: a 429 is held %s ms, a 503 %s ms', (value, _ms, hold429, hold503) => {
    expect(throttleHoldMs(429, value, NOW)).toBe(hold429);
    expect(throttleHoldMs(503, value, NOW)).toBe(hold503);
  });

  it.each([
    [200, '5'],
    [301, '5'],
    [502, '5'],
    [504, undefined],
  ] as const)('%s never holds, Retry-After or not (%s)', (status, retryAfter) => {
    expect(throttleHoldMs(status, retryAfter, NOW)).toBeUndefined();
  });

  it('takes its bounds from the config', () => {
    expect(throttleHoldMs(429, '90', NOW, { minMs: 0, maxMs: 60_000 })).toBe(60_000);
    expect(throttleHoldMs(429, '0', NOW, { minMs: 0, maxMs: 60_000 })).toBe(0);
    expect(DEFAULT_THROTTLE_HOLD).toEqual({ minMs: 1_000, maxMs: 30_000 });
  });
});
