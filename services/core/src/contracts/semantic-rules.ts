/**
 * What the Avro schema cannot say: ranges, non-empty ids, cross-field consistency. Applied by
 * validateEvent after the structural check, on every topic, so "valid Avro, nonsense event"
 * is rejected like any other invalid input (rule 3, docs/architecture.md).
 */
import type { ValidationIssue } from './codec.js';

/** String fields that identify something and so must not be empty. */
const NON_EMPTY = new Set([
  'serviceId', 'instanceId', 'proxyId', 'id', 'alertId', 'dedupKey', 'auditId', 'actor', 'role', 'action',
  'entityType', 'entityId', 'originalTopic', 'errorCode', 'topic', 'issuedBy', 'summary', 'address',
]);
// errorCode is optional on RejectedConfig (default ""), issuedBy on RoutingDecision.
const MAY_BE_EMPTY = new Set(['RejectedConfig.errorCode', 'RoutingDecision.issuedBy']);

/** Number fields in [0, 1]. */
const UNIT_INTERVAL = new Set([
  'InstanceMetrics.errorRate', 'InstanceMetrics.cpuUsage', 'InstanceMetrics.memoryUsage',
  'MetricsAggregated.errorRate', 'ScoreInputs.errorRate', 'HealthScore.score', 'ScoreComponent.value',
  'InstanceScore.score', 'RetryConfig.hedgeAfterQuantile',
]);

export type FieldRule = (value: unknown, path: string, issues: ValidationIssue[]) => void;

const nonEmpty: FieldRule = (value, path, issues) => {
  if (value === '') issues.push({ path, message: 'must not be empty' });
};
const upTo = (max: number): FieldRule => (value, path, issues) => {
  if (typeof value === 'number' && value > max) issues.push({ path, message: `must be in [0, ${max}], got ${value}` });
};
const unitInterval = upTo(1);
const percent = upTo(100);

/**
 * The rule for one field (`record` is the Avro record name), or null. Resolved once per
 * field, not per event. Finite and >= 0 is checked for every number by the structural walk.
 */
export function fieldRule(record: string, field: string): FieldRule | null {
  const qualified = `${record}.${field}`;
  if (NON_EMPTY.has(field) && !MAY_BE_EMPTY.has(qualified)) return nonEmpty;
  if (UNIT_INTERVAL.has(qualified)) return unitInterval;
  if (field.endsWith('Percent')) return percent;
  return null;
}

type Fields = Readonly<Record<string, unknown>>;
const at = (path: string, field: string): string => (path === '' ? field : `${path}.${field}`);

function uniqueIds(items: unknown, idField: string, path: string, field: string, issues: ValidationIssue[]): void {
  if (!Array.isArray(items)) return;
  const seen = new Set<unknown>();
  items.forEach((item: Fields, i) => {
    const id = item[idField];
    if (seen.has(id)) issues.push({ path: `${at(path, field)}[${i}].${idField}`, message: `duplicate ${idField} ${String(id)}` });
    seen.add(id);
  });
}

const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/;

const RECORD_RULES: Readonly<Record<string, (v: Fields, path: string, issues: ValidationIssue[]) => void>> = {
  RoutingDecision: (v, path, issues) => {
    if ((v.expiresAtMs as number) < (v.issuedAtMs as number)) issues.push({ path: at(path, 'expiresAtMs'), message: 'must not be before issuedAtMs' });
    uniqueIds(v.instances, 'instanceId', path, 'instances', issues);
  },
  ConfigUpdate: (v, path, issues) => {
    uniqueIds(v.instances, 'id', path, 'instances', issues);
    const previous = v.previousVersion;
    if (typeof previous === 'number' && previous >= (v.version as number)) issues.push({ path: at(path, 'previousVersion'), message: 'must be lower than version' });
  },
  InstanceConfig: (v, path, issues) => {
    const match = HOST_PORT.exec(String(v.address));
    const port = match === null ? 0 : Number(match[2]);
    if (match === null || port < 1 || port > 65_535) issues.push({ path: at(path, 'address'), message: `must be host:port, got ${JSON.stringify(v.address)}` });
  },
  Route: (v, path, issues) => {
    if (!String(v.pathPrefix).startsWith('/')) issues.push({ path: at(path, 'pathPrefix'), message: "must start with '/'" });
  },
  HashOn: (v, path, issues) => {
    if (v.source !== 'CLIENT_IP' && (v.name === null || v.name === '')) issues.push({ path: at(path, 'name'), message: `is required when source is ${String(v.source)}` });
  },
  HealthCheckConfig: (v, path, issues) => {
    if (v.type === 'HTTP' && !String(v.path).startsWith('/')) issues.push({ path: at(path, 'path'), message: "must start with '/'" });
    if ((v.intervalMs as number) <= 0) issues.push({ path: at(path, 'intervalMs'), message: 'must be > 0' });
    if ((v.timeoutMs as number) <= 0) issues.push({ path: at(path, 'timeoutMs'), message: 'must be > 0' });
  },
  TimeoutConfig: (v, path, issues) => {
    if ((v.requestMs as number) <= 0) issues.push({ path: at(path, 'requestMs'), message: 'must be > 0' });
  },
  BalancingPolicy: (v, path, issues) => {
    if (v.type === 'CONSISTENT_HASH' && v.hashOn === null) issues.push({ path: at(path, 'hashOn'), message: 'is required when type is CONSISTENT_HASH' });
    const factor = v.boundedLoadFactor;
    if (typeof factor === 'number' && factor < 1) issues.push({ path: at(path, 'boundedLoadFactor'), message: 'must be >= 1' });
  },
  TimeWindow: (v, path, issues) => {
    if ((v.endMs as number) < (v.startMs as number)) issues.push({ path: at(path, 'endMs'), message: 'must not be before startMs' });
  },
  Alert: (v, path, issues) => {
    if (v.state === 'RESOLVED' && v.endsAtMs === null) issues.push({ path: at(path, 'endsAtMs'), message: 'is required when state is RESOLVED' });
    if (typeof v.endsAtMs === 'number' && v.endsAtMs < (v.startsAtMs as number)) issues.push({ path: at(path, 'endsAtMs'), message: 'must not be before startsAtMs' });
  },
  AuditLog: (v, path, issues) => {
    for (const field of ['before', 'after'] as const) {
      const text = v[field];
      if (typeof text !== 'string') continue;
      try {
        JSON.parse(text);
      } catch {
        issues.push({ path: at(path, field), message: 'must be JSON text' });
      }
    }
  },
};

/** Window order for every record that has windowStartMs/windowEndMs. */
function checkWindow(v: Fields, path: string, issues: ValidationIssue[]): void {
  if (typeof v.windowStartMs === 'number' && typeof v.windowEndMs === 'number' && v.windowEndMs < v.windowStartMs) {
    issues.push({ path: at(path, 'windowEndMs'), message: 'must not be before windowStartMs' });
  }
}

/** Cross-field checks of one structurally valid record. */
export function checkRecord(record: string, value: Fields, path: string, issues: ValidationIssue[]): void {
  checkWindow(value, path, issues);
  RECORD_RULES[record]?.(value, path, issues);
}
