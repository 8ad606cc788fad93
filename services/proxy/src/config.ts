/**
 * The proxy's process configuration: the only module of the package that reads the
 * environment. Raw strings first (`readEnv`), then defaulted and validated into one frozen
 * object (`envToConfig`); every problem is reported at once in one SLB_CONFIG_INVALID whose
 * details.problems name the variable ({field, message}, with core's envInteger and
 * collectBusEnv, as in every role).
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { SlbError, collectBusEnv, envInteger, envLogLevel, pickEnv, unknownFieldMessage, type BusEnvConfig, type ConfigProblem, type LogLevel } from '@slb/core';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_LIMITS, type ProxyLimits } from './options.js';
import { DEFAULT_CLIENT_IP_HEADERS } from './data-path/headers.js';
import { DEFAULT_PATH_NORMALIZATION, ESCAPED_SLASHES, type EscapedSlashes, type PathNormalization } from './data-path/path-normalization.js';

export const ENV_KEYS = [
  'SLB_PROXY_ID',
  'SLB_PROXY_HOST',
  'SLB_PROXY_PORT',
  'SLB_ADMIN_HOST',
  'SLB_ADMIN_PORT',
  'SLB_ADMIN_TOKEN',
  'SLB_SNAPSHOT_DIR',
  'SLB_CONFIG_FILE',
  'SLB_CONFIG_PUBLIC_KEY',
  'SLB_TRUSTED_PROXIES',
  'SLB_UPSTREAM_SOURCE_ADDRESS',
  'SLB_CLIENT_IP_HEADERS',
  'SLB_PATH_MERGE_SLASHES',
  'SLB_PATH_ESCAPED_SLASHES',
  'SLB_ALLOW_TRACE',
  'SLB_MAX_BODY_BYTES',
  'SLB_MAX_HEADER_BYTES',
  'SLB_MAX_HEADERS',
  'SLB_MAX_URL_LENGTH',
  'SLB_CLIENT_HEADERS_TIMEOUT_MS',
  'SLB_CLIENT_REQUEST_TIMEOUT_MS',
  'SLB_CLIENT_KEEPALIVE_TIMEOUT_MS',
  'SLB_CLIENT_BODY_MIN_RATE',
  'SLB_CLIENT_BODY_GRACE_MS',
  'SLB_DRAIN_TIMEOUT_MS',
  'SLB_TELEMETRY_WINDOW_MS',
  'SLB_ACCESS_LOG',
  'SLB_BUS',
  'SLB_TOPIC_PREFIX',
  'LOG_LEVEL',
] as const;
export type ProxyEnv = Partial<Record<(typeof ENV_KEYS)[number], string>>;

export interface ProxyConfig {
  readonly proxyId: string;
  readonly host: string;
  readonly port: number;
  readonly adminHost: string;
  readonly adminPort: number;
  /** Undefined: admin mutations are refused (read-only admin API). */
  readonly adminToken: string | undefined;
  readonly snapshotDir: string | undefined;
  /** Services (ConfigUpdate JSON shape) read from SLB_CONFIG_FILE, not yet validated. */
  readonly services: readonly unknown[];
  /** Ed25519 public key (PEM or base64 raw); when set, config updates must be signed. */
  readonly configPublicKey: string | undefined;
  /** CIDRs whose X-Forwarded-* headers are trusted and appended to. */
  readonly trustedProxies: readonly string[];
  /** The local address connections to instances leave from (nginx `proxy_bind`); undefined: the OS picks. */
  readonly upstreamSourceAddress: string | undefined;
  /** Lower-case client-IP fields stripped from untrusted peers (SLB_CLIENT_IP_HEADERS). */
  readonly clientIpHeaders: readonly string[];
  readonly pathNormalization: PathNormalization;
  readonly allowTrace: boolean;
  readonly limits: ProxyLimits;
  readonly drainTimeoutMs: number;
  readonly telemetryWindowMs: number;
  readonly accessLog: boolean;
  readonly logLevel: LogLevel;
  /** 'none': config from SLB_CONFIG_FILE / snapshot / admin API only; 'kafka': the Kafka bus. */
  readonly bus: 'none' | 'kafka';
  /** Kafka and registry settings (core's readBusEnv) when bus is 'kafka'. */
  readonly busEnv: BusEnvConfig | undefined;
  /** Prefix of topic names and group ids on Kafka (isolated namespaces). */
  readonly topicPrefix: string;
}

/** The proxy's variables, trimmed, an empty one unset (core's pickEnv, as in every role). */
export function readEnv(env: NodeJS.ProcessEnv): ProxyEnv {
  return pickEnv(env, ENV_KEYS);
}

/**
 * Reads a YAML or JSON services file: `{services: [...]}`, a list, or a single service. Strict
 * like every config file: a key beside `services` is an error (each service's own fields are
 * checked by core's checkConfigUpdate).
 */
