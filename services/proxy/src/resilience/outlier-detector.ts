import { ConfigCheck, isCount, isNonNegative, isPercent, isPositive } from './config-check.js';
import { resolveStallDetection, type StallDetectionConfig } from './stall-detection.js';
import { TOO_MANY_REQUESTS } from './throttle-hold.js';

/**
 * Passive outlier detection with Envoy's semantics (config.cluster.v3.OutlierDetection):
 * - consecutive 5xx (responses >= 500 and local failures) and consecutive gateway failures
 *   (502, 503, 504 and local failures: refused, reset, timeout) eject inline; a 4xx is the
 *   client's and counts as a success (as in Envoy), a 499 (the client left) and a 429 (the
 *   instance is full: throttle-hold.ts holds it back instead) not at all;
 * - success rate (mean − factor × stdev across instances) and failure percentage are judged
 *   once per interval, only over instances with enough requests and only when enough
 *   instances qualify;
 * - an ejection lasts base × (times ejected), capped at max; the multiplier drops by one for
 *   each interval the instance stays in; instances return when their time is up;
 * - ejections never exceed maxEjectionPercent of the instances, except that one instance may
 *   always be ejected (Envoy's rule, also gRPC's);
 * - a stalled instance (stall-detection.ts: requests in flight and no answer while its peers
 *   answer) is ejected through `ejectStalled` by the caller's scan, with the same cap, back-off
 *   and events as every other reason;
 * - an ejected instance whose active health check failed after its ejection comes back when
 *   the check passes again (`activeCheckResult`), not only when its time is up.
 * Pure: time is a parameter, the enforcement dice are injected. The caller applies events to
 * the balancer (`setHealth(id, false, now, 'outlier')`) and calls `tick` on a timer so
 * instances return even when no traffic reaches them.
 */

export type LocalFailure = 'connect' | 'reset' | 'timeout';
/** What one request to an instance ended with: an HTTP status, or a failure of our own side. */
export type RequestOutcome = { readonly status: number } | { readonly localFailure: LocalFailure };
export type EjectionReason = 'consecutive-5xx' | 'consecutive-gateway-failure' | 'success-rate' | 'failure-percentage' | 'stalled';

export interface OutlierDetectionConfig {
  readonly intervalMs: number;
  readonly baseEjectionTimeMs: number;
  readonly maxEjectionTimeMs: number;
  readonly maxEjectionPercent: number;
  /** 0 disables the detector. */
  readonly consecutive5xx: number;
  readonly enforcingConsecutive5xx: number;
  readonly consecutiveGatewayFailure: number;
  readonly enforcingConsecutiveGatewayFailure: number;
  readonly successRateMinimumHosts: number;
  readonly successRateRequestVolume: number;
  /** Envoy's success_rate_stdev_factor / 1000: threshold = mean − factor × stdev. */
  readonly successRateStdevFactor: number;
  readonly enforcingSuccessRate: number;
  /** Eject when the failure percentage is at or above this. */
  readonly failurePercentageThreshold: number;
  readonly failurePercentageMinimumHosts: number;
  readonly failurePercentageRequestVolume: number;
  readonly enforcingFailurePercentage: number;
  /** The stall detector's settings (stall-detection.ts; not in ConfigUpdate: its defaults apply). */
  readonly stall: StallDetectionConfig;
}

/** What the detector is built from: any subset of the settings, the stall ones too. */
export type OutlierDetectionInput = Partial<Omit<OutlierDetectionConfig, 'stall'>> & { readonly stall?: Partial<StallDetectionConfig> };

/**
 * Envoy's defaults, except that consecutive gateway failures and failure percentage are
 * enforced (Envoy ships them at 0 %): an instance that refuses connections should go at once.
 */
