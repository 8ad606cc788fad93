import { describe, expect, it } from 'vitest';
import { SlbError } from '@slb/core/errors';
import { classifyStatus, withRetry, type RetryPolicy } from './retry-policy.js';

describe('classifyStatus', () => {
  it.each([
    [200, 'delivered'],
    [202, 'delivered'],
    [204, 'delivered'],
    [301, 'bail'],
    [400, 'bail'],
    [401, 'bail'],
    [404, 'bail'],
    [408, 'retry'],
    [422, 'bail'],
    [425, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [502, 'retry'],
    [503, 'retry'],
  ] as const)('%i -> %s', (status, outcome) => {
    expect(classifyStatus(status)).toBe(outcome);
  });
});

const fast: RetryPolicy = { retries: 3, minTimeoutMs: 1, maxTimeoutMs: 5, factor: 2, maxRetryTimeMs: 10_000 };
const transient = () => new SlbError('SLB_NOTIFY_FAILED', '503', { retriable: true });
const refused = () => new SlbError('SLB_NOTIFY_FAILED', '400', { retriable: false });

describe('withRetry', () => {
  // Each script: what attempt n does ('ok' | 'transient' | 'refused'); then the expected
  // number of attempts, retries reported, and whether it resolves.
  it.each([
    ['succeeds at once', ['ok'], 1, 0, true],
    ['retries a transient failure', ['transient', 'transient', 'ok'], 3, 2, true],
    ['bails on a refusal without retrying', ['refused', 'ok'], 1, 0, false],
    ['bails on a refusal after a transient failure', ['transient', 'refused', 'ok'], 2, 1, false],
    ['gives up after the retries', ['transient', 'transient', 'transient', 'transient', 'ok'], 4, 3, false],
  ] as const)('%s', async (_name, script, attempts, retries, resolves) => {
    let calls = 0;
    const retried: number[] = [];
    const run = withRetry(
      async () => {
        const step = script[calls++];
        if (step === 'transient') throw transient();
        if (step === 'refused') throw refused();
        return 'done';
      },
      fast,
      { onRetry: (_e, attempt) => retried.push(attempt) },
    );
    if (resolves) await expect(run).resolves.toBe('done');
    else await expect(run).rejects.toBeInstanceOf(SlbError);
    expect(calls).toBe(attempts);
    expect(retried).toEqual(Array.from({ length: retries }, (_v, i) => i + 1));
  });

  it('does not retry errors that are not SlbErrors (bugs, not transient trouble)', async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls += 1;
        throw new RangeError('bug');
      }, fast),
    ).rejects.toThrow('bug');
    expect(calls).toBe(1);
  });

  it('stops waiting when aborted', async () => {
    const controller = new AbortController();
    let calls = 0;
    const run = withRetry(
      async () => {
        calls += 1;
        if (calls === 1) controller.abort(new Error('closing'));
        throw transient();
      },
      { ...fast, minTimeoutMs: 60_000, maxTimeoutMs: 60_000 },
      { signal: controller.signal },
    );
    await expect(run).rejects.toThrow();
    expect(calls).toBe(1);
  });
});
