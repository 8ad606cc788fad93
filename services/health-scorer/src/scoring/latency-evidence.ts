import type { ProxyView } from '../windows/types.js';
import { localFailuresOf } from './failure-evidence.js';
import { PeerMedian } from './peer-median.js';
import type { ScoringPolicy } from './scoring-policy.js';
import type { ScoringInstanceInput } from './types.js';

/** The id of the view with every proxy merged (used when no single proxy saw enough). */
const ALL_PROXIES = '*';

/** One proxy's view of an instance, set against the serving peers as that same proxy saw them. */
export interface ViewJudgement {
  readonly proxyId: string;
  readonly p95Ms: number;
  /** Latency samples behind p95Ms: the weight of this view. */
  readonly samples: number;
  readonly peerMedianP95Ms: number;
  readonly peers: number;
}

export interface LatencyEvidence {
  /** Fleet-wide p95 (every proxy merged); null with fewer than minPeerRequests samples. */
  readonly p95Ms: number | null;
  /** Answered requests, every proxy together. */
  readonly samples: number;
  /** Views with enough samples and at least minLatencyPeers serving peers. */
  readonly judgements: readonly ViewJudgement[];
  /** The most serving peers any of its views had (says why nothing was judged). */
  readonly mostPeers: number;
}

/** Answered requests: connect failures, timeouts and resets leave no latency sample. */
const samplesOf = (v: ProxyView): number => v.requests - v.localFailures;

function mergedView(i: ScoringInstanceInput): ProxyView {
  return { proxyId: ALL_PROXIES, requests: i.requests, errorTotal: i.errorTotal, localFailures: localFailuresOf(i), p95Ms: i.latencyMs?.p95 ?? null };
}

/**
 * Which instances are really serving, fleet-wide: active checks not UNHEALTHY or DEGRADED, and
 * errors and local failures (connect failures, timeouts, resets) within the peer limits. Only
 * these set baselines; a dying instance's last fast answers must not judge the survivors.
 */
export function servingInstances(instances: readonly ScoringInstanceInput[], p: ScoringPolicy): boolean[] {
  return instances.map((i) => i.check.status !== 'UNHEALTHY' && i.check.status !== 'DEGRADED' && isServingView(mergedView(i), p));
}

function isServingView(v: ProxyView, p: ScoringPolicy): boolean {
  return v.errorTotal <= p.peerMaxErrorRate * v.requests && v.localFailures <= p.peerMaxLocalFailureRate * v.requests;
}

/**
 * The latency evidence of every instance of one service window (docs/scoring.md, "latency").
 *
 * Each proxy's view of an instance is compared with that same proxy's view of the serving peers
 * (leave-one-out median), so a CPU-starved proxy, which measures every upstream slow, moves an
 * instance and its baseline together. A view counts with at least minPeerRequests samples; an
 * instance no single proxy saw enough of is judged on the merged figures of every instance
 * (view '*'). O(n log n) per proxy view: one sorted array each.
 */
export function latencyEvidence(instances: readonly ScoringInstanceInput[], serving: readonly boolean[], p: ScoringPolicy): LatencyEvidence[] {
  const hasSignal = (v: ProxyView): v is ProxyView & { p95Ms: number } => v.p95Ms !== null && samplesOf(v) >= p.minPeerRequests;
  const merged = instances.map(mergedView);
  const judged = instances.map((i, k): ProxyView[] => {
    const own = (i.byProxy ?? []).filter(hasSignal);
    if (own.length > 0) return own;
    const all = merged[k] as ProxyView;
    return hasSignal(all) ? [all] : [];
  });
  const viewIds = new Set(judged.flatMap((views) => views.map((v) => v.proxyId)));
  const isBaseline = (k: number, v: ProxyView): boolean => (serving[k] as boolean) && hasSignal(v) && isServingView(v, p);

  const values = new Map<string, number[]>();
  instances.forEach((inst, k) => {
    const views = viewIds.has(ALL_PROXIES) ? [...(inst.byProxy ?? []), merged[k] as ProxyView] : (inst.byProxy ?? []);
    for (const v of views) {
      if (!viewIds.has(v.proxyId) || !isBaseline(k, v)) continue;
      let list = values.get(v.proxyId);
      if (list === undefined) values.set(v.proxyId, (list = []));
      list.push(v.p95Ms as number);
    }
  });
  const baselines = new Map([...values].map(([proxyId, list]) => [proxyId, new PeerMedian(list)]));

  return instances.map((_, k) => {
    const all = merged[k] as ProxyView;
    const judgements: ViewJudgement[] = [];
    let mostPeers = 0;
    for (const v of judged[k] as ProxyView[]) {
      const p95 = v.p95Ms as number;
      const peers = baselines.get(v.proxyId);
      if (peers === undefined) continue;
      const member = isBaseline(k, v);
      const count = peers.size - (member ? 1 : 0);
      mostPeers = Math.max(mostPeers, count);
      const median = peers.withoutOwn(p95, member);
      if (count < p.minLatencyPeers || median === null) continue;
      judgements.push({ proxyId: v.proxyId, p95Ms: p95, samples: samplesOf(v), peerMedianP95Ms: median, peers: count });
    }
    return { p95Ms: hasSignal(all) ? all.p95Ms : null, samples: samplesOf(all), judgements, mostPeers };
  });
}
