import { describe, expect, it } from 'vitest';
import { SlbError } from '../errors/slb-error.js';
import { retry, type RetryHooks } from './retry.js';

const FAST = { retries: 3, minTimeoutMs: 1, maxTimeoutMs: 2, factor: 1 };

/** Fails with `failures[k]` on attempt k+1, then resolves; returns the attempts made and the outcome. */
async function run(failures: readonly unknown[], hooks: RetryHooks = {}): Promise<{ attempts: number; outcome: unknown; retried: unknown[] }> {
  let attempts = 0;
  const retried: unknown[] = [];
  try {
    await retry(
      async () => {
        attempts += 1;
        if (attempts <= failures.length) throw failures[attempts - 1];
        return 'ok';
      },
      FAST,
      { ...hooks, onRetry: (error) => retried.push(error) },
    );
    return { attempts, outcome: 'ok', retried };
  } catch (error) {
    return { attempts, outcome: error, retried };
  }
}

const retriable = new SlbError('SLB_KAFKA_UNREACHABLE', 'broker down');
const kafkaRetriable = Object.assign(new Error('leader not available'), { retriable: true });
const bug = new TypeError('x is not a function');
const always = () => true;

describe('retry', () => {
  it.each([
    // [case, failures, hooks, attempts, outcome (the value itself: 'ok' or the thrown one)]
    ['a retriable SlbError, then success', [retriable], {}, 2, 'ok'],
    ["kafkajs' retriable flag, then success", [kafkaRetriable], {}, 2, 'ok'],
    ['a non-retriable error stops at once', [new Error('no')], {}, 1, 'first'],
    ['a TypeError is a bug by default: no retry', [bug], {}, 1, 'first'],
    ['a TypeError the caller calls retriable is retried', [bug, bug], { isRetriable: always }, 3, 'ok'],
    ['a thrown string the caller calls retriable is retried', ['boom'], { isRetriable: always }, 2, 'ok'],
    ['exhausted: rejects with the last failure as thrown', [bug, bug, bug, bug], { isRetriable: always }, 4, 'last'],
  ] as const)('%s', async (_name, failures, hooks, attempts, outcome) => {
    const r = await run(failures, hooks);
    expect(r.attempts).toBe(attempts);
    if (outcome === 'ok') expect(r.outcome).toBe('ok');
    else expect(r.outcome).toBe(outcome === 'first' ? failures[0] : failures.at(-1));
    // onRetry sees what the attempt threw, never a wrapper.
    for (const [k, e] of r.retried.entries()) expect(e).toBe(failures[k]);
  });
});
