/**
 * One service as the data path sees it: an applied ConfigUpdate turned into a balancer,
 * per-instance undici pools, outlier detection, a retry budget and admission limits. Built by
 * the control plane, read by requests. A config update builds a new RoutedService that keeps
 * whatever can be kept (the balancer when the policy is unchanged, so in-flight counts and
 * EWMAs survive; pools whose address is unchanged; the detector and the budget), and
 * `retire()` closes the pools of removed instances once their in-flight requests finish.
 */
import type { ConfigUpdate, HashOn, InstanceConfig } from '@slb/core';
import { parseAddress } from '@slb/core';
import { Pool } from 'undici';
import { createBalancer, type Balancer, type Endpoint, type PolicyConfig, type PolicyKind } from '../balancing/index.js';
import {
  AdmissionBoard,
  DEFAULT_BACKOFF,
  HedgePolicy,
  OutlierDetector,
  RetryBudget,
  resolveAdmissionLimits,
  type AdmissionLimits,
  type BackoffConfig,
  type OutlierDetectionConfig as DetectorConfig,
} from '../resilience/index.js';
import type { DurationCell, RequestCount } from '../data-path/request-metrics.js';
import type { InstanceWindow } from '../operations/telemetry.js';
import { createInstanceWindow } from '../operations/telemetry.js';

const POLICY_KIND: Readonly<Record<ConfigUpdate['policy']['type'], PolicyKind>> = {
  ROUND_ROBIN: 'round-robin',
  WEIGHTED_ROUND_ROBIN: 'weighted-round-robin',
  RANDOM: 'random',
  LEAST_REQUEST: 'least-request',
  PEAK_EWMA: 'peak-ewma',
  CONSISTENT_HASH: 'consistent-hash',
};

/** ConfigUpdate's policy fields -> the balancer's PolicyConfig (thin adapter). */
export function toPolicyConfig(u: ConfigUpdate): PolicyConfig {
  const kind = POLICY_KIND[u.policy.type];
  return {
    kind,
    // The schema's slowStartMs 0 means "off"; the balancer's window 0 means the same.
    slowStart: { windowMs: u.slowStartMs },
    panicThresholdPercent: u.panicThresholdPercent,
    ...(u.policy.boundedLoadFactor === null ? {} : { consistentHash: { loadFactor: u.policy.boundedLoadFactor } }),
  };
}

/** ConfigUpdate's outlier fields -> the detector's config (Envoy names; ejection time capped at 10× base). */
export function toDetectorConfig(u: ConfigUpdate): Partial<DetectorConfig> {
  const od = u.outlierDetection;
  // Without an explicit section, gateway failures (refused, reset, timeout) still eject: an
  // instance that refuses connections should stop receiving traffic at once.
  if (od === null) return { consecutive5xx: 0, consecutiveGatewayFailure: 5, maxEjectionPercent: 50, successRateMinimumHosts: 1_000_000, failurePercentageMinimumHosts: 1_000_000 };
  return {
    consecutive5xx: od.consecutive5xx,
    consecutiveGatewayFailure: od.consecutiveGatewayFailures,
    intervalMs: od.intervalMs,
    baseEjectionTimeMs: od.baseEjectionMs,
    maxEjectionTimeMs: Math.max(od.baseEjectionMs * 10, 300_000),
    maxEjectionPercent: od.maxEjectionPercent,
    successRateMinimumHosts: od.successRateMinimumHosts,
    successRateRequestVolume: od.successRateRequestVolume,
    successRateStdevFactor: od.successRateStdevFactor,
    enforcingSuccessRate: od.enforcingSuccessRatePercent,
  };
}

export interface RoutedInstance {
  readonly id: string;
  readonly serviceId: string;
  readonly address: string;
  readonly config: InstanceConfig;
  readonly pool: Pool;
  /** Requests dispatched to this instance and not finished (all services share the pool's instance). */
  inFlight: number;
  /** Set when removed from config: new requests no longer come, in-flight ones finish. */
  retired: boolean;
  readonly window: InstanceWindow;
  /** This instance's requests counter series by status code (filled by metrics). */
  readonly statusCounts: Map<number, RequestCount>;
}

