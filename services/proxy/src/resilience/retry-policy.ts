import type { LocalFailure } from './outlier-detector.js';

/**
 * When a failed try may be retried. A request that never reached the instance (connection
 * refused, connect timeout) is safe to retry whatever its method; one that was sent may have
 * had effects, so only idempotent methods (RFC 9110 §9.2.2) are retried after that.
 */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/**
 * Envoy's "gateway-error" set (the instance, or the path to it, failed, not the request) plus
 * 429 (HAProxy's `retry-on 429`, Envoy's retriable status codes): an instance that is full
 * answered, and another one may have room. The data path retries a 429 only on an instance
 * not tried yet (asking the same full instance again a few ms later is pointless).
 */
export const DEFAULT_RETRY_ON_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

export type TryFailure =
  | { readonly status: number }
  /** `sent`: whether any of the request reached the instance before the failure. */
  | { readonly localFailure: LocalFailure; readonly sent: boolean };

export type RetryVerdict =
  | { readonly retry: true }
  | { readonly retry: false; readonly reason: 'attempts-exhausted' | 'not-idempotent' | 'status-not-retriable' };

export interface RetryQuestion {
  readonly method: string;
  readonly failure: TryFailure;
  /** Tries made so far, including the one that just failed. */
  readonly attempts: number;
  /** Total tries allowed (1 = no retries). */
  readonly maxAttempts: number;
  readonly retryOnStatuses?: ReadonlySet<number>;
}

export function shouldRetry(q: RetryQuestion): RetryVerdict {
  if (q.attempts >= q.maxAttempts) return { retry: false, reason: 'attempts-exhausted' };
  const f = q.failure;
  if ('localFailure' in f && !f.sent) return { retry: true };
  if (!IDEMPOTENT_METHODS.has(q.method.toUpperCase())) return { retry: false, reason: 'not-idempotent' };
  if ('status' in f && !(q.retryOnStatuses ?? DEFAULT_RETRY_ON_STATUSES).has(f.status)) {
    return { retry: false, reason: 'status-not-retriable' };
  }
  return { retry: true };
}
