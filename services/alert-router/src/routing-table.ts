/**
 * The routing table: which receivers (Alertmanager, plain webhooks) get which alerts, by
 * severity, service and alert name. Parsed from YAML/JSON data and validated with every problem
 * reported at once (field paths), then frozen. Pure: no I/O (the file is read in config.ts).
 *
 * Semantics follow Alertmanager's routes: rules are tried in order; the first rule that matches
 * decides, unless it says `continue: true`, in which case later rules are tried too and every
 * matching rule's receivers get the alert. When no rule matches, `default` receives it.
 */
import { SlbError } from '@slb/core/errors';
import type { Alert } from '@slb/core';

export const SEVERITIES = ['CRITICAL', 'WARNING', 'INFO'] as const;
export type SeverityName = (typeof SEVERITIES)[number];

export type ReceiverSpec =
  | { readonly name: string; readonly type: 'alertmanager'; readonly url: string }
  | { readonly name: string; readonly type: 'webhook'; readonly url: string; readonly headers: Readonly<Record<string, string>> };

export interface RouteMatch {
  /** Undefined: any. */
  readonly severity?: readonly SeverityName[];
  readonly service?: readonly string[];
  readonly alertname?: readonly string[];
}

export interface RouteRule {
  readonly match: RouteMatch;
  /** Receiver names; an empty list drops what the rule matches (still counted). */
  readonly receivers: readonly string[];
  readonly continue: boolean;
}

export interface RoutingTable {
  readonly receivers: ReadonlyMap<string, ReceiverSpec>;
  readonly routes: readonly RouteRule[];
  readonly defaultReceivers: readonly string[];
}

export interface RoutingProblem {
  readonly path: string;
  readonly message: string;
}

export interface ParseOptions {
  /** ALERTMANAGER_URL: the url of an `alertmanager` receiver that names none. */
  readonly alertmanagerUrl?: string | undefined;
}

const TOP_KEYS = ['receivers', 'routes', 'default'];
const RECEIVER_KEYS = ['name', 'type', 'url', 'headers'];
const ROUTE_KEYS = ['match', 'receivers', 'continue'];
const MATCH_KEYS = ['severity', 'service', 'alertname'];
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function httpUrl(raw: unknown, path: string, problems: RoutingProblem[]): string | undefined {
  if (typeof raw !== 'string' || raw.trim() === '') {
    problems.push({ path, message: 'must be an http(s) URL' });
    return undefined;
  }
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      problems.push({ path, message: `must be http(s), got "${url.protocol}"` });
      return undefined;
    }
    return raw;
  } catch {
    problems.push({ path, message: `"${raw}" is not a URL` });
    return undefined;
  }
}

function unknownKeys(obj: Record<string, unknown>, allowed: readonly string[], path: string, problems: RoutingProblem[]): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) problems.push({ path: path === '' ? key : `${path}.${key}`, message: `unknown field (allowed: ${allowed.join(', ')})` });
  }
}

/** A string or a non-empty list of strings, as a list. */
function stringList(raw: unknown, path: string, problems: RoutingProblem[]): string[] | undefined {
  const list = typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(list) || list.length === 0) {
    problems.push({ path, message: 'must be a string or a non-empty list of strings' });
    return undefined;
  }
  const out: string[] = [];
  list.forEach((item, i) => {
    if (typeof item !== 'string' || item.trim() === '') problems.push({ path: `${path}[${i}]`, message: 'must be a non-empty string' });
    else out.push(item.trim());
  });
  return out;
}

