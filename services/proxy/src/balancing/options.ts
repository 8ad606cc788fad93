import { SlbError } from '@slb/core/errors';
import type { PolicyConfig, PolicyKind, SlowStartConfig } from './types.js';

/**
 * Defaults and validation of a service's balancing policy. Defaults follow the systems the
 * policies come from (Envoy, Linkerd, nginx); docs/balancing.md explains each one.
 */
export const POLICY_KINDS: readonly PolicyKind[] = [
  'round-robin',
  'weighted-round-robin',
  'random',
  'least-request',
  'peak-ewma',
  'consistent-hash',
];

export const DEFAULT_SLOW_START: SlowStartConfig = Object.freeze({
  windowMs: 30_000,
  aggression: 1,
  minWeightPercent: 10,
});
/**
 * A held-back (throttled) instance is passed at most one pick per this interval, on top of
 * the slow-start floor's share: 5 extra tries a second per held instance at most, half the
 * retry budget's floor of 10 retries a second, so the retries they cost fit in the budget
 * however busy the service is.
 */
export const HOLD_TRICKLE_INTERVAL_MS = 200;
/** Envoy's healthy_panic_threshold default. */
export const DEFAULT_PANIC_THRESHOLD_PERCENT = 50;
/** Envoy's least-request defaults. */
export const DEFAULT_CHOICE_COUNT = 2;
export const DEFAULT_ACTIVE_REQUEST_BIAS = 1;
/** Linkerd's peak-EWMA defaults (decay 10 s, default RTT 30 ms). */
export const DEFAULT_EWMA_DECAY_MS = 10_000;
export const DEFAULT_EWMA_RTT_MS = 30;
/** Ring points per unit of weight (ketama uses 160 per server; more points, smoother shares). */
export const DEFAULT_POINTS_PER_WEIGHT = 256;
/** Upper bound on ring entries, so extreme weight ratios cannot exhaust memory. */
export const MAX_RING_SIZE = 1 << 20;
/** The bounded-load paper's (and Vimeo's, HAProxy's hash-balance-factor) usual c = 1.25. */
export const DEFAULT_HASH_LOAD_FACTOR = 1.25;

export interface ResolvedPolicyConfig {
  readonly kind: PolicyKind;
  readonly slowStart: SlowStartConfig;
  readonly panicThresholdPercent: number;
  readonly leastRequest: { readonly choiceCount: number; readonly activeRequestBias: number };
  readonly peakEwma: { readonly decayMs: number; readonly defaultRttMs: number; readonly choiceCount: number };
  readonly consistentHash: { readonly pointsPerWeight: number; readonly loadFactor: number };
}

/** Fills defaults and checks every field; all problems are reported in one SLB_CONFIG_INVALID. */
export function resolvePolicyConfig(raw: PolicyConfig): ResolvedPolicyConfig {
  const problems: string[] = [];
  const num = (path: string, value: number | undefined, fallback: number, ok: (v: number) => boolean, rule: string): number => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) {
      problems.push(`${path} must be ${rule} (got ${String(value)})`);
      return fallback;
    }
    return value;
  };
  if (!POLICY_KINDS.includes(raw.kind)) {
    problems.push(`kind must be one of ${POLICY_KINDS.join(', ')} (got ${String(raw.kind)})`);
  }
  const ss = raw.slowStart ?? {};
  const slowStart: SlowStartConfig = Object.freeze({
    windowMs: num('slowStart.windowMs', ss.windowMs, DEFAULT_SLOW_START.windowMs, (v) => v >= 0, '>= 0'),
    aggression: num('slowStart.aggression', ss.aggression, DEFAULT_SLOW_START.aggression, (v) => v > 0, '> 0'),
    minWeightPercent: num(
      'slowStart.minWeightPercent',
      ss.minWeightPercent,
      DEFAULT_SLOW_START.minWeightPercent,
      (v) => v > 0 && v <= 100,
      'in (0, 100]',
    ),
  });
  const panicThresholdPercent = num(
    'panicThresholdPercent',
    raw.panicThresholdPercent,
    DEFAULT_PANIC_THRESHOLD_PERCENT,
    (v) => v >= 0 && v <= 100,
    'in [0, 100]',
  );
  const lr = raw.leastRequest ?? {};
  const pe = raw.peakEwma ?? {};
  const ch = raw.consistentHash ?? {};
  const isCount = (v: number) => Number.isInteger(v) && v >= 2;
  const resolved: ResolvedPolicyConfig = Object.freeze({
    kind: raw.kind,
    slowStart,
    panicThresholdPercent,
    leastRequest: Object.freeze({
      choiceCount: num('leastRequest.choiceCount', lr.choiceCount, DEFAULT_CHOICE_COUNT, isCount, 'an integer >= 2'),
      activeRequestBias: num('leastRequest.activeRequestBias', lr.activeRequestBias, DEFAULT_ACTIVE_REQUEST_BIAS, (v) => v >= 0, '>= 0'),
    }),
    peakEwma: Object.freeze({
      decayMs: num('peakEwma.decayMs', pe.decayMs, DEFAULT_EWMA_DECAY_MS, (v) => v > 0, '> 0'),
      defaultRttMs: num('peakEwma.defaultRttMs', pe.defaultRttMs, DEFAULT_EWMA_RTT_MS, (v) => v > 0, '> 0'),
      choiceCount: num('peakEwma.choiceCount', pe.choiceCount, DEFAULT_CHOICE_COUNT, isCount, 'an integer >= 2'),
    }),
    consistentHash: Object.freeze({
      pointsPerWeight: num(
        'consistentHash.pointsPerWeight',
        ch.pointsPerWeight,
        DEFAULT_POINTS_PER_WEIGHT,
        (v) => v > 0 && v <= MAX_RING_SIZE,
        `in (0, ${MAX_RING_SIZE}]`,
      ),
      // c < 1 would give a total capacity below the load, so some request could fit nowhere.
      loadFactor: num('consistentHash.loadFactor', ch.loadFactor, DEFAULT_HASH_LOAD_FACTOR, (v) => v === 0 || v >= 1, '0 (unbounded) or >= 1'),
    }),
  });
  if (problems.length > 0) {
    throw new SlbError('SLB_CONFIG_INVALID', `invalid balancing policy: ${problems.join('; ')}`, { details: { problems } });
  }
  return resolved;
}
