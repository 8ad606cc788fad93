import { describe, expect, it } from 'vitest';
import { DEFAULT_THROTTLE_HOLD, parseHttpDate, retryAfterMs, throttleHoldMs } from './throttle-hold.js';

/** 2024-03-10T12:00:00Z, the injected "now" of every case. */
const NOW = Date.UTC(2024, 2, 10, 12, 0, 0);

describe('Retry-After (RFC 9110 §10.2.3)', () => {
  const cases: { value: string | undefined; ms: number | undefined }[] = [
    { value: undefined, ms: undefined },
    { value: '', ms: undefined },
    { value: '0', ms: 0 },
    { value: '2', ms: 2_000 },
    { value: ' 120 ', ms: 120_000 },
    { value: '007', ms: 7_000 },
    { value: '86400', ms: 86_400_000 },
    // Not delay-seconds, not an HTTP-date.
    { value: '1.5', ms: undefined },
    { value: '-1', ms: undefined },
    { value: '+3', ms: undefined },
    { value: '2, 3', ms: undefined },
    { value: 'soon', ms: undefined },
    { value: '2024-03-10T12:00:05Z', ms: undefined },
    // IMF-fixdate, in the future and in the past (a past date asks for no wait).
    { value: 'Sun, 10 Mar 2024 12:00:05 GMT', ms: 5_000 },
    { value: 'Sun, 10 Mar 2024 11:59:00 GMT', ms: 0 },
    { value: 'sun, 10 mar 2024 12:00:05 gmt', ms: undefined },
    { value: 'Sun, 10 Mar 2024 12:00:05 UTC', ms: undefined },
    { value: 'Sun, 31 Feb 2024 12:00:05 GMT', ms: undefined },
    { value: 'Sun, 10 Mar 2024 24:00:05 GMT', ms: undefined },
    // The two obsolete forms recipients must accept.
    { value: 'Sunday, 10-Mar-24 12:00:30 GMT', ms: 30_000 },
    { value: 'Sun Mar 10 12:01:00 2024', ms: 60_000 },
    { value: 'Sat Mar  9 12:00:00 2024', ms: 0 },
  ];
  it.each(cases)('$value -> $ms ms', ({ value, ms }) => {
    expect(retryAfterMs(value, NOW)).toBe(ms);
  });

  it('reads a two-digit RFC 850 year as the most recent one not more than 50 years ahead', () => {
    expect(parseHttpDate('Wednesday, 01-Jan-70 00:00:00 GMT', NOW)).toBe(Date.UTC(2070, 0, 1));
    expect(parseHttpDate('Wednesday, 01-Jan-75 00:00:00 GMT', NOW)).toBe(Date.UTC(1975, 0, 1));
    expect(parseHttpDate('Saturday, 01-Jan-00 00:00:00 GMT', NOW)).toBe(Date.UTC(2000, 0, 1));
  });
});

describe('how long a throttled answer holds its instance back', () => {
  const cases: { status: number; retryAfter: string | undefined; hold: number | undefined }[] = [
    { status: 429, retryAfter: '2', hold: 2_000 },
    { status: 429, retryAfter: 'Sun, 10 Mar 2024 12:00:12 GMT', hold: 12_000 },
    // Missing or unusable: the default (the floor).
    { status: 429, retryAfter: undefined, hold: 1_000 },
    { status: 429, retryAfter: 'later', hold: 1_000 },
    // "Retry now" from an instance that just said it is full: still the floor.
    { status: 429, retryAfter: '0', hold: 1_000 },
    { status: 429, retryAfter: 'Sun, 10 Mar 2024 11:00:00 GMT', hold: 1_000 },
    // Capped.
    { status: 429, retryAfter: '3600', hold: 30_000 },
    { status: 429, retryAfter: 'Mon, 11 Mar 2024 12:00:00 GMT', hold: 30_000 },
    // A 503 is held back only when it says for how long; otherwise it is a failure.
    { status: 503, retryAfter: '5', hold: 5_000 },
    { status: 503, retryAfter: '0', hold: 1_000 },
    { status: 503, retryAfter: undefined, hold: undefined },
    { status: 503, retryAfter: 'whenever', hold: undefined },
    // Other statuses never hold, Retry-After or not.
    { status: 200, retryAfter: '5', hold: undefined },
    { status: 301, retryAfter: '5', hold: undefined },
    { status: 502, retryAfter: '5', hold: undefined },
    { status: 504, retryAfter: undefined, hold: undefined },
  ];
  it.each(cases)('$status with Retry-After $retryAfter -> $hold ms', ({ status, retryAfter, hold }) => {
    expect(throttleHoldMs(status, retryAfter, NOW)).toBe(hold);
  });

  it('takes its bounds from the config', () => {
    expect(throttleHoldMs(429, '90', NOW, { minMs: 0, maxMs: 60_000 })).toBe(60_000);
    expect(throttleHoldMs(429, '0', NOW, { minMs: 0, maxMs: 60_000 })).toBe(0);
    expect(DEFAULT_THROTTLE_HOLD).toEqual({ minMs: 1_000, maxMs: 30_000 });
  });
});
