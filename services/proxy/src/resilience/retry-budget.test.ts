import { describe, expect, it } from 'vitest';
import { RetryBudget } from './retry-budget.js';

describe('retry budget', () => {
  it('allows retries in flight up to budgetPercent of active requests, then refuses', () => {
    const b = new RetryBudget({ budgetPercent: 20, minRetriesPerSecond: 0, minRetryConcurrency: 0 });
    for (let i = 0; i < 10; i++) b.requestStarted();
    expect([b.tryAcquire(0), b.tryAcquire(0), b.tryAcquire(0)]).toEqual([true, true, false]);
    expect(b.snapshot()).toEqual({ active: 10, retriesInFlight: 2, exhausted: 1 });
    b.release();
    expect(b.tryAcquire(0)).toBe(true);
  });

  it('shrinks as active requests finish', () => {
    const b = new RetryBudget({ budgetPercent: 50, minRetriesPerSecond: 0, minRetryConcurrency: 0 });
    for (let i = 0; i < 4; i++) b.requestStarted();
    expect(b.tryAcquire(0)).toBe(true);
    b.requestFinished();
    b.requestFinished();
    b.requestFinished(); // 1 active: budget 0.5 < 1 retry in flight
    expect(b.tryAcquire(0)).toBe(false);
  });

  it('always allows minRetriesPerSecond, so a quiet service can still retry', () => {
    const b = new RetryBudget({ budgetPercent: 20, minRetriesPerSecond: 3, minRetryConcurrency: 0 });
    b.requestStarted(); // budget 0.2: the ratio alone allows nothing
    const firstSecond = Array.from({ length: 5 }, (_, i) => b.tryAcquire(100 + i));
    expect(firstSecond).toEqual([true, true, true, false, false]);
    expect(b.tryAcquire(1_099)).toBe(false);
    expect(b.tryAcquire(1_100)).toBe(true);
    expect(b.snapshot().exhausted).toBe(3);
  });

  it('with budget 0 and no floor, never retries (budgetPercent 0 turns the concurrency floor off too)', () => {
    const b = new RetryBudget({ budgetPercent: 0, minRetriesPerSecond: 0 });
    for (let i = 0; i < 100; i++) b.requestStarted();
    expect(b.tryAcquire(0)).toBe(false);
  });

  it('always allows minRetryConcurrency retries in flight (Envoy: 3), whatever the rate, as long as they end', () => {
    const b = new RetryBudget({ budgetPercent: 20, minRetriesPerSecond: 10 });
    b.requestStarted(); // a fast service: one request in flight, a ratio budget of 0
    // 25 fast retries in one second (each ends before the next starts): the per-second floor
    // alone would refuse 15 of them.
    const fast = Array.from({ length: 25 }, (_, i) => {
      const ok = b.tryAcquire(100 + i * 40);
      if (ok) b.release();
      return ok;
    });
    expect(fast.every(Boolean)).toBe(true);
    // Retries that do not end (a hang): 3 at once by concurrency, then the 10 a second.
    const held = Array.from({ length: 15 }, () => b.tryAcquire(2_000)).filter(Boolean).length;
    expect(held).toBe(3 + 10);
    expect(b.tryAcquire(2_500)).toBe(false);
  });

  it('under a storm, concurrent retries stay at the budget', () => {
    const b = new RetryBudget({ budgetPercent: 20, minRetriesPerSecond: 10 });
    for (let i = 0; i < 1000; i++) b.requestStarted();
    let granted = 0;
    for (let i = 0; i < 1000; i++) if (b.tryAcquire(0)) granted++;
    expect(granted).toBe(200 + 10);
  });
});