function parseReceiver(raw: unknown, path: string, options: ParseOptions, problems: RoutingProblem[]): ReceiverSpec | undefined {
  if (!isObject(raw)) {
    problems.push({ path, message: 'must be an object with name, type and url' });
    return undefined;
  }
  unknownKeys(raw, RECEIVER_KEYS, path, problems);
  const before = problems.length;
  const name = raw.name;
  if (typeof name !== 'string' || !NAME.test(name)) problems.push({ path: `${path}.name`, message: 'must be a name of letters, digits, "_", "." or "-"' });
  const type = raw.type;
  if (type !== 'alertmanager' && type !== 'webhook') {
    problems.push({ path: `${path}.type`, message: `must be "alertmanager" or "webhook", got ${JSON.stringify(type)}` });
    return undefined;
  }
  let url: string | undefined;
  if (raw.url === undefined && type === 'alertmanager') {
    url = options.alertmanagerUrl;
    if (url === undefined) problems.push({ path: `${path}.url`, message: 'required (or set ALERTMANAGER_URL)' });
  } else {
    url = httpUrl(raw.url, `${path}.url`, problems);
  }
  const headers: Record<string, string> = {};
  if (raw.headers !== undefined) {
    if (type !== 'webhook') problems.push({ path: `${path}.headers`, message: 'only webhook receivers take headers' });
    else if (!isObject(raw.headers)) problems.push({ path: `${path}.headers`, message: 'must be a map of header name to string value' });
    else {
      for (const [k, v] of Object.entries(raw.headers)) {
        if (typeof v !== 'string') problems.push({ path: `${path}.headers.${k}`, message: 'must be a string' });
        else headers[k] = v;
      }
    }
  }
  if (problems.length > before || typeof name !== 'string' || url === undefined) return undefined;
  return type === 'alertmanager' ? { name, type, url } : { name, type, url, headers };
}

function receiverRefs(raw: unknown, path: string, known: ReadonlySet<string>, problems: RoutingProblem[]): string[] {
  if (!Array.isArray(raw)) {
    problems.push({ path, message: 'must be a list of receiver names ([] drops the alerts)' });
    return [];
  }
  const out: string[] = [];
  raw.forEach((ref, i) => {
    if (typeof ref !== 'string') problems.push({ path: `${path}[${i}]`, message: 'must be a receiver name' });
    else if (!known.has(ref)) problems.push({ path: `${path}[${i}]`, message: `unknown receiver "${ref}" (known: ${[...known].join(', ') || 'none'})` });
    else if (out.includes(ref)) problems.push({ path: `${path}[${i}]`, message: `receiver "${ref}" listed twice` });
    else out.push(ref);
  });
  return out;
}

function parseMatch(raw: unknown, path: string, problems: RoutingProblem[]): RouteMatch {
  if (raw === undefined) return {};
  if (!isObject(raw)) {
    problems.push({ path, message: 'must be an object with severity, service and/or alertname' });
    return {};
  }
  unknownKeys(raw, MATCH_KEYS, path, problems);
  const match: { severity?: SeverityName[]; service?: string[]; alertname?: string[] } = {};
  if (raw.severity !== undefined) {
    const list = stringList(raw.severity, `${path}.severity`, problems);
    if (list !== undefined) {
      const severities: SeverityName[] = [];
      list.forEach((s, i) => {
        const upper = s.toUpperCase();
        if ((SEVERITIES as readonly string[]).includes(upper)) severities.push(upper as SeverityName);
        else problems.push({ path: `${path}.severity[${i}]`, message: `"${s}" is not one of ${SEVERITIES.map((x) => x.toLowerCase()).join(', ')}` });
      });
      match.severity = severities;
    }
  }
  for (const key of ['service', 'alertname'] as const) {
    if (raw[key] === undefined) continue;
    const list = stringList(raw[key], `${path}.${key}`, problems);
    if (list !== undefined) match[key] = list;
  }
  return match;
}

