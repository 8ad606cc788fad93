import type { ProxyView } from '../windows/types.js';
import type { ScoringInstanceInput } from './types.js';
import { weightedMedian } from './weighted-median.js';

/** What the success term judges about one instance (docs/scoring.md, "success"). */
export interface FailureEvidence {
  readonly requests: number;
  /** Every error, every proxy summed: what the proxies saw, before any judgement. */
  readonly errors: number;
  /** Errors the instance answered itself (5xx): its own, summed over every proxy. */
  readonly ownErrors: number;
  /** Connect failures, timeouts and resets, summed over every proxy. */
  readonly localFailures: number;
  /** The requests-weighted median over the proxies' views of their local-failure rate (the lower of two equal views). */
  readonly localFailureRate: number;
  /** Proxy views with traffic that the median was taken over (1: the merged figures). */
  readonly localViews: number;
  /** Of those, the views that saw any local failure. */
  readonly viewsWithLocalFailures: number;
  /** localFailureRate + (1 - localFailureRate) x the 5xx share of answered requests. */
  readonly judgedErrorRate: number;
}

/**
 * Failures are judged where they come from. A 5xx is the instance's own answer, whichever proxy
 * carried it, so 5xx are summed. A connect failure, timeout or reset says that one proxy could
 * not get an answer: that may be the instance, or that proxy's path to it. So, like a latency
 * gap, the local-failure rate is taken per proxy view and the requests-weighted median of the
 * views is what counts: a minority of proxies cannot condemn an instance the others reach fine
 * (the proxy that cannot reach it avoids it by its own outlier detection).
 *
 * With one view this is exactly errors / requests.
 */
export function failureEvidence(i: ScoringInstanceInput): FailureEvidence {
  const localFailures = i.errors.connectFailures + i.errors.timeouts + i.errors.resets;
  // errorTotal, not status5xx: what is not a local failure is an answer the instance gave.
  const ownErrors = Math.max(0, i.errorTotal - localFailures);
  const views = (i.byProxy ?? []).filter((v) => v.requests > 0);
  const rate = (v: ProxyView): number => Math.min(1, v.localFailures / v.requests);
  let localFailureRate = i.requests > 0 ? Math.min(1, localFailures / i.requests) : 0;
  if (views.length > 0) {
    const median = weightedMedian(views, rate, (v) => v.requests, (v) => v.proxyId);
    if (median !== undefined) localFailureRate = rate(median);
  }
  const answered = i.requests - localFailures;
  const ownRate = answered > 0 ? Math.min(1, ownErrors / answered) : 0;
  return {
    requests: i.requests,
    errors: i.errorTotal,
    ownErrors,
    localFailures,
    localFailureRate,
    localViews: Math.max(1, views.length),
    viewsWithLocalFailures: views.length > 0 ? views.filter((v) => v.localFailures > 0).length : localFailures > 0 ? 1 : 0,
    judgedErrorRate: i.requests > 0 ? localFailureRate + (1 - localFailureRate) * ownRate : 0,
  };
}
