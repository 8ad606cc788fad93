import { ConfigCheck, isPercent, isPositive } from './config-check.js';

/**
 * Which instances are stalled: they have requests in flight that get no answer (no response
 * headers) while their peers keep answering. Neither consecutive failures nor success rates see
 * this fault, since a hung instance (it accepts connections and never answers) produces no
 * outcome at all until its requests time out; a least-request or peak-EWMA balancer avoids it
 * for a while (its in-flight count grows) and then picks it again as soon as its requests end
 * because their clients gave up. Envoy's outlier detection has no such detector; Finagle's
 * failure accrual and HAProxy's `observe layer7` also act only on outcomes.
 *
 * An instance is stalled when, at one scan:
 * - it has at least one unanswered try, and it has been *silent* (no answer, while a try waited)
 *   for at least max(floorMs, latencyFactor × typical latency), where silent = min(age of its
 *   oldest unanswered try, time since its last answer), and typical = max(its own recent p99
 *   time to first byte, the median of its peers' recent p99s): an instance that keeps answering
 *   other requests is not stalled however long one of them runs, and a service or an instance
 *   whose answers normally take long gets a threshold as long;
 * - its peers keep answering: at least one peer that is not silent past its own threshold has
 *   answered since this instance went silent, and such peers are at least as many as the peers
 *   that are silent too. When every instance is silent (a slow service, a stall of the proxy's
 *   own event loop, a network problem on the proxy's side) nobody is stalled;
 * - the service has answered at least `minLatencySamples` requests recently (without them there
 *   is no telling what a normal latency is), and the scan itself ran on time (within
 *   `maxScanLagMs` of its interval): a late scan means the proxy was stalled, and the answers
 *   that came meanwhile are still waiting in its sockets.
 * Pure: ages and durations are arguments; the caller measures them.
 */

export interface StallDetectionConfig {
  /** Never stalled before this much silence, however fast the service normally answers. */
  readonly floorMs: number;
  /** Silence must also reach this many times the typical latency. */
  readonly latencyFactor: number;
  /** The quantile of recent latencies that is "typical" (per instance). */
  readonly latencyQuantile: number;
  /** Answers the service must have given recently (own and peers') before anything is judged. */
  readonly minLatencySamples: number;
  /** A scan later than its interval by more than this judges nothing (the proxy itself stalled). */
  readonly maxScanLagMs: number;
  /** Percent chance a stall found is enforced (as Envoy's enforcing_*); 0 turns the detector off. */
  readonly enforcingStalled: number;
}

export const DEFAULT_STALL_DETECTION: StallDetectionConfig = Object.freeze({
  floorMs: 500,
  latencyFactor: 3,
  latencyQuantile: 0.99,
  minLatencySamples: 20,
  maxScanLagMs: 100,
  enforcingStalled: 100,
});

export function resolveStallDetection(raw: Partial<StallDetectionConfig> = {}): StallDetectionConfig {
  const c = new ConfigCheck('stall detection');
  const d = DEFAULT_STALL_DETECTION;
  const out: StallDetectionConfig = Object.freeze({
    floorMs: c.number('floorMs', raw.floorMs, d.floorMs, isPositive, '> 0'),
    latencyFactor: c.number('latencyFactor', raw.latencyFactor, d.latencyFactor, isPositive, '> 0'),
    latencyQuantile: c.number('latencyQuantile', raw.latencyQuantile, d.latencyQuantile, (v) => v > 0 && v <= 1, 'in (0, 1]'),
    minLatencySamples: c.number('minLatencySamples', raw.minLatencySamples, d.minLatencySamples, (v) => Number.isInteger(v) && v >= 0, 'an integer >= 0'),
    maxScanLagMs: c.number('maxScanLagMs', raw.maxScanLagMs, d.maxScanLagMs, (v) => v >= 0, '>= 0'),
    enforcingStalled: c.number('enforcingStalled', raw.enforcingStalled, d.enforcingStalled, isPercent, 'in [0, 100]'),
  });
  c.done();
  return out;
}

/** What the proxy sees of one instance at a scan. */
export interface InstanceActivity {
  readonly id: string;
  /** Tries sent (or queued) to it that have no response headers yet. */
  readonly unanswered: number;
  /** Age of the oldest of them (0 when none). */
  readonly oldestUnansweredMs: number;
  /** Since its last answer (response headers); Infinity when it never answered. */
  readonly sinceAnswerMs: number;
  /** Its recent `latencyQuantile` time to response headers; undefined without samples. */
  readonly typicalMs: number | undefined;
  /** How many recent answers `typicalMs` is based on. */
  readonly samples: number;
}

export interface StallFinding {
  readonly id: string;
  /** The figures of the verdict, for "why was this instance ejected?". */
  readonly evidence: Readonly<Record<string, number>>;
}

/** How long the instance has waited on a try without answering anything (0 when idle). */
export function silenceMs(a: InstanceActivity): number {
  return a.unanswered > 0 ? Math.min(a.oldestUnansweredMs, a.sinceAnswerMs) : 0;
}

/** Whether any instance is silent past the floor: below it nobody can be stalled, and the typical latencies need not be computed. */
export function anySilentPastFloor(instances: readonly InstanceActivity[], cfg: StallDetectionConfig = DEFAULT_STALL_DETECTION): boolean {
  return cfg.enforcingStalled > 0 && instances.some((a) => silenceMs(a) >= cfg.floorMs);
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  values.sort((a, b) => a - b);
  const mid = values.length >> 1;
  return values.length % 2 === 1 ? values[mid] : ((values[mid - 1] as number) + (values[mid] as number)) / 2;
}

/**
 * The stalled instances of one service. `scanLateByMs`: how much later than its interval this
 * scan ran (the proxy's own event-loop lag).
 */
export function findStalls(instances: readonly InstanceActivity[], scanLateByMs: number, cfg: StallDetectionConfig = DEFAULT_STALL_DETECTION): StallFinding[] {
  if (!anySilentPastFloor(instances, cfg) || scanLateByMs > cfg.maxScanLagMs) return [];
  let samples = 0;
  for (const a of instances) samples += a.samples;
  if (samples < cfg.minLatencySamples) return [];
  const thresholds = instances.map((a, i) => {
    const peers: number[] = [];
    instances.forEach((p, j) => {
      if (j !== i && p.typicalMs !== undefined) peers.push(p.typicalMs);
    });
    const typical = Math.max(a.typicalMs ?? 0, median(peers) ?? 0);
    return { typical, threshold: Math.max(cfg.floorMs, cfg.latencyFactor * typical) };
  });
  const silent = instances.map(silenceMs);
  const over = instances.map((a, i) => a.unanswered > 0 && (silent[i] as number) >= thresholds[i]!.threshold);
  const found: StallFinding[] = [];
  instances.forEach((a, i) => {
    if (!over[i]) return;
    const silence = silent[i] as number;
    let answering = 0;
    let silentPeers = 0;
    instances.forEach((p, j) => {
      if (j === i) return;
      if (over[j]) silentPeers++;
      else if (p.sinceAnswerMs < silence) answering++;
    });
    if (answering === 0 || answering < silentPeers) return;
    const { typical, threshold } = thresholds[i]!;
    found.push({
      id: a.id,
      evidence: { silentMs: Math.round(silence), unanswered: a.unanswered, thresholdMs: Math.round(threshold), typicalMs: Math.round(typical), answeringPeers: answering, silentPeers },
    });
  });
  return found;
}
