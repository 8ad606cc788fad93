import { activeCheckComponent, latencyComponent, saturationComponent, successComponent } from './components.js';
import { failureEvidence } from './failure-evidence.js';
import { latencyEvidence, servingInstances, type LatencyEvidence } from './latency-evidence.js';
import { PeerMedian } from './peer-median.js';
import { DEFAULT_SCORING_POLICY, type ScoringPolicy } from './scoring-policy.js';
import type { HealthScore, ScoreComponents, ScoringInstanceInput, ScoringServiceInput } from './types.js';

/** Below this a component is named in `reasons`. */
const REASON_BELOW = 0.9;

/**
 * Scores every instance of one service for one window (docs/scoring.md).
 *
 *   score = success^w_s * latency^w_l * activeCheck^w_a * saturation^w_sat   (sum of w = 1)
 *
 * Peers are only instances that are really serving (servingInstances). Local failures and latency
 * are judged per proxy view, then across proxies (failureEvidence, latencyEvidence). O(n log n) per service
 * and proxy view: peer baselines are leave-one-out medians over one sorted array.
 * `policy` must come from scoringPolicy() (weights normalized).
 */
export function scoreService(input: ScoringServiceInput, policy: ScoringPolicy = DEFAULT_SCORING_POLICY): HealthScore[] {
  const serving = servingInstances(input.instances, policy);
  const latency = latencyEvidence(input.instances, serving, policy);
  // Saturation peers: serving, with enough traffic for in-flight per request to mean something.
  const isLoadPeer = (i: ScoringInstanceInput, k: number): boolean => (serving[k] as boolean) && i.requests >= policy.minPeerRequests;
  const perRequest = (i: ScoringInstanceInput): number => i.inFlight / Math.max(1, i.requests);
  const loadPeers = new PeerMedian(input.instances.filter(isLoadPeer).map(perRequest));

  return input.instances.map((inst, k) => {
    const loadMember = isLoadPeer(inst, k);
    const loadPeerCount = loadPeers.size - (loadMember ? 1 : 0);
    const w = policy.weights;
    const lat = latencyComponent(latency[k] as LatencyEvidence, policy);
    const components: ScoreComponents = {
      success: { ...successComponent(failureEvidence(inst), policy), weight: w.success },
      latency: { ...lat, weight: w.latency },
      activeCheck: { ...activeCheckComponent(inst.check, policy), weight: w.activeCheck },
      saturation: {
        ...saturationComponent(inst.inFlight, inst.requests, loadPeers.withoutOwn(perRequest(inst), loadMember), loadPeerCount, policy),
        weight: w.saturation,
      },
    };
    return {
      serviceId: input.serviceId,
      instanceId: inst.instanceId,
      windowStartMs: input.windowStartMs,
      windowEndMs: input.windowEndMs,
      score: combine(components),
      components,
      reasons: reasonsFor(components),
      notes: notesFor(components),
      sources: inst.sources ?? [],
    };
  });
}

/** Weighted geometric mean; a component at 0 with a positive weight vetoes (score 0). */
export function combine(c: ScoreComponents): number {
  let logSum = 0;
  for (const comp of [c.success, c.latency, c.activeCheck, c.saturation]) {
    if (comp.weight === 0) continue;
    if (comp.value <= 0) return 0;
    logSum += comp.weight * Math.log(Math.min(1, comp.value));
  }
  return Math.min(1, Math.max(0, Math.exp(logSum)));
}

const fmt = (n: number): string => (Math.abs(n) >= 100 ? n.toFixed(0) : n.toPrecision(3));

function reasonsFor(c: ScoreComponents): string[] {
  const out: string[] = [];
  if (c.success.value < REASON_BELOW) {
    const i = c.success.inputs;
    const judged = Math.abs(i.judgedErrorRate - i.errorRate) > 1e-9 ? `, judged ${fmt(i.judgedErrorRate * 100)} % (local failures: median of ${i.localViews} proxies' views)` : '';
    out.push(`success ${fmt(c.success.value)}: ${i.errors} errors in ${i.requests} requests (${fmt(i.errorRate * 100)} %)${judged}`);
  }
  if (c.latency.value < REASON_BELOW) {
    const i = c.latency.inputs;
    if (i.relativeValue < REASON_BELOW && i.gapMs !== null && i.peerMedianP95Ms !== null) {
      const ratio = i.ratio === null ? '' : `, ${fmt(i.ratio)}x`;
      const of = i.views > 1 ? ` (median of ${i.views} proxies' views)` : '';
      out.push(`latency ${fmt(i.relativeValue)}: p95 ${fmt(i.gapMs)} ms above the median of ${i.peers} serving peers (${fmt(i.peerMedianP95Ms)} ms)${ratio}${of}`);
    }
    if (i.sloValue < REASON_BELOW && i.sloP95Ms !== null) out.push(`latency ${fmt(i.sloValue)}: p95 ${fmt(i.p95Ms ?? 0)} ms exceeds the SLO of ${fmt(i.sloP95Ms)} ms`);
  }
  if (c.activeCheck.value < REASON_BELOW) {
    const i = c.activeCheck.inputs;
    out.push(`active checks ${i.status} (${i.rule}: ${i.healthy} healthy, ${i.unhealthy} unhealthy, ${i.degraded} degraded)`);
  }
  if (c.saturation.value < REASON_BELOW) {
    const i = c.saturation.inputs;
    out.push(`saturation ${fmt(c.saturation.value)}: ${i.inFlight} in flight, ${fmt(i.ratio ?? 0)}x the ${fmt(i.expectedInFlight ?? 0)} its serving peers would have at its traffic`);
  }
  return out;
}

/** What was seen but not held against the instance, and what could not be judged: said, not scored. */
function notesFor(c: ScoreComponents): string[] {
  const out: string[] = [];
  const s = c.success.inputs;
  const notHeld = s.localFailures - s.localFailureRate * s.requests;
  if (notHeld >= 0.5) {
    out.push(
      `success judged per proxy: ${Math.round(notHeld)} of ${s.localFailures} connect failures, timeouts and resets not held against it ` +
        `(seen through ${s.viewsWithLocalFailures} of ${s.localViews} proxies; the median proxy view has ${fmt(s.localFailureRate * 100)} %)`,
    );
  }
  if (c.latency.inputs.notJudged !== null) out.push(c.latency.inputs.notJudged);
  return out;
}
