/**
 * Delivery retries: exponential backoff with jitter (p-retry, `randomize` multiplies each delay
 * by a factor in [1, 2)), bounded in attempts and total time, with a bail on answers that
 * retrying cannot fix (most 4xx: the receiver refused this payload or our credentials).
 */
import pRetry from 'p-retry';
import { isSlbError } from '@slb/core/errors';

export interface RetryPolicy {
  /** Retries after the first attempt. */
  readonly retries: number;
  readonly minTimeoutMs: number;
  readonly maxTimeoutMs: number;
  readonly factor: number;
  /** No retry starts after this long since the first attempt. */
  readonly maxRetryTimeMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  retries: 6,
  minTimeoutMs: 500,
  maxTimeoutMs: 10_000,
  factor: 2,
  maxRetryTimeMs: 30_000,
});

export type StatusOutcome = 'delivered' | 'retry' | 'bail';

/**
 * What an HTTP status means for a notification. 408 (timeout), 425 (too early) and 429 (rate
 * limited) are transient even though they are 4xx; redirects are not followed for a POST and so
 * count as a misconfigured URL.
 */
export function classifyStatus(status: number): StatusOutcome {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 408 || status === 425 || status === 429 || status >= 500) return 'retry';
  return 'bail';
}

export interface RetryHooks {
  /** Called before each retry with the failure that caused it (attempt is 1-based). */
  readonly onRetry?: (error: unknown, attempt: number) => void;
  readonly signal?: AbortSignal;
}

/**
 * Runs `attempt` until it resolves, it throws an error that is not retriable (an SlbError with
 * retriable false), or the policy is exhausted; rejects with the last error.
 */
export async function withRetry<T>(attempt: (attemptNumber: number) => Promise<T>, policy: RetryPolicy, hooks: RetryHooks = {}): Promise<T> {
  return pRetry(attempt, {
    retries: policy.retries,
    minTimeout: policy.minTimeoutMs,
    maxTimeout: policy.maxTimeoutMs,
    factor: policy.factor,
    maxRetryTime: policy.maxRetryTimeMs,
    randomize: true,
    unref: true,
    ...(hooks.signal === undefined ? {} : { signal: hooks.signal }),
    shouldRetry: ({ error }) => isRetriable(error),
    onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
      if (retriesLeft > 0 && isRetriable(error)) hooks.onRetry?.(error, attemptNumber);
    },
  });
}

function isRetriable(error: unknown): boolean {
  // Our senders wrap every failure in an SlbError; anything else is a bug, not worth retrying.
  return isSlbError(error) && error.retriable;
}
