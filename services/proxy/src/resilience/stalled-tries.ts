import type { OutlierEvent } from './outlier-detector.js';
import { shouldRetry, type RetryVerdict } from './retry-policy.js';

/**
 * What becomes of the tries still waiting on an instance when it is ejected as stalled
 * (stall-detection.ts): they are cut short, as if their per-try timeout had fired, instead of
 * waiting for the overall timeout or for their clients to give up. The stall verdict is an
 * adaptive per-try timeout for the instance as a whole: it has been silent for
 * max(500 ms, 3 × typical latency) while its peers answered, and every try it holds is as stuck
 * as the oldest one. Envoy does the same on `per_try_timeout`: the try is reset and retried
 * if the retry policy allows, else the client gets a 504 ("upstream request timeout").
 *
 * Only a stall ejection cuts tries short. An instance ejected for refused connections or resets
 * fails its tries by itself within milliseconds (and they are retried as usual), and one ejected
 * for 5xx answers or a low success rate is answering: its waiting tries may well succeed. A
 * stall found but not ejected (max-ejection cap, enforcement) cuts nothing either: the verdict
 * did not take the instance out, so it does not take its tries out.
 *
 * Pure: the data path says what it knows of each try; the verdict reuses the retry policy.
 */

/** Whether this outlier event cuts short the tries waiting on its instance: a stall ejection. */
export function cutsWaitingTries(e: OutlierEvent): boolean {
  return e.type === 'eject' && e.reason === 'stalled';
}

/** One try of a request to the instance just ejected as stalled, as the data path sees it. */
export interface WaitingTry {
  /** Its response headers came (it streams to the client, or is read to the end for a retry). */
  readonly answered: boolean;
  /** Another try of the same request (a hedge) is still running on another instance. */
  readonly otherTryRunning: boolean;
  readonly method: string;
  /** Any of the request may have reached the instance (undici put it on a connection). */
  readonly sent: boolean;
  /**
   * The request has no body. A body cannot be sent again once the cut try has it: undici reads
   * it, or still holds it and destroys it when it drops the try.
   */
  readonly bodiless: boolean;
  /** Tries made so far, this one included. */
  readonly attempts: number;
  readonly maxAttempts: number;
  /** The request's overall deadline has not passed. */
  readonly timeLeft: boolean;
}

export type CutVerdict =
  /** Answered: it is not waiting on the instance, and goes on. */
  | { readonly action: 'keep' }
  /** Cut; the request's other try (a hedge) answers it. */
  | { readonly action: 'drop' }
  /** Cut, and retried at once on another instance (when the retry budget has room). */
  | { readonly action: 'retry' }
  /** Cut, and the client gets a 504. */
  | { readonly action: 'fail'; readonly reason: Exclude<RetryVerdict, { retry: true }>['reason'] | 'body-not-replayable' | 'deadline' };

const KEEP: CutVerdict = Object.freeze({ action: 'keep' });
const DROP: CutVerdict = Object.freeze({ action: 'drop' });
const RETRY: CutVerdict = Object.freeze({ action: 'retry' });

export function cutVerdict(t: WaitingTry): CutVerdict {
  if (t.answered) return KEEP;
  if (t.otherTryRunning) return DROP;
  // A cut try is a timeout: retried when unsent, else only for idempotent methods.
  const v = shouldRetry({ method: t.method, failure: { localFailure: 'timeout', sent: t.sent }, attempts: t.attempts, maxAttempts: t.maxAttempts });
  if (!v.retry) return { action: 'fail', reason: v.reason };
  if (!t.bodiless) return { action: 'fail', reason: 'body-not-replayable' };
  if (!t.timeLeft) return { action: 'fail', reason: 'deadline' };
  return RETRY;
}