export function readServicesFile(path: string): unknown[] {
  const text = readFileSync(path, 'utf8');
  const doc: unknown = parseYaml(text);
  if (Array.isArray(doc)) return doc;
  if (typeof doc === 'object' && doc !== null && Array.isArray((doc as { services?: unknown }).services)) {
    const unknown = Object.keys(doc).filter((key) => key !== 'services');
    if (unknown.length > 0) throw new Error(unknown.map((key) => `${key}: ${unknownFieldMessage(key, 'a services file', ['services'])}`).join('; '));
    return (doc as { services: unknown[] }).services;
  }
  if (typeof doc === 'object' && doc !== null) return [doc];
  throw new Error('expected a list of services, {services: [...]}, or one service object');
}

type ProxyKey = (typeof ENV_KEYS)[number];

/** RFC 9110 field-name (a token). */
const FIELD_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Fields whose removal would change routing or framing, never client-IP claims. */
const NOT_CLIENT_IP = new Set(['host', 'content-length', 'transfer-encoding']);

/** SLB_CLIENT_IP_HEADERS: comma-separated field names, `none` for no field; unset: the default set. */
function clientIpHeadersOf(raw: string | undefined, problems: ConfigProblem[]): readonly string[] {
  if (raw === undefined) return DEFAULT_CLIENT_IP_HEADERS;
  if (raw.toLowerCase() === 'none') return [];
  const names = raw.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  for (const name of names) {
    if (!FIELD_NAME.test(name) || name === 'none') problems.push({ field: 'SLB_CLIENT_IP_HEADERS', message: `entry "${name}" must be a header field name (or the whole value none)` });
    else if (NOT_CLIENT_IP.has(name)) problems.push({ field: 'SLB_CLIENT_IP_HEADERS', message: `entry "${name}" carries routing or framing and cannot be stripped` });
  }
  return Object.freeze(names);
}