export const DEFAULT_OUTLIER_DETECTION: OutlierDetectionConfig = Object.freeze({
  intervalMs: 10_000,
  baseEjectionTimeMs: 30_000,
  maxEjectionTimeMs: 300_000,
  maxEjectionPercent: 10,
  consecutive5xx: 5,
  enforcingConsecutive5xx: 100,
  consecutiveGatewayFailure: 5,
  enforcingConsecutiveGatewayFailure: 100,
  successRateMinimumHosts: 5,
  successRateRequestVolume: 100,
  successRateStdevFactor: 1.9,
  enforcingSuccessRate: 100,
  failurePercentageThreshold: 85,
  failurePercentageMinimumHosts: 5,
  failurePercentageRequestVolume: 50,
  enforcingFailurePercentage: 100,
  stall: resolveStallDetection(),
});

export function resolveOutlierDetection(raw: OutlierDetectionInput = {}): OutlierDetectionConfig {
  const c = new ConfigCheck('outlier detection');
  const d = DEFAULT_OUTLIER_DETECTION;
  type NumberKey = Exclude<keyof OutlierDetectionConfig, 'stall'>;
  const pct = (k: NumberKey) => c.number(k, raw[k], d[k], isPercent, 'in [0, 100]');
  const cnt = (k: NumberKey) => c.number(k, raw[k], d[k], isCount, 'an integer >= 0');
  const out: OutlierDetectionConfig = Object.freeze({
    intervalMs: c.number('intervalMs', raw.intervalMs, d.intervalMs, isPositive, '> 0'),
    baseEjectionTimeMs: c.number('baseEjectionTimeMs', raw.baseEjectionTimeMs, d.baseEjectionTimeMs, isPositive, '> 0'),
    maxEjectionTimeMs: c.number('maxEjectionTimeMs', raw.maxEjectionTimeMs, d.maxEjectionTimeMs, isPositive, '> 0'),
    maxEjectionPercent: pct('maxEjectionPercent'),
    consecutive5xx: cnt('consecutive5xx'),
    enforcingConsecutive5xx: pct('enforcingConsecutive5xx'),
    consecutiveGatewayFailure: cnt('consecutiveGatewayFailure'),
    enforcingConsecutiveGatewayFailure: pct('enforcingConsecutiveGatewayFailure'),
    successRateMinimumHosts: cnt('successRateMinimumHosts'),
    successRateRequestVolume: cnt('successRateRequestVolume'),
    successRateStdevFactor: c.number('successRateStdevFactor', raw.successRateStdevFactor, d.successRateStdevFactor, isNonNegative, '>= 0'),
    enforcingSuccessRate: pct('enforcingSuccessRate'),
    failurePercentageThreshold: pct('failurePercentageThreshold'),
    failurePercentageMinimumHosts: cnt('failurePercentageMinimumHosts'),
    failurePercentageRequestVolume: cnt('failurePercentageRequestVolume'),
    enforcingFailurePercentage: pct('enforcingFailurePercentage'),
    stall: resolveStallDetection(raw.stall),
  });
  c.done();
  return out;
}

export interface EjectEvent {
  readonly type: 'eject';
  readonly id: string;
  readonly reason: EjectionReason;
  readonly atMs: number;
  readonly untilMs: number;
  /** How many times this instance has been ejected (the backoff multiplier). */
  readonly ejectionCount: number;
  /** The figures the ejection was based on, for "why was this instance ejected?". */
  readonly evidence: Readonly<Record<string, number>>;
}
export interface UnejectEvent {
  readonly type: 'uneject';
  readonly id: string;
  readonly atMs: number;
  /** Its ejection time was up, or its active check passed again after failing. */
  readonly cause: 'time' | 'active-check';
}
/** An outlier was found but not ejected: the max-ejection percentage or enforcement said no. */
export interface SkippedEvent {
  readonly type: 'skipped';
  readonly id: string;
  readonly reason: EjectionReason;
  readonly cause: 'max-ejection-percent' | 'not-enforced';
  readonly atMs: number;
  readonly evidence: Readonly<Record<string, number>>;
}
export type OutlierEvent = EjectEvent | UnejectEvent | SkippedEvent;

