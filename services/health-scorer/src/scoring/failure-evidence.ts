import type { ProxyView } from '../windows/types.js';
import type { FailureEvidence, ScoringInstanceInput } from './types.js';
import { weightedMedian } from './weighted-median.js';

/** Connect failures, timeouts and resets: requests the instance never answered, every proxy summed. */
export const localFailuresOf = (i: ScoringInstanceInput): number => i.errors.connectFailures + i.errors.timeouts + i.errors.resets;

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
  const localFailures = localFailuresOf(i);
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