export interface RoutedService {
  readonly id: string;
  readonly version: number;
  readonly config: ConfigUpdate;
  readonly balancer: Balancer;
  readonly instances: ReadonlyMap<string, RoutedInstance>;
  readonly detector: OutlierDetector;
  readonly budget: RetryBudget;
  readonly admission: AdmissionBoard;
  readonly limits: AdmissionLimits;
  /** Below this many in-flight requests no admission limit can be reached: the check is skipped. */
  readonly admissionFloor: number;
  readonly maxAttempts: number;
  readonly backoff: BackoffConfig;
  readonly requestTimeoutMs: number;
  readonly perTryTimeoutMs: number;
  readonly idleTimeoutMs: number;
  /** Bodies up to this size are read whole before an instance is picked; 0: every body streams. */
  readonly requestBufferBytes: number;
  /** A HEADER source's name is lower-cased here, once, for the raw-header lookup per request. */
  readonly hashOn: HashOn | null;
  /** Set when retries.hedgeAfterQuantile is: idempotent bodiless requests are hedged. */
  readonly hedge: HedgePolicy | undefined;
  /** This service's request duration histogram (filled by metrics). */
  duration: DurationCell | undefined;
}

export interface RoutedServiceDeps {
  readonly random: () => number;
  readonly now: number;
  /** The local address connections to instances leave from; undefined: the OS picks. */
  readonly sourceAddress?: string | undefined;
}

function newPool(address: string, limits: AdmissionLimits, idleMs: number, sourceAddress: string | undefined): Pool {
  const parsed = parseAddress(address);
  const host = parsed === undefined ? address : parsed.host.includes(':') ? `[${parsed.host}]:${parsed.port}` : `${parsed.host}:${parsed.port}`;
  return new Pool(`http://${host}`, {
    connections: limits.maxConnections,
    pipelining: 1,
    keepAliveTimeout: Math.min(idleMs, 4_000),
    keepAliveMaxTimeout: idleMs,
    connect: { timeout: 2_000 },
    ...(sourceAddress === undefined ? {} : { localAddress: sourceAddress }),
  });
}

function samePolicy(a: ConfigUpdate, b: ConfigUpdate): boolean {
  return JSON.stringify([a.policy, a.slowStartMs, a.panicThresholdPercent]) === JSON.stringify([b.policy, b.slowStartMs, b.panicThresholdPercent]);
}

/**
 * Builds the routed service for `u`, reusing parts of `previous` (same service). Returns it
 * and the instances that left (to be retired by the caller once the swap is done).
 */
