/**
 * The alert-router's process configuration: the only module of the package that reads the
 * environment. Raw strings first (`readEnv`), then defaulted and validated into one frozen
 * object (`envToConfig`), every problem reported at once in one SLB_CONFIG_INVALID whose
 * details.problems name the variable (and, for the routes file, the field path in it).
 */
import { readFileSync } from 'node:fs';
import { collectBusEnv, envInteger, envLogLevel, isSlbError, pickEnv, SlbError, type BusEnvConfig, type ConfigProblem, type LogLevel } from '@slb/core';
import { parse as parseYaml } from 'yaml';
import { defaultRoutingTable, parseRoutingTable, type RoutingProblem, type RoutingTable } from './routing-table.js';
import { DEFAULT_REFRESH_INTERVAL_MS } from './create-alert-router.js';

export const DEFAULT_METRICS_PORT = 9103;
/** All interfaces: Prometheus scrapes it from another host or container (read-only endpoints). */
export const DEFAULT_METRICS_HOST = '0.0.0.0';

export const ENV_KEYS = [
  'ALERTMANAGER_URL',
  'SLB_ALERT_ROUTES_FILE',
  'SLB_ALERT_REFRESH_INTERVAL_MS',
  'SLB_METRICS_HOST',
  'SLB_METRICS_PORT',
  'SLB_CONSOLE_URL',
  'SLB_TOPIC_PREFIX',
  'LOG_LEVEL',
] as const;
export type AlertRouterEnv = Partial<Record<(typeof ENV_KEYS)[number], string>>;

export interface AlertRouterConfig {
  /** Kafka and schema registry (KAFKA_BROKERS, SCHEMA_REGISTRY_URL and their security settings). */
  readonly bus: BusEnvConfig;
  readonly routes: RoutingTable;
  readonly alertmanagerUrl: string | undefined;
  readonly consoleUrl: string | undefined;
  readonly refreshIntervalMs: number;
  /** Prepended to topic names, consumer group ids and registry subjects (namespaced clusters). */
  readonly topicPrefix: string;
  readonly metricsHost: string;
  readonly metricsPort: number;
  readonly logLevel: LogLevel;
}

/** Picks the router's own variables out of an environment (process.env in main.ts). */
export function readEnv(env: NodeJS.ProcessEnv): AlertRouterEnv {
  return pickEnv(env, ENV_KEYS);
}

/** `raw` from readEnv; `busEnv` is the whole environment, read by the core's readBusEnv. */
export function envToConfig(raw: AlertRouterEnv, busEnv: NodeJS.ProcessEnv = {}, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): AlertRouterConfig {
  const problems: ConfigProblem[] = [];

  const bus = collectBusEnv(busEnv, problems);

  const url = (field: 'ALERTMANAGER_URL' | 'SLB_CONSOLE_URL'): string | undefined => {
    const value = raw[field];
    if (value === undefined) return undefined;
    try {
      const parsed = new URL(value);
      if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return value.replace(/\/+$/, '');
      problems.push({ field, message: `must be http(s), got "${parsed.protocol}"` });
    } catch {
      problems.push({ field, message: `"${value}" is not a URL` });
    }
    return undefined;
  };
  const alertmanagerUrl = url('ALERTMANAGER_URL');
  const consoleUrl = url('SLB_CONSOLE_URL');

  const integer = (field: 'SLB_METRICS_PORT' | 'SLB_ALERT_REFRESH_INTERVAL_MS', fallback: number, min: number, max: number): number => envInteger(raw, field, fallback, { min, max }, problems);
  const metricsPort = integer('SLB_METRICS_PORT', DEFAULT_METRICS_PORT, 0, 65_535);
  // 0 turns re-posting off (only sensible when no receiver is an Alertmanager); otherwise at
  // least 1 s, at most a day.
  const refreshIntervalMs = integer('SLB_ALERT_REFRESH_INTERVAL_MS', DEFAULT_REFRESH_INTERVAL_MS, 0, 86_400_000);
  if (refreshIntervalMs > 0 && refreshIntervalMs < 1_000) {
    problems.push({ field: 'SLB_ALERT_REFRESH_INTERVAL_MS', message: `must be 0 (off) or at least 1000, got "${raw.SLB_ALERT_REFRESH_INTERVAL_MS}"` });
  }

  const logLevel = envLogLevel(raw.LOG_LEVEL, problems);

  let routes: RoutingTable | undefined;
  const file = raw.SLB_ALERT_ROUTES_FILE;
  if (file !== undefined) {
    routes = loadRoutes(file, alertmanagerUrl, readFile, problems);
  } else if (alertmanagerUrl !== undefined) {
    routes = defaultRoutingTable(alertmanagerUrl);
  } else if (raw.ALERTMANAGER_URL === undefined) {
    problems.push({ field: 'ALERTMANAGER_URL', message: 'set ALERTMANAGER_URL or SLB_ALERT_ROUTES_FILE (there is nowhere to send alerts)' });
  }

  if (problems.length > 0 || bus === undefined || routes === undefined) {
    throw new SlbError('SLB_CONFIG_INVALID', `invalid alert-router configuration: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, {
      details: { problems },
    });
  }
  return Object.freeze({
    bus,
    routes,
    alertmanagerUrl,
    consoleUrl,
    refreshIntervalMs,
    topicPrefix: raw.SLB_TOPIC_PREFIX ?? '',
    metricsHost: raw.SLB_METRICS_HOST ?? DEFAULT_METRICS_HOST,
    metricsPort,
    logLevel,
  });
}

function loadRoutes(file: string, alertmanagerUrl: string | undefined, readFile: (path: string) => string, problems: ConfigProblem[]): RoutingTable | undefined {
  let doc: unknown;
  try {
    doc = parseYaml(readFile(file));
  } catch (error) {
    problems.push({ field: 'SLB_ALERT_ROUTES_FILE', message: `${file}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` });
    return undefined;
  }
  try {
    return parseRoutingTable(doc, { alertmanagerUrl });
  } catch (error) {
    if (!isSlbError(error, 'SLB_ALERT_ROUTES_INVALID')) throw error;
    for (const p of (error.details?.problems as RoutingProblem[] | undefined) ?? []) {
      problems.push({ field: `SLB_ALERT_ROUTES_FILE`, message: `${file}: ${p.path === '' ? '(root)' : p.path}: ${p.message}` });
    }
    return undefined;
  }
}
