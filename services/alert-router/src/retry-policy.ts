/**
 * Delivery retries: core's retrier (exponential backoff with jitter), bounded in attempts and
 * total time, with a bail on answers that retrying cannot fix (most 4xx: the receiver refused
 * this payload or our credentials).
 */
import { isSlbError } from '@slb/core/errors';
import { retry, type RetryHooks, type RetryPolicy } from '@slb/core/retry';

export type { RetryPolicy };

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

/**
 * Runs `attempt` until it resolves, it throws an error that is not retriable (an SlbError with
 * retriable false), or the policy is exhausted; rejects with the last error. Core's retrier with
 * this router's rule: our senders wrap every failure in an SlbError; anything else is a bug, not
 * worth retrying.
 */
export async function withRetry<T>(attempt: (attemptNumber: number) => Promise<T>, policy: RetryPolicy, hooks: Omit<RetryHooks, 'isRetriable'> = {}): Promise<T> {
  return retry(attempt, policy, { ...hooks, isRetriable: (error) => isSlbError(error) && error.retriable });
}
