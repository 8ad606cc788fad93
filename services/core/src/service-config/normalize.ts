/**
 * Normalization of a ConfigUpdate written by hand (YAML/JSON file, slbctl, kcat): fills the
 * defaults of proto/ConfigUpdate.avsc and checks every field's type and range, collecting every
 * problem with its field path instead of stopping at the first one. The result is the exact
 * shape the Avro codec produces, so a file, a plain-JSON message and an Avro message that mean
 * the same thing normalize (and therefore sign) identically.
 */
import type {
  BalancingPolicy,
  CircuitBreakerConfig,
  ConfigUpdate,
  HashOn,
  HealthCheckConfig,
  InstanceConfig,
  OutlierDetectionConfig,
  RetryConfig,
  Route,
  TimeoutConfig,
} from '../contracts/generated.js';
import type { ValidationIssue } from '../contracts/codec.js';

export const POLICY_TYPES = ['ROUND_ROBIN', 'WEIGHTED_ROUND_ROBIN', 'RANDOM', 'LEAST_REQUEST', 'PEAK_EWMA', 'CONSISTENT_HASH'] as const;
export const HASH_SOURCES = ['HEADER', 'COOKIE', 'CLIENT_IP'] as const;
export const CHECK_TYPES = ['HTTP', 'TCP'] as const;

/** Defaults of the optional records, as in proto/ConfigUpdate.avsc. */
export const DEFAULT_HEALTH_CHECK: Readonly<Omit<HealthCheckConfig, 'type'>> = Object.freeze({
  path: '/health', intervalMs: 5000, timeoutMs: 1000, healthyThreshold: 2, unhealthyThreshold: 3, jitterPercent: 10,
});
export const DEFAULT_OUTLIER_DETECTION: Readonly<OutlierDetectionConfig> = Object.freeze({
  consecutive5xx: 5, consecutiveGatewayFailures: 5, intervalMs: 10_000, baseEjectionMs: 30_000, maxEjectionPercent: 10,
  successRateMinimumHosts: 5, successRateRequestVolume: 100, successRateStdevFactor: 1.9, enforcingSuccessRatePercent: 100,
});
export const DEFAULT_RETRIES: Readonly<RetryConfig> = Object.freeze({
  maxRetries: 2, perTryTimeoutMs: 0, budgetPercent: 20, minRetriesPerSecond: 10, backoffBaseMs: 25, backoffMaxMs: 250, hedgeAfterQuantile: null,
});
export const DEFAULT_TIMEOUTS: Readonly<TimeoutConfig> = Object.freeze({ requestMs: 15_000, idleMs: 60_000 });
export const DEFAULT_CIRCUIT_BREAKER: Readonly<CircuitBreakerConfig> = Object.freeze({ maxConnections: 1024, maxPending: 1024, maxRequests: 1024 });
/** The schema's default `requestBufferBytes` (1 MiB, nginx's default client_max_body_size). */
export const DEFAULT_REQUEST_BUFFER_BYTES = 1_048_576;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);

/** A small field reader that records problems instead of throwing. */
class Reader {
  constructor(readonly issues: ValidationIssue[]) {}

  problem(path: string, message: string): void {
    this.issues.push({ path, message });
  }

  obj(v: unknown, path: string): Obj {
    if (isObj(v)) return v;
    this.problem(path, `must be an object, got ${describe(v)}`);
    return {};
  }