interface HostState {
  consecutive5xx: number;
  consecutiveGateway: number;
  requests: number;
  failures: number;
  ejectedUntilMs: number | undefined;
  ejectionCount: number;
  ejectedThisInterval: boolean;
  /** Why it is ejected now, and on what figures (for the admin view). */
  ejection: { readonly reason: EjectionReason; readonly evidence: Readonly<Record<string, number>> } | undefined;
  /** Its active check failed since it was ejected: a passing check now proves it back. */
  checkFailedWhileEjected: boolean;
}

export interface OutlierHostSnapshot {
  readonly id: string;
  readonly ejected: boolean;
  readonly ejectedUntilMs: number | undefined;
  readonly ejectionCount: number;
  readonly consecutive5xx: number;
  readonly consecutiveGatewayFailures: number;
  readonly intervalRequests: number;
  readonly intervalFailures: number;
  /** Why it is ejected (undefined when it is not), and the figures the ejection was based on. */
  readonly ejectionReason?: EjectionReason | undefined;
  readonly ejectionEvidence?: Readonly<Record<string, number>> | undefined;
}

/** nginx's status for a request whose client closed the connection first. */
const CLIENT_CLOSED = 499;
const isGatewayStatus = (status: number): boolean => status === 502 || status === 503 || status === 504;

export class OutlierDetector {
  readonly config: OutlierDetectionConfig;
  private readonly hosts = new Map<string, HostState>();
  private nextIntervalAtMs: number | undefined;
  /** The earliest ejection end (Infinity when none): `record` runs per try and skips the host scan until then. */
  private nextUnejectAtMs = Infinity;

  constructor(
    config: OutlierDetectionInput = {},
    private readonly deps: { readonly random: () => number },
  ) {
    this.config = resolveOutlierDetection(config);
  }

  /** The instance list changed; new ones start clean, removed ones are forgotten. */
  setHosts(ids: readonly string[]): void {
    const keep = new Set(ids);
    for (const id of this.hosts.keys()) if (!keep.has(id)) this.hosts.delete(id);
    for (const id of ids) {
      if (!this.hosts.has(id)) {
        this.hosts.set(id, {
          consecutive5xx: 0,
          consecutiveGateway: 0,
          requests: 0,
          failures: 0,
          ejectedUntilMs: undefined,
          ejectionCount: 0,
          ejectedThisInterval: false,
          ejection: undefined,
          checkFailedWhileEjected: false,
        });
      }
    }
  }

  isEjected(id: string): boolean {
    return this.hosts.get(id)?.ejectedUntilMs !== undefined;
  }

  /** Records one request's outcome; returns the ejections (and due returns) it caused. */
  record(id: string, outcome: RequestOutcome, nowMs: number): OutlierEvent[] {
    const events = this.tick(nowMs);
    const h = this.hosts.get(id);
    if (h === undefined) return events;
    const local = 'localFailure' in outcome;
    // The client closed before the answer, or the instance declined the work (429, it is
    // full): says nothing about whether the instance does its work right, either way.
    if (!local && (outcome.status === CLIENT_CLOSED || outcome.status === TOO_MANY_REQUESTS)) return events;
    const is5xx = local || outcome.status >= 500;
    const isGateway = local || isGatewayStatus(outcome.status);
    h.requests++;
    if (is5xx) h.failures++;
    h.consecutive5xx = is5xx ? h.consecutive5xx + 1 : 0;
    h.consecutiveGateway = isGateway ? h.consecutiveGateway + 1 : 0;
    const cfg = this.config;
    // Gateway failures are also 5xx: check the more specific reason first.
    if (cfg.consecutiveGatewayFailure > 0 && h.consecutiveGateway >= cfg.consecutiveGatewayFailure) {
      this.tryEject(id, h, 'consecutive-gateway-failure', cfg.enforcingConsecutiveGatewayFailure, nowMs, { consecutive: h.consecutiveGateway }, events);
    } else if (cfg.consecutive5xx > 0 && h.consecutive5xx >= cfg.consecutive5xx) {
      this.tryEject(id, h, 'consecutive-5xx', cfg.enforcingConsecutive5xx, nowMs, { consecutive: h.consecutive5xx }, events);
    }
    return events;
  }