/** 127.0.0.0/8, ::1 (also IPv4-mapped) and `localhost`: an admin bind nobody off this host reaches. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice('::ffff:'.length) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** `env` from readEnv; `busEnv` is the whole environment, read by the core's readBusEnv when SLB_BUS=kafka. */
export function envToConfig(env: ProxyEnv, busEnv: NodeJS.ProcessEnv = {}, readFile: (path: string) => unknown[] = readServicesFile): ProxyConfig {
  const problems: ConfigProblem[] = [];
  const int = (field: ProxyKey, fallback: number, min: number, max: number): number => {
    const raw = env[field];
    // Digits only: a count or a duration in ms is never "1e3", "0x10" or "1.0" (envInteger takes those).
    if (raw !== undefined && !/^\d+$/.test(raw)) {
      problems.push({ field, message: `must be an integer from ${min} to ${max}, got "${raw}"` });
      return fallback;
    }
    return envInteger(env, field, fallback, { min, max }, problems);
  };
  const bool = (field: ProxyKey, fallback: boolean): boolean => {
    const raw = env[field]?.toLowerCase();
    if (raw === undefined) return fallback;
    if (!['true', 'false', '1', '0'].includes(raw)) problems.push({ field, message: `must be true or false, got "${env[field]}"` });
    return raw === 'true' || raw === '1';
  };
  const host = (field: ProxyKey, fallback: string): string => {
    const v = env[field] ?? fallback;
    if (isIP(v) === 0 && !/^[A-Za-z0-9.-]+$/.test(v)) problems.push({ field, message: `must be an IP address or hostname, got "${v}"` });
    return v;
  };

  const proxyId = env.SLB_PROXY_ID ?? `proxy-${hostname()}`;
  if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(proxyId)) problems.push({ field: 'SLB_PROXY_ID', message: `must be 1-128 of [A-Za-z0-9._:-], got "${proxyId}"` });

  const adminToken = env.SLB_ADMIN_TOKEN;
  if (adminToken !== undefined && adminToken.length < 16) problems.push({ field: 'SLB_ADMIN_TOKEN', message: 'must be at least 16 characters' });
  const adminProblems = problems.length;
  const adminHost = host('SLB_ADMIN_HOST', '127.0.0.1');
  // Off loopback, whoever reaches the listener reads state and config: not without a token.
  if (problems.length === adminProblems && adminToken === undefined && !isLoopbackHost(adminHost)) {
    problems.push({ field: 'SLB_ADMIN_HOST', message: `"${adminHost}" is not a loopback address and SLB_ADMIN_TOKEN is unset, so whoever reaches the admin listener reads its state and config and no change can be authorized: set SLB_ADMIN_TOKEN (at least 16 characters) or bind SLB_ADMIN_HOST to 127.0.0.1` });
  }

  const trustedProxies = (env.SLB_TRUSTED_PROXIES ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const cidr of trustedProxies) {
    const [addr, bits] = cidr.split('/');
    const family = isIP(addr ?? '');
    const max = family === 6 ? 128 : 32;
    if (family === 0 || (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= max))) {
      problems.push({ field: 'SLB_TRUSTED_PROXIES', message: `entry "${cidr}" must be an IP or CIDR` });
    }
  }

  let services: unknown[] = [];
  if (env.SLB_CONFIG_FILE !== undefined) {
    try {
      services = readFile(env.SLB_CONFIG_FILE);
    } catch (err) {
      problems.push({ field: 'SLB_CONFIG_FILE', message: `${env.SLB_CONFIG_FILE} cannot be read: ${(err as Error).message}` });
    }
  }

  const accessLogRaw = (env.SLB_ACCESS_LOG ?? 'true').toLowerCase();
  if (!['true', 'false', '1', '0'].includes(accessLogRaw)) problems.push({ field: 'SLB_ACCESS_LOG', message: `must be true or false, got "${env.SLB_ACCESS_LOG}"` });
  const logLevel: LogLevel = envLogLevel(env.LOG_LEVEL, problems);

  const upstreamSourceAddress = env.SLB_UPSTREAM_SOURCE_ADDRESS;
  if (upstreamSourceAddress !== undefined && isIP(upstreamSourceAddress) === 0) {
    problems.push({ field: 'SLB_UPSTREAM_SOURCE_ADDRESS', message: `must be an IP address of this host, got "${upstreamSourceAddress}"` });
  }

  const clientIpHeaders = clientIpHeadersOf(env.SLB_CLIENT_IP_HEADERS, problems);
  const escapedSlashes = (env.SLB_PATH_ESCAPED_SLASHES ?? DEFAULT_PATH_NORMALIZATION.escapedSlashes) as EscapedSlashes;
  if (!ESCAPED_SLASHES.includes(escapedSlashes)) problems.push({ field: 'SLB_PATH_ESCAPED_SLASHES', message: `must be keep, reject or decode, got "${env.SLB_PATH_ESCAPED_SLASHES}"` });

  const bus = (env.SLB_BUS ?? 'none') as 'none' | 'kafka';
  if (bus !== 'none' && bus !== 'kafka') problems.push({ field: 'SLB_BUS', message: `must be none or kafka, got "${env.SLB_BUS}"` });
  const busConfig = bus === 'kafka' ? collectBusEnv(busEnv, problems) : undefined;

  const D = DEFAULT_LIMITS;
  const config: ProxyConfig = Object.freeze({
    proxyId,
    host: host('SLB_PROXY_HOST', '0.0.0.0'),
    port: int('SLB_PROXY_PORT', 8080, 0, 65_535),
    adminHost,
    adminPort: int('SLB_ADMIN_PORT', 9901, 0, 65_535),
    adminToken,
    snapshotDir: env.SLB_SNAPSHOT_DIR,
    services,
    configPublicKey: env.SLB_CONFIG_PUBLIC_KEY,
    trustedProxies,
    upstreamSourceAddress,
    clientIpHeaders,
    pathNormalization: Object.freeze({ mergeSlashes: bool('SLB_PATH_MERGE_SLASHES', DEFAULT_PATH_NORMALIZATION.mergeSlashes), escapedSlashes }),
    allowTrace: bool('SLB_ALLOW_TRACE', false),
    limits: Object.freeze({
      maxBodyBytes: int('SLB_MAX_BODY_BYTES', D.maxBodyBytes, 0, Number.MAX_SAFE_INTEGER),
      maxHeaderBytes: int('SLB_MAX_HEADER_BYTES', D.maxHeaderBytes, 1024, 1 << 20),
      maxHeaders: int('SLB_MAX_HEADERS', D.maxHeaders, 1, 10_000),
      maxUrlLength: int('SLB_MAX_URL_LENGTH', D.maxUrlLength, 16, 1 << 20),
      headersTimeoutMs: int('SLB_CLIENT_HEADERS_TIMEOUT_MS', D.headersTimeoutMs, 100, 3_600_000),
      requestTimeoutMs: int('SLB_CLIENT_REQUEST_TIMEOUT_MS', D.requestTimeoutMs, 0, 3_600_000),
      keepAliveTimeoutMs: int('SLB_CLIENT_KEEPALIVE_TIMEOUT_MS', D.keepAliveTimeoutMs, 100, 3_600_000),
      bodyMinBytesPerSec: int('SLB_CLIENT_BODY_MIN_RATE', D.bodyMinBytesPerSec, 0, 1 << 30),
      bodyGraceMs: int('SLB_CLIENT_BODY_GRACE_MS', D.bodyGraceMs, 0, 3_600_000),
    }),
    drainTimeoutMs: int('SLB_DRAIN_TIMEOUT_MS', 30_000, 0, 3_600_000),
    telemetryWindowMs: int('SLB_TELEMETRY_WINDOW_MS', 1000, 0, 3_600_000),
    accessLog: accessLogRaw === 'true' || accessLogRaw === '1',
    logLevel,
    bus,
    busEnv: busConfig,
    topicPrefix: env.SLB_TOPIC_PREFIX ?? '',
  });
  if (problems.length > 0) {
    throw new SlbError('SLB_CONFIG_INVALID', `invalid proxy configuration: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, { details: { problems } });
  }
  return config;
}