  str(o: Obj, key: string, path: string, fallback?: string): string {
    const v = o[key];
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v === 'string') return v;
    this.problem(join(path, key), v === undefined ? 'is required' : `must be a string, got ${describe(v)}`);
    return fallback ?? '';
  }

  nullableStr(o: Obj, key: string, path: string): string | null {
    const v = o[key];
    if (v === undefined || v === null) return null;
    if (typeof v === 'string') return v;
    this.problem(join(path, key), `must be a string or null, got ${describe(v)}`);
    return null;
  }

  int(o: Obj, key: string, path: string, fallback?: number, min = 0): number {
    const v = o[key];
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= min) return v;
    this.problem(join(path, key), v === undefined ? 'is required' : `must be an integer >= ${min}, got ${describe(v)}`);
    return fallback ?? min;
  }

  num(o: Obj, key: string, path: string, fallback: number, min = 0): number {
    const v = o[key];
    if (v === undefined) return fallback;
    if (typeof v === 'number' && Number.isFinite(v) && v >= min) return v;
    this.problem(join(path, key), `must be a number >= ${min}, got ${describe(v)}`);
    return fallback;
  }

  bool(o: Obj, key: string, path: string, fallback: boolean): boolean {
    const v = o[key];
    if (v === undefined) return fallback;
    if (typeof v === 'boolean') return v;
    this.problem(join(path, key), `must be a boolean, got ${describe(v)}`);
    return fallback;
  }

  oneOf<T extends string>(o: Obj, key: string, path: string, allowed: readonly T[], fallback?: T): T {
    const v = o[key];
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
    this.problem(join(path, key), `must be one of ${allowed.join(', ')}, got ${describe(v)}`);
    return fallback ?? allowed[0]!;
  }

  /**
   * A record whose fields are all numbers with defaults, read in the defaults' field order:
   * integers, except the `doubles`.
   */
  numbers<T extends { [K in keyof T]: number }>(o: Obj, path: string, defaults: Readonly<T>, doubles: readonly (keyof T)[] = []): T {
    const out: Record<string, number> = {};
    for (const [key, fallback] of Object.entries(defaults) as [keyof T & string, number][]) {
      out[key] = doubles.includes(key) ? this.num(o, key, path, fallback) : this.int(o, key, path, fallback);
    }
    return out as T;
  }

  array(o: Obj, key: string, path: string): unknown[] {
    const v = o[key];
    if (v === undefined) return [];
    if (Array.isArray(v)) return v;
    this.problem(join(path, key), `must be an array, got ${describe(v)}`);
    return [];
  }
}

export function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'object') return 'an object';
  return String(v);
}

function route(r: Reader, raw: unknown, path: string): Route {
  const o = r.obj(raw, path);
  return { host: r.nullableStr(o, 'host', path), pathPrefix: r.str(o, 'pathPrefix', path, '/') };
}

function instance(r: Reader, raw: unknown, path: string): InstanceConfig {
  const o = r.obj(raw, path);
  const tags: Record<string, string> = {};
  if (o.tags !== undefined) {
    const t = r.obj(o.tags, join(path, 'tags'));
    for (const [k, v] of Object.entries(t)) {
      if (typeof v === 'string') tags[k] = v;
      else r.problem(join(path, `tags.${k}`), `must be a string, got ${describe(v)}`);
    }
  }
  return {
    id: r.str(o, 'id', path),
    address: r.str(o, 'address', path),
    weight: r.int(o, 'weight', path, 1),
    zone: r.nullableStr(o, 'zone', path),
    tags,
  };
}

function policy(r: Reader, raw: unknown, path: string): BalancingPolicy {
  if (raw === undefined) return { type: 'PEAK_EWMA', hashOn: null, boundedLoadFactor: null };
  const o = r.obj(raw, path);
  let hashOn: HashOn | null = null;
  if (o.hashOn !== undefined && o.hashOn !== null) {
    const hp = join(path, 'hashOn');
    const h = r.obj(o.hashOn, hp);
    hashOn = { source: r.oneOf(h, 'source', hp, HASH_SOURCES), name: r.nullableStr(h, 'name', hp) };
  }
  let boundedLoadFactor: number | null = null;
  if (o.boundedLoadFactor !== undefined && o.boundedLoadFactor !== null) boundedLoadFactor = r.num(o, 'boundedLoadFactor', path, 1.25);
  return { type: r.oneOf(o, 'type', path, POLICY_TYPES), hashOn, boundedLoadFactor };
}

