import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, fullJitterBackoffMs } from './backoff.js';
import { shouldRetry, type RetryQuestion } from './retry-policy.js';

describe('full-jitter backoff', () => {
  const cases = [
    { retry: 1, random: 0.999999, max: 25 },
    { retry: 2, random: 0.999999, max: 50 },
    { retry: 3, random: 0.999999, max: 100 },
    { retry: 4, random: 0.999999, max: 200 },
    { retry: 5, random: 0.999999, max: 250 },
    { retry: 50, random: 0.999999, max: 250 },
  ];
  it.each(cases)('retry $retry is below min(max, base × 2^(retry−1)) = $max', ({ retry, random, max }) => {
    const ms = fullJitterBackoffMs(retry, DEFAULT_BACKOFF, () => random);
    expect(ms).toBeLessThan(max);
    expect(ms).toBeGreaterThan(max * 0.999);
  });

  it('scales the cap by the random draw (full jitter)', () => {
    expect(fullJitterBackoffMs(3, DEFAULT_BACKOFF, () => 0)).toBe(0);
    expect(fullJitterBackoffMs(3, DEFAULT_BACKOFF, () => 0.5)).toBe(50);
  });
});

describe('which failures may be retried', () => {
  const base = { attempts: 1, maxAttempts: 3 };
  const cases: { q: RetryQuestion; retry: boolean; reason?: string }[] = [
    { q: { ...base, method: 'GET', failure: { status: 503 } }, retry: true },
    { q: { ...base, method: 'get', failure: { status: 502 } }, retry: true },
    { q: { ...base, method: 'PUT', failure: { localFailure: 'reset', sent: true } }, retry: true },
    { q: { ...base, method: 'GET', failure: { status: 429 } }, retry: true },
    { q: { ...base, method: 'DELETE', failure: { status: 429 } }, retry: true },
    { q: { ...base, method: 'POST', failure: { status: 429 } }, retry: false, reason: 'not-idempotent' },
    { q: { ...base, method: 'GET', failure: { status: 500 } }, retry: false, reason: 'status-not-retriable' },
    { q: { ...base, method: 'GET', failure: { status: 404 } }, retry: false, reason: 'status-not-retriable' },
    { q: { ...base, method: 'GET', failure: { status: 500 }, retryOnStatuses: new Set([500]) }, retry: true },
    { q: { ...base, method: 'POST', failure: { status: 503 } }, retry: false, reason: 'not-idempotent' },
    { q: { ...base, method: 'POST', failure: { localFailure: 'timeout', sent: true } }, retry: false, reason: 'not-idempotent' },
    // Never reached the instance: safe whatever the method.
    { q: { ...base, method: 'POST', failure: { localFailure: 'connect', sent: false } }, retry: true },
    { q: { ...base, method: 'PATCH', failure: { localFailure: 'reset', sent: false } }, retry: true },
    { q: { attempts: 3, maxAttempts: 3, method: 'GET', failure: { status: 503 } }, retry: false, reason: 'attempts-exhausted' },
    { q: { attempts: 1, maxAttempts: 1, method: 'GET', failure: { localFailure: 'connect', sent: false } }, retry: false, reason: 'attempts-exhausted' },
  ];
  it.each(cases)('$q.method $q.failure -> $retry', ({ q, retry, reason }) => {
    const v = shouldRetry(q);
    expect(v.retry).toBe(retry);
    if (!v.retry) expect(v.reason).toBe(reason);
  });
});