  /**
   * Returns instances whose ejection time is up and, once per interval, runs the success-rate
   * and failure-percentage sweeps. Safe to call as often as you like.
   */
  tick(nowMs: number): OutlierEvent[] {
    const events: OutlierEvent[] = [];
    if (nowMs >= this.nextUnejectAtMs) {
      let next = Infinity;
      for (const [id, h] of this.hosts) {
        if (h.ejectedUntilMs === undefined) continue;
        if (nowMs >= h.ejectedUntilMs) {
          this.restore(h);
          events.push({ type: 'uneject', id, atMs: nowMs, cause: 'time' });
        } else next = Math.min(next, h.ejectedUntilMs);
      }
      this.nextUnejectAtMs = next;
    }
    this.nextIntervalAtMs ??= nowMs + this.config.intervalMs;
    if (nowMs >= this.nextIntervalAtMs) {
      this.sweep(nowMs, events);
      this.nextIntervalAtMs = nowMs + this.config.intervalMs;
    }
    return events;
  }

  /**
   * The caller's scan found the instance stalled (stall-detection.ts `findStalls`): ejected like
   * any outlier, within the max-ejection cap, with the stall detector's enforcement percentage.
   */
  ejectStalled(id: string, evidence: Readonly<Record<string, number>>, nowMs: number): OutlierEvent[] {
    const events = this.tick(nowMs);
    const h = this.hosts.get(id);
    if (h !== undefined) this.tryEject(id, h, 'stalled', this.config.stall.enforcingStalled, nowMs, { ...evidence }, events);
    return events;
  }

  /**
   * One active health check result (`healthy`: the checker's state after it). An ejected
   * instance whose check failed since its ejection returns once the check passes and the
   * checker calls it healthy (Envoy's successful_active_health_check_uneject_host). Only
   * after a failure: a check that never failed (a TCP check on an instance that accepts and
   * never answers, a shallow /health on one that answers 5xx) says nothing against the
   * ejection's evidence, and taking its word on every pass would end each ejection after one
   * check interval.
   */
  activeCheckResult(id: string, passed: boolean, healthy: boolean, nowMs: number): OutlierEvent[] {
    const h = this.hosts.get(id);
    if (h === undefined || h.ejectedUntilMs === undefined) return [];
    if (!passed) {
      h.checkFailedWhileEjected = true;
      return [];
    }
    if (!healthy || !h.checkFailedWhileEjected) return [];
    // nextUnejectAtMs may now be early: the next tick finds nothing due and recomputes it.
    this.restore(h);
    return [{ type: 'uneject', id, atMs: nowMs, cause: 'active-check' }];
  }

  snapshot(): OutlierHostSnapshot[] {
    return [...this.hosts].map(([id, h]) => ({
      id,
      ejected: h.ejectedUntilMs !== undefined,
      ejectedUntilMs: h.ejectedUntilMs,
      ejectionCount: h.ejectionCount,
      consecutive5xx: h.consecutive5xx,
      consecutiveGatewayFailures: h.consecutiveGateway,
      intervalRequests: h.requests,
      intervalFailures: h.failures,
      ejectionReason: h.ejection?.reason,
      ejectionEvidence: h.ejection?.evidence,
    }));
  }