function optional<T>(raw: unknown, build: (o: Obj) => T, r: Reader, path: string): T | null {
  if (raw === undefined || raw === null) return null;
  return build(r.obj(raw, path));
}

function signature(r: Reader, raw: unknown): Buffer | null {
  if (raw === undefined || raw === null) return null;
  if (Buffer.isBuffer(raw)) return raw;
  if (raw instanceof Uint8Array) return Buffer.from(raw);
  if (typeof raw === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(raw)) return Buffer.from(raw, 'base64');
  r.problem('signature', 'must be base64 text, bytes or null');
  return null;
}

/** Normalizes `raw` into a ConfigUpdate with every default filled; issues list every type/range problem. */
export function normalizeConfigUpdate(raw: unknown): { value: ConfigUpdate; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const r = new Reader(issues);
  const o = r.obj(raw, '');
  const prev = o.previousVersion;
  const value: ConfigUpdate = {
    serviceId: r.str(o, 'serviceId', ''),
    version: r.int(o, 'version', ''),
    previousVersion: prev === undefined || prev === null ? null : r.int(o, 'previousVersion', ''),
    issuedAtMs: r.int(o, 'issuedAtMs', '', 0),
    // The contracts require a non-empty writer; hand-written files often omit it.
    issuedBy: r.str(o, 'issuedBy', '', 'unspecified'),
    deleted: r.bool(o, 'deleted', '', false),
    routes: r.array(o, 'routes', '').map((x, i) => route(r, x, `routes[${i}]`)),
    instances: r.array(o, 'instances', '').map((x, i) => instance(r, x, `instances[${i}]`)),
    policy: policy(r, o.policy, 'policy'),
    slowStartMs: r.int(o, 'slowStartMs', '', 0),
    panicThresholdPercent: r.int(o, 'panicThresholdPercent', '', 50),
    healthCheck: optional(o.healthCheck, (h): HealthCheckConfig => {
      const p = 'healthCheck';
      const d = DEFAULT_HEALTH_CHECK;
      return {
        type: r.oneOf(h, 'type', p, CHECK_TYPES, 'HTTP'),
        path: r.str(h, 'path', p, d.path),
        intervalMs: r.int(h, 'intervalMs', p, d.intervalMs),
        timeoutMs: r.int(h, 'timeoutMs', p, d.timeoutMs),
        healthyThreshold: r.int(h, 'healthyThreshold', p, d.healthyThreshold),
        unhealthyThreshold: r.int(h, 'unhealthyThreshold', p, d.unhealthyThreshold),
        jitterPercent: r.int(h, 'jitterPercent', p, d.jitterPercent),
      };
    }, r, 'healthCheck'),
    outlierDetection: optional(o.outlierDetection, (x) => r.numbers(x, 'outlierDetection', DEFAULT_OUTLIER_DETECTION, ['successRateStdevFactor']), r, 'outlierDetection'),
    retries: optional(o.retries, (x): RetryConfig => {
      const { hedgeAfterQuantile: _none, ...d } = DEFAULT_RETRIES;
      const hq = x.hedgeAfterQuantile;
      return {
        ...r.numbers(x, 'retries', d, ['budgetPercent']),
        hedgeAfterQuantile: hq === undefined || hq === null ? null : r.num(x, 'hedgeAfterQuantile', 'retries', 0.95),
      };
    }, r, 'retries'),
    // Not nullable: an absent block is all defaults (a null one is reported by r.obj).
    timeouts: r.numbers(o.timeouts === undefined ? {} : r.obj(o.timeouts, 'timeouts'), 'timeouts', DEFAULT_TIMEOUTS),
    circuitBreaker: optional(o.circuitBreaker, (x) => r.numbers(x, 'circuitBreaker', DEFAULT_CIRCUIT_BREAKER), r, 'circuitBreaker'),
    requestBufferBytes: r.int(o, 'requestBufferBytes', '', DEFAULT_REQUEST_BUFFER_BYTES),
    signature: signature(r, o.signature),
  };
  return { value, issues };
}
