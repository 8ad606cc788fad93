import { describe, expect, it } from 'vitest';
import type { EjectionReason, OutlierEvent } from './outlier-detector.js';
import { cutVerdict, cutsWaitingTries, type CutVerdict, type WaitingTry } from './stalled-tries.js';

const eject = (reason: EjectionReason): OutlierEvent => ({ type: 'eject', id: 'u2', reason, atMs: 1_000, untilMs: 31_000, ejectionCount: 1, evidence: {} });

describe('cutsWaitingTries: which outlier events cut short the tries waiting on the instance', () => {
  const cases: Array<{ name: string; event: OutlierEvent; cuts: boolean }> = [
    { name: 'ejected as stalled', event: eject('stalled'), cuts: true },
    // Refused connections and resets fail the tries by themselves, at once.
    { name: 'ejected for consecutive gateway failures', event: eject('consecutive-gateway-failure'), cuts: false },
    // It answers: its waiting tries may succeed.
    { name: 'ejected for consecutive 5xx', event: eject('consecutive-5xx'), cuts: false },
    { name: 'ejected for its success rate', event: eject('success-rate'), cuts: false },
    { name: 'ejected for its failure percentage', event: eject('failure-percentage'), cuts: false },
    // Not taken out: its tries are not either.
    { name: 'a stall skipped by the max-ejection cap', event: { type: 'skipped', id: 'u2', reason: 'stalled', cause: 'max-ejection-percent', atMs: 1_000, evidence: {} }, cuts: false },
    { name: 'a stall not enforced', event: { type: 'skipped', id: 'u2', reason: 'stalled', cause: 'not-enforced', atMs: 1_000, evidence: {} }, cuts: false },
    { name: 'back from an ejection', event: { type: 'uneject', id: 'u2', atMs: 1_000, cause: 'time' }, cuts: false },
  ];
  it.each(cases)('$name -> $cuts', ({ event, cuts }) => {
    expect(cutsWaitingTries(event)).toBe(cuts);
  });
});

describe('cutVerdict: what becomes of a try waiting on an instance ejected as stalled', () => {
  /** A GET sent to the stalled instance, its first try of three allowed, time left. */
  const waiting = (over: Partial<WaitingTry> = {}): WaitingTry => ({
    answered: false,
    otherTryRunning: false,
    method: 'GET',
    sent: true,
    bodiless: true,
    attempts: 1,
    maxAttempts: 3,
    timeLeft: true,
    ...over,
  });
  const cases: Array<{ name: string; t: WaitingTry; verdict: CutVerdict }> = [
    { name: 'a GET sent to it: retried elsewhere', t: waiting(), verdict: { action: 'retry' } },
    { name: 'a HEAD, PUT or DELETE without a body: retried', t: waiting({ method: 'delete' }), verdict: { action: 'retry' } },
    { name: 'its response headers came (streaming): kept', t: waiting({ answered: true }), verdict: { action: 'keep' } },
    { name: 'answered, even a POST: kept', t: waiting({ answered: true, method: 'POST' }), verdict: { action: 'keep' } },
    { name: 'a hedge is running elsewhere: dropped, the hedge answers', t: waiting({ otherTryRunning: true }), verdict: { action: 'drop' } },
    { name: 'a POST with a hedge running (none is hedged; still only dropped)', t: waiting({ method: 'POST', otherTryRunning: true }), verdict: { action: 'drop' } },
    { name: 'a POST sent to it: 504, not retried', t: waiting({ method: 'POST' }), verdict: { action: 'fail', reason: 'not-idempotent' } },
    { name: 'a PATCH sent to it: 504', t: waiting({ method: 'PATCH' }), verdict: { action: 'fail', reason: 'not-idempotent' } },
    // Queued for a connection, nothing written: safe to send elsewhere whatever the method.
    { name: 'a bodiless POST not sent yet: retried', t: waiting({ method: 'POST', sent: false }), verdict: { action: 'retry' } },
    { name: 'a POST with a body sent to it: 504, not idempotent', t: waiting({ method: 'POST', bodiless: false }), verdict: { action: 'fail', reason: 'not-idempotent' } },
    { name: 'a PUT with a body: 504 (undici has the body)', t: waiting({ method: 'PUT', bodiless: false }), verdict: { action: 'fail', reason: 'body-not-replayable' } },
    { name: 'a POST with a body not sent yet: 504', t: waiting({ method: 'POST', sent: false, bodiless: false }), verdict: { action: 'fail', reason: 'body-not-replayable' } },
    { name: 'the last try allowed: 504', t: waiting({ attempts: 3 }), verdict: { action: 'fail', reason: 'attempts-exhausted' } },
    { name: 'no retries configured (one try): 504', t: waiting({ maxAttempts: 1 }), verdict: { action: 'fail', reason: 'attempts-exhausted' } },
    { name: "the request's deadline passed: 504", t: waiting({ timeLeft: false }), verdict: { action: 'fail', reason: 'deadline' } },
  ];
  it.each(cases)('$name', ({ t, verdict }) => {
    expect(cutVerdict(t)).toEqual(verdict);
  });
});
