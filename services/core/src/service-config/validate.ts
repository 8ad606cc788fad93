/**
 * Semantic checks of a normalized ConfigUpdate: what makes a structurally valid update unusable
 * by a proxy. Shared by the proxy (before applying), the controller (before versioning) and
 * slbctl (before publishing), so all three reject the same input with the same field paths.
 */
import type { ConfigUpdate } from '../contracts/generated.js';
import type { ValidationIssue } from '../contracts/codec.js';
import { GLOBAL_SERVICE_ID } from '../topics/keys.js';

/** The key of fleet-wide settings on config-updates (it carries no instances): topics/keys.ts's. */
export { GLOBAL_SERVICE_ID };

const SERVICE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const INSTANCE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Upper bounds that catch unit mistakes (seconds typed as ms ×1000) without limiting real use. */
const MAX_TIMEOUT_MS = 3_600_000;
/** Bodies are buffered in memory: more than 64 MiB per request is a disk's job, not this proxy's. */
const MAX_REQUEST_BUFFER_BYTES = 64 * 1024 * 1024;
const MAX_WEIGHT = 1_000_000;

/** Parses "host:port" / "[v6]:port"; undefined when malformed. */
export function parseAddress(address: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(address);
  if (m === null) return undefined;
  const port = Number(m[3]);
  if (port < 1 || port > 65_535) return undefined;
  const host = m[1] ?? m[2]!;
  if (m[1] === undefined && !IPV4.test(host) && !HOSTNAME.test(host)) return undefined;
  return { host, port };
}