  private sweep(nowMs: number, events: OutlierEvent[]): void {
    const cfg = this.config;
    const srHosts = [...this.hosts].filter(([, h]) => h.requests > 0 && h.requests >= cfg.successRateRequestVolume);
    if (srHosts.length > 0 && srHosts.length >= cfg.successRateMinimumHosts) {
      const rates = srHosts.map(([, h]) => (100 * (h.requests - h.failures)) / h.requests);
      const mean = rates.reduce((a, b) => a + b, 0) / rates.length;
      const stdev = Math.sqrt(rates.reduce((a, r) => a + (r - mean) ** 2, 0) / rates.length);
      const threshold = mean - cfg.successRateStdevFactor * stdev;
      for (const [i, [id, h]] of srHosts.entries()) {
        const rate = rates[i] as number;
        if (rate < threshold) {
          this.tryEject(id, h, 'success-rate', cfg.enforcingSuccessRate, nowMs, { successRate: rate, threshold, mean, stdev, requests: h.requests }, events);
        }
      }
    }
    const fpHosts = [...this.hosts].filter(([, h]) => h.requests > 0 && h.requests >= cfg.failurePercentageRequestVolume);
    if (fpHosts.length > 0 && fpHosts.length >= cfg.failurePercentageMinimumHosts) {
      for (const [id, h] of fpHosts) {
        const failurePercent = (100 * h.failures) / h.requests;
        if (failurePercent >= cfg.failurePercentageThreshold) {
          this.tryEject(id, h, 'failure-percentage', cfg.enforcingFailurePercentage, nowMs, {
            failurePercent,
            threshold: cfg.failurePercentageThreshold,
            requests: h.requests,
          }, events);
        }
      }
    }
    for (const h of this.hosts.values()) {
      // An interval spent in service earns back one step of the ejection multiplier.
      if (h.ejectedUntilMs === undefined && !h.ejectedThisInterval && h.ejectionCount > 0) h.ejectionCount--;
      h.ejectedThisInterval = false;
      h.requests = 0;
      h.failures = 0;
    }
  }

  /** Back in service (the ejection count stays: it is the back-off). */
  private restore(h: HostState): void {
    h.ejectedUntilMs = undefined;
    h.ejection = undefined;
    h.checkFailedWhileEjected = false;
    h.consecutive5xx = 0;
    h.consecutiveGateway = 0;
  }

  private tryEject(
    id: string,
    h: HostState,
    reason: EjectionReason,
    enforcingPercent: number,
    nowMs: number,
    evidence: Record<string, number>,
    events: OutlierEvent[],
  ): void {
    if (h.ejectedUntilMs !== undefined) return;
    let ejected = 0;
    for (const other of this.hosts.values()) if (other.ejectedUntilMs !== undefined) ejected++;
    if (ejected > 0 && (100 * (ejected + 1)) / this.hosts.size > this.config.maxEjectionPercent) {
      events.push({ type: 'skipped', id, reason, cause: 'max-ejection-percent', atMs: nowMs, evidence });
      return;
    }
    if (!(this.deps.random() * 100 < enforcingPercent)) {
      events.push({ type: 'skipped', id, reason, cause: 'not-enforced', atMs: nowMs, evidence });
      return;
    }
    h.ejectionCount++;
    h.ejectedThisInterval = true;
    const cfg = this.config;
    const duration = Math.min(cfg.baseEjectionTimeMs * h.ejectionCount, Math.max(cfg.baseEjectionTimeMs, cfg.maxEjectionTimeMs));
    h.ejectedUntilMs = nowMs + duration;
    this.nextUnejectAtMs = Math.min(this.nextUnejectAtMs, h.ejectedUntilMs);
    h.ejection = { reason, evidence };
    h.checkFailedWhileEjected = false;
    h.consecutive5xx = 0;
    h.consecutiveGateway = 0;
    events.push({ type: 'eject', id, reason, atMs: nowMs, untilMs: h.ejectedUntilMs, ejectionCount: h.ejectionCount, evidence });
  }
}
