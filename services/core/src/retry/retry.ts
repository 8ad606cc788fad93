/**
 * The one retrier of the project: exponential backoff with jitter (p-retry; `randomize` multiplies
 * each delay by a factor in [1, 2)), bounded in attempts and in total time, giving up at once on
 * an error that says no retry can help. Kafka start-up steps, webhook deliveries and control-plane
 * watches all retry through it.
 */
import pRetry from 'p-retry';
import { isSlbError } from '../errors/slb-error.js';

export interface RetryPolicy {
  /** Retries after the first attempt. */
  readonly retries: number;
  readonly minTimeoutMs: number;
  readonly maxTimeoutMs: number;
  readonly factor: number;
  /** No retry starts after this long since the first attempt (default: no limit). */
  readonly maxRetryTimeMs?: number;
}

export interface RetryHooks {
  /** Which failures are worth another attempt (default: isRetriable). */
  readonly isRetriable?: (error: unknown) => boolean;
  /** Called before each retry with the failure that caused it (attempt is 1-based). */
  readonly onRetry?: (error: unknown, attempt: number) => void;
  readonly signal?: AbortSignal;
}

/**
 * Whether an error says another attempt may succeed: an SlbError's `retriable`, or the
 * `retriable` flag kafkajs puts on its errors (a broker still electing leaders, say).
 */
export function isRetriable(error: unknown): boolean {
  if (isSlbError(error)) return error.retriable;
  return typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === true;
}

/**
 * What p-retry would not hand to `shouldRetry`: it gives up at once on a TypeError (other than a
 * network error) or a thrown non-Error, taking them for bugs. Carried through as an Error, so
 * that the caller's `isRetriable` decides about them like about anything else.
 */
class Thrown extends Error {
  constructor(readonly thrown: unknown) {
    super(thrown instanceof Error ? thrown.message : String(thrown), { cause: thrown });
  }
}

const original = (error: unknown): unknown => (error instanceof Thrown ? error.thrown : error);

/**
 * Runs `attempt` until it resolves, it throws an error that is not retriable, or the policy is
 * exhausted; rejects with the last error, as `attempt` threw it.
 */
export async function retry<T>(attempt: (attemptNumber: number) => Promise<T>, policy: RetryPolicy, hooks: RetryHooks = {}): Promise<T> {
  const retriable = hooks.isRetriable ?? isRetriable;
  const carried = async (n: number): Promise<T> => {
    try {
      return await attempt(n);
    } catch (error) {
      throw error instanceof Error && !(error instanceof TypeError) ? error : new Thrown(error);
    }
  };
  try {
    return await pRetry(carried, {
      retries: policy.retries,
      minTimeout: policy.minTimeoutMs,
      maxTimeout: policy.maxTimeoutMs,
      factor: policy.factor,
      ...(policy.maxRetryTimeMs === undefined ? {} : { maxRetryTime: policy.maxRetryTimeMs }),
      randomize: true,
      unref: true,
      ...(hooks.signal === undefined ? {} : { signal: hooks.signal }),
      shouldRetry: ({ error }) => retriable(original(error)),
      onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
        if (retriesLeft > 0 && retriable(original(error))) hooks.onRetry?.(original(error), attemptNumber);
      },
    });
  } catch (error) {
    throw original(error);
  }
}
