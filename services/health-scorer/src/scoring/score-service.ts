import { activeCheckComponent, latencyComponent, saturationComponent, successComponent } from './components.js';
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
 * O(n log n) per service: peer baselines are leave-one-out medians over one sorted array.
 * `policy` must come from scoringPolicy() (weights normalized).
 */
export function scoreService(input: ScoringServiceInput, policy: ScoringPolicy = DEFAULT_SCORING_POLICY): HealthScore[] {
  const isLatencyPeer = (i: ScoringInstanceInput): boolean =>
    i.latencyMs !== null &&
    i.requests >= policy.minPeerRequests &&
    i.check.status !== 'UNHEALTHY' &&
    i.errorTotal / Math.max(1, i.requests) <= policy.peerMaxErrorRate;
  const isLoadPeer = (i: ScoringInstanceInput): boolean => i.requests >= policy.minPeerRequests || i.inFlight > 0;

  const latencyPeers = new PeerMedian(input.instances.filter(isLatencyPeer).map((i) => (i.latencyMs as { p95: number }).p95));
  const loadPeers = new PeerMedian(input.instances.filter(isLoadPeer).map((i) => i.inFlight));

  return input.instances.map((inst) => {
    const latencyMember = isLatencyPeer(inst);
    const loadMember = isLoadPeer(inst);
    // A p95 of a handful of requests is one slow request, not evidence: below minPeerRequests
    // the instance has no latency signal (neither relative nor SLO).
    const p95 = inst.requests >= policy.minPeerRequests ? (inst.latencyMs?.p95 ?? null) : null;
    const latPeerCount = latencyPeers.size - (latencyMember ? 1 : 0);
    const loadPeerCount = loadPeers.size - (loadMember ? 1 : 0);
    const w = policy.weights;
    const components: ScoreComponents = {
      success: { ...successComponent(inst.requests, inst.errorTotal, policy), weight: w.success },
      latency: {
        ...latencyComponent(p95, p95 === null ? null : latencyPeers.withoutOwn(p95, latencyMember), latPeerCount, policy),
        weight: w.latency,
      },
      activeCheck: { ...activeCheckComponent(inst.check, policy), weight: w.activeCheck },
      saturation: { ...saturationComponent(inst.inFlight, loadPeers.withoutOwn(inst.inFlight, loadMember), loadPeerCount, policy), weight: w.saturation },
    };
    return {
      serviceId: input.serviceId,
      instanceId: inst.instanceId,
      windowStartMs: input.windowStartMs,
      windowEndMs: input.windowEndMs,
      score: combine(components),
      components,
      reasons: reasonsFor(components),
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
    out.push(`success ${fmt(c.success.value)}: ${i.errors} errors in ${i.requests} requests (${fmt(i.errorRate * 100)} %)`);
  }
  if (c.latency.value < REASON_BELOW) {
    const i = c.latency.inputs;
    if (i.relativeValue < REASON_BELOW && i.ratio !== null && i.peerMedianP95Ms !== null) {
      out.push(`latency ${fmt(i.relativeValue)}: p95 ${fmt(i.p95Ms ?? 0)} ms is ${fmt(i.ratio)}x the median of ${i.peers} healthy peers (${fmt(i.peerMedianP95Ms)} ms)`);
    }
    if (i.sloValue < REASON_BELOW && i.sloP95Ms !== null) out.push(`latency ${fmt(i.sloValue)}: p95 ${fmt(i.p95Ms ?? 0)} ms exceeds the SLO of ${fmt(i.sloP95Ms)} ms`);
  }
  if (c.activeCheck.value < REASON_BELOW) {
    const i = c.activeCheck.inputs;
    out.push(`active checks ${i.status} (${i.rule}: ${i.healthy} healthy, ${i.unhealthy} unhealthy, ${i.degraded} degraded)`);
  }
  if (c.saturation.value < REASON_BELOW) {
    const i = c.saturation.inputs;
    out.push(`saturation ${fmt(c.saturation.value)}: ${i.inFlight} in flight vs peers' median ${fmt(i.peerMedianInFlight ?? 0)}`);
  }
  return out;
}