/** Validates a routing table document. Throws SLB_ALERT_ROUTES_INVALID listing every problem. */
export function parseRoutingTable(doc: unknown, options: ParseOptions = {}): RoutingTable {
  const problems: RoutingProblem[] = [];
  if (!isObject(doc)) {
    throw routesInvalid([{ path: '', message: 'must be an object with receivers, routes and default' }]);
  }
  unknownKeys(doc, TOP_KEYS, '', problems);

  const receivers = new Map<string, ReceiverSpec>();
  const names = new Set<string>();
  if (!Array.isArray(doc.receivers) || doc.receivers.length === 0) {
    problems.push({ path: 'receivers', message: 'must be a non-empty list' });
  } else {
    doc.receivers.forEach((raw, i) => {
      const path = `receivers[${i}]`;
      const name = isObject(raw) && typeof raw.name === 'string' ? raw.name : undefined;
      if (name !== undefined && names.has(name)) problems.push({ path: `${path}.name`, message: `duplicate receiver "${name}"` });
      // Known even when otherwise invalid, so routes naming it do not add a second, misleading problem.
      if (name !== undefined) names.add(name);
      const spec = parseReceiver(raw, path, options, problems);
      if (spec !== undefined && !receivers.has(spec.name)) receivers.set(spec.name, spec);
    });
  }

  const routes: RouteRule[] = [];
  if (doc.routes !== undefined && !Array.isArray(doc.routes)) {
    problems.push({ path: 'routes', message: 'must be a list of rules' });
  } else {
    ((doc.routes as unknown[] | undefined) ?? []).forEach((raw, i) => {
      const path = `routes[${i}]`;
      if (!isObject(raw)) {
        problems.push({ path, message: 'must be an object with match, receivers and continue' });
        return;
      }
      unknownKeys(raw, ROUTE_KEYS, path, problems);
      const match = parseMatch(raw.match, `${path}.match`, problems);
      const refs = receiverRefs(raw.receivers, `${path}.receivers`, names, problems);
      if (raw.continue !== undefined && typeof raw.continue !== 'boolean') problems.push({ path: `${path}.continue`, message: 'must be true or false' });
      routes.push({ match, receivers: refs, continue: raw.continue === true });
    });
  }

  const defaultReceivers = doc.default === undefined ? [] : receiverRefs(doc.default, 'default', names, problems);
  if (problems.length > 0) throw routesInvalid(problems);
  return Object.freeze({ receivers, routes: Object.freeze(routes), defaultReceivers: Object.freeze(defaultReceivers) });
}

function routesInvalid(problems: RoutingProblem[]): SlbError {
  const list = problems.map((p) => `${p.path === '' ? '(root)' : p.path}: ${p.message}`).join('; ');
  return new SlbError('SLB_ALERT_ROUTES_INVALID', `invalid alert routing table: ${list}`, { details: { problems } });
}

/** Without a routes file: everything goes to the one Alertmanager at ALERTMANAGER_URL. */
export function defaultRoutingTable(alertmanagerUrl: string): RoutingTable {
  return parseRoutingTable({ receivers: [{ name: 'alertmanager', type: 'alertmanager', url: alertmanagerUrl }], default: ['alertmanager'] });
}

function matches(match: RouteMatch, alert: Pick<Alert, 'severity' | 'serviceId' | 'name'>): boolean {
  return (
    (match.severity === undefined || match.severity.includes(alert.severity)) &&
    (match.service === undefined || match.service.includes(alert.serviceId)) &&
    (match.alertname === undefined || match.alertname.includes(alert.name))
  );
}

export interface RouteResult {
  /** Receiver names, in table order, each once. */
  readonly receivers: readonly string[];
  /** Indexes of the rules that matched; empty when the default applied. */
  readonly matchedRules: readonly number[];
}

export function routeAlert(table: RoutingTable, alert: Pick<Alert, 'severity' | 'serviceId' | 'name'>): RouteResult {
  const receivers: string[] = [];
  const matchedRules: number[] = [];
  for (const [i, rule] of table.routes.entries()) {
    if (!matches(rule.match, alert)) continue;
    matchedRules.push(i);
    for (const r of rule.receivers) if (!receivers.includes(r)) receivers.push(r);
    if (!rule.continue) break;
  }
  return matchedRules.length === 0 ? { receivers: [...table.defaultReceivers], matchedRules } : { receivers, matchedRules };
}