/** Every semantic problem of `u`, each with its field path; [] = usable. */
export function validateServiceConfig(u: ConfigUpdate): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const add = (path: string, message: string) => issues.push({ path, message });

  if (!SERVICE_ID.test(u.serviceId) && u.serviceId !== GLOBAL_SERVICE_ID) {
    add('serviceId', `must match ${SERVICE_ID.source}, got ${JSON.stringify(u.serviceId)}`);
  }
  if (u.version < 1) add('version', 'must be >= 1');
  if (u.previousVersion !== null && u.previousVersion >= u.version) add('previousVersion', 'must be lower than version');
  if (u.deleted || u.serviceId === GLOBAL_SERVICE_ID) return issues;

  // instances
  if (u.instances.length === 0) add('instances', 'must list at least one instance');
  const ids = new Map<string, number>();
  const addresses = new Map<string, number>();
  let totalWeight = 0;
  u.instances.forEach((inst, i) => {
    const p = `instances[${i}]`;
    if (!INSTANCE_ID.test(inst.id)) add(`${p}.id`, `must match ${INSTANCE_ID.source}, got ${JSON.stringify(inst.id)}`);
    const firstId = ids.get(inst.id);
    if (firstId !== undefined) add(`${p}.id`, `duplicate id ${JSON.stringify(inst.id)} (also instances[${firstId}])`);
    else ids.set(inst.id, i);
    if (parseAddress(inst.address) === undefined) add(`${p}.address`, `must be host:port with port 1-65535 (IPv6 as [::1]:8080), got ${JSON.stringify(inst.address)}`);
    const firstAddr = addresses.get(inst.address);
    if (firstAddr !== undefined) add(`${p}.address`, `duplicate address ${inst.address} (also instances[${firstAddr}])`);
    else addresses.set(inst.address, i);
    if (inst.weight > MAX_WEIGHT) add(`${p}.weight`, `must be <= ${MAX_WEIGHT}`);
    totalWeight += inst.weight;
  });
  if (u.instances.length > 0 && totalWeight === 0) add('instances', 'at least one instance needs a weight > 0');

  // routes
  if (u.routes.length === 0) add('routes', 'must list at least one route');
  const seenRoutes = new Map<string, number>();
  u.routes.forEach((r, i) => {
    const p = `routes[${i}]`;
    if (!r.pathPrefix.startsWith('/')) add(`${p}.pathPrefix`, "must start with '/'");
    if (/[\s?#]/.test(r.pathPrefix)) add(`${p}.pathPrefix`, 'must not contain whitespace, ? or #');
    if (r.host !== null && !HOSTNAME.test(r.host.replace(/^\*\./, '')) && !IPV4.test(r.host)) add(`${p}.host`, `must be a hostname or null, got ${JSON.stringify(r.host)}`);
    const key = `${(r.host ?? '').toLowerCase()} ${r.pathPrefix}`;
    const first = seenRoutes.get(key);
    if (first !== undefined) add(p, `duplicates routes[${first}]`);
    else seenRoutes.set(key, i);
  });

  // policy
  const pol = u.policy;
  if (pol.type === 'CONSISTENT_HASH') {
    if (pol.hashOn === null) add('policy.hashOn', 'is required when type is CONSISTENT_HASH');
  } else if (pol.hashOn !== null) add('policy.hashOn', `only applies to CONSISTENT_HASH (type is ${pol.type})`);
  if (pol.hashOn !== null && pol.hashOn.source !== 'CLIENT_IP') {
    if (pol.hashOn.name === null || !HEADER_NAME.test(pol.hashOn.name)) add('policy.hashOn.name', `must be a header or cookie name when source is ${pol.hashOn.source}`);
  }
  // The contract (semantic-rules.ts) refuses 0 too: null is the proxy's default bound (1.25).
  if (pol.boundedLoadFactor !== null && pol.boundedLoadFactor < 1) add('policy.boundedLoadFactor', 'must be >= 1');
  if (u.slowStartMs > MAX_TIMEOUT_MS) add('slowStartMs', `must be <= ${MAX_TIMEOUT_MS}`);
  if (u.panicThresholdPercent > 100) add('panicThresholdPercent', 'must be in [0, 100]');

  // timeouts
  if (u.timeouts.requestMs < 1 || u.timeouts.requestMs > MAX_TIMEOUT_MS) add('timeouts.requestMs', `must be in [1, ${MAX_TIMEOUT_MS}]`);
  if (u.timeouts.idleMs < 1 || u.timeouts.idleMs > MAX_TIMEOUT_MS) add('timeouts.idleMs', `must be in [1, ${MAX_TIMEOUT_MS}]`);
  if (u.requestBufferBytes < 0 || u.requestBufferBytes > MAX_REQUEST_BUFFER_BYTES) add('requestBufferBytes', `must be in [0, ${MAX_REQUEST_BUFFER_BYTES}]`);

  const hc = u.healthCheck;
  if (hc !== null) {
    if (hc.type === 'HTTP' && !hc.path.startsWith('/')) add('healthCheck.path', "must start with '/'");
    if (hc.intervalMs < 100 || hc.intervalMs > MAX_TIMEOUT_MS) add('healthCheck.intervalMs', `must be in [100, ${MAX_TIMEOUT_MS}]`);
    if (hc.timeoutMs < 1) add('healthCheck.timeoutMs', 'must be >= 1');
    else if (hc.timeoutMs > hc.intervalMs) add('healthCheck.timeoutMs', 'must not exceed intervalMs');
    if (hc.healthyThreshold < 1) add('healthCheck.healthyThreshold', 'must be >= 1');
    if (hc.unhealthyThreshold < 1) add('healthCheck.unhealthyThreshold', 'must be >= 1');
    if (hc.jitterPercent > 100) add('healthCheck.jitterPercent', 'must be in [0, 100]');
  }
  const od = u.outlierDetection;
  if (od !== null) {
    if (od.consecutive5xx < 1) add('outlierDetection.consecutive5xx', 'must be >= 1');
    if (od.consecutiveGatewayFailures < 1) add('outlierDetection.consecutiveGatewayFailures', 'must be >= 1');
    if (od.intervalMs < 1) add('outlierDetection.intervalMs', 'must be >= 1');
    if (od.baseEjectionMs < 1) add('outlierDetection.baseEjectionMs', 'must be >= 1');
    if (od.maxEjectionPercent > 100) add('outlierDetection.maxEjectionPercent', 'must be in [0, 100]');
    if (od.enforcingSuccessRatePercent > 100) add('outlierDetection.enforcingSuccessRatePercent', 'must be in [0, 100]');
    if (od.successRateStdevFactor <= 0) add('outlierDetection.successRateStdevFactor', 'must be > 0');
  }
  const rt = u.retries;
  if (rt !== null) {
    if (rt.maxRetries > 10) add('retries.maxRetries', 'must be <= 10');
    if (rt.perTryTimeoutMs > u.timeouts.requestMs) add('retries.perTryTimeoutMs', 'must not exceed timeouts.requestMs');
    if (rt.budgetPercent > 100) add('retries.budgetPercent', 'must be in [0, 100]');
    if (rt.backoffMaxMs < rt.backoffBaseMs) add('retries.backoffMaxMs', 'must be >= backoffBaseMs');
    if (rt.hedgeAfterQuantile !== null && (rt.hedgeAfterQuantile <= 0 || rt.hedgeAfterQuantile >= 1)) add('retries.hedgeAfterQuantile', 'must be in (0, 1)');
  }
  const cb = u.circuitBreaker;
  if (cb !== null) {
    if (cb.maxConnections < 1) add('circuitBreaker.maxConnections', 'must be >= 1');
    if (cb.maxRequests < 1) add('circuitBreaker.maxRequests', 'must be >= 1');
  }
  return issues;
}