export function buildRoutedService(
  u: ConfigUpdate,
  previous: RoutedService | undefined,
  deps: RoutedServiceDeps,
  drained: ReadonlySet<string> = new Set(),
): { service: RoutedService; removed: RoutedInstance[] } {
  const limits = resolveAdmissionLimits(
    u.circuitBreaker === null ? {} : { maxConnections: u.circuitBreaker.maxConnections, maxPending: u.circuitBreaker.maxPending, maxInFlight: u.circuitBreaker.maxRequests },
  );
  const balancer = previous !== undefined && samePolicy(previous.config, u) ? previous.balancer : createBalancer(toPolicyConfig(u), { random: deps.random });
  const instances = new Map<string, RoutedInstance>();
  for (const inst of u.instances) {
    const old = previous?.instances.get(inst.id);
    if (old !== undefined && old.address === inst.address && !old.retired) {
      instances.set(inst.id, reuse(old, inst));
      continue;
    }
    instances.set(inst.id, {
      id: inst.id,
      serviceId: u.serviceId,
      address: inst.address,
      config: inst,
      pool: newPool(inst.address, limits, u.timeouts.idleMs, deps.sourceAddress),
      inFlight: 0,
      retired: false,
      window: createInstanceWindow(),
      statusCounts: new Map(),
    });
  }
  const removed: RoutedInstance[] = [];
  if (previous !== undefined) {
    for (const [id, old] of previous.instances) {
      if (instances.get(id) !== old) removed.push(old);
    }
  }
  const endpoints: Endpoint[] = u.instances
    // Weight 0 and admin-drained instances get no new requests (the balancer needs weight > 0).
    .filter((i) => i.weight > 0 && !drained.has(i.id))
    .map((i) => ({ id: i.id, address: i.address, weight: i.weight, ...(i.zone === null ? {} : { zone: i.zone }), tags: i.tags }));
  balancer.setEndpoints(endpoints, deps.now);

  // Detector state (ejection counts) survives a config change unless its settings changed.
  const keepDetector = previous !== undefined && JSON.stringify(previous.config.outlierDetection) === JSON.stringify(u.outlierDetection);
  const liveDetector = keepDetector ? previous.detector : new OutlierDetector(toDetectorConfig(u), { random: deps.random });
  liveDetector.setHosts(u.instances.map((i) => i.id));
  if (previous !== undefined && !keepDetector) {
    // The old detector's ejections would never end now: hand those instances back.
    for (const h of previous.detector.snapshot()) if (h.ejected) balancer.setHealth(h.id, true, deps.now, 'outlier');
  }

  const retries = u.retries;
  const budget = previous?.budget ?? new RetryBudget(retries === null ? {} : { budgetPercent: retries.budgetPercent, minRetriesPerSecond: retries.minRetriesPerSecond });
  const service: RoutedService = {
    id: u.serviceId,
    version: u.version,
    config: u,
    balancer,
    instances,
    detector: liveDetector,
    budget,
    admission: previous?.admission ?? new AdmissionBoard(),
    limits,
    admissionFloor: Math.min(limits.maxConnections, limits.maxInFlight),
    // Without a retries section a request still gets one retry for failures before sending
    // (refused connections): that is what keeps GETs error-free while an instance dies.
    maxAttempts: 1 + (retries === null ? 1 : retries.maxRetries),
    backoff: retries === null ? DEFAULT_BACKOFF : { baseMs: retries.backoffBaseMs, maxMs: retries.backoffMaxMs },
    requestTimeoutMs: u.timeouts.requestMs,
    perTryTimeoutMs: retries === null || retries.perTryTimeoutMs === 0 ? u.timeouts.requestMs : retries.perTryTimeoutMs,
    idleTimeoutMs: u.timeouts.idleMs,
    requestBufferBytes: u.requestBufferBytes,
    hashOn: hashOnOf(u),
    hedge: hedgeOf(u, previous),
    duration: previous?.duration,
  };
  return { service, removed };
}

function hashOnOf(u: ConfigUpdate): HashOn | null {
  const on = u.policy.type === 'CONSISTENT_HASH' ? u.policy.hashOn : null;
  return on?.source === 'HEADER' && on.name !== null ? { ...on, name: on.name.toLowerCase() } : on;
}

function hedgeOf(u: ConfigUpdate, previous: RoutedService | undefined): HedgePolicy | undefined {
  const q = u.retries?.hedgeAfterQuantile ?? null;
  if (q === null) return undefined;
  // Keep the latency window when the quantile did not change.
  if (previous?.hedge !== undefined && previous.hedge.config.quantile === q) return previous.hedge;
  return new HedgePolicy({ quantile: q });
}

/** The same instance object carried into the next config (in-flight requests hold it). */
function reuse(old: RoutedInstance, inst: InstanceConfig): RoutedInstance {
  (old as { config: InstanceConfig }).config = inst;
  return old;
}

/** Closes a removed instance's pool after its in-flight requests finish (undici's close() waits for them). */
export function retireInstance(inst: RoutedInstance): Promise<void> {
  inst.retired = true;
  return inst.pool.close().catch(() => undefined);
}
