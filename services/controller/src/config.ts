/**
 * The controller's process configuration: the only module of the package that reads the
 * environment. Raw strings first (`readEnv`), then defaulted and validated into one frozen
 * object (`envToConfig`); every problem is reported at once in one SLB_CONFIG_INVALID whose
 * details.problems name the variable.
 */
import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import { collectBusEnv, envInteger, envLogLevel, pickEnv, SlbError, type BusEnvConfig, type ConfigProblem, type LogLevel } from '@slb/core';
import { DEFAULT_CONTROLLER_GROUP } from './create-controller.js';

export const DEFAULT_CONSOLE_PORT = 8090;
/** Loopback: the admin API is not exposed unless an operator says so. */
export const DEFAULT_CONSOLE_HOST = '127.0.0.1';

export const ENV_KEYS = [
  'SLB_CONTROLLER_GROUP',
  'SLB_CONTROLLER_MEMBER',
  'SLB_CONSOLE_HOST',
  'SLB_CONSOLE_PORT',
  'SLB_ADMIN_TOKEN',
  'SLB_CONFIG_SIGNING_KEY_FILE',
  'SLB_TOPIC_PREFIX',
  'LOG_LEVEL',
] as const;
export type ControllerEnv = Partial<Record<(typeof ENV_KEYS)[number], string>>;

export interface ControllerConfig {
  /** KAFKA_BROKERS, SCHEMA_REGISTRY_URL and their security settings (the core's readBusEnv). */
  readonly bus: BusEnvConfig;
  readonly groupId: string;
  readonly member: string;
  readonly consoleHost: string;
  readonly consolePort: number;
  /** undefined: admin mutations are refused. */
  readonly adminToken: string | undefined;
  /** PEM of an Ed25519 private key that signs the config-updates the controller writes. */
  readonly signingKey: string | undefined;
  readonly topicPrefix: string;
  readonly logLevel: LogLevel;
}

export function readEnv(env: NodeJS.ProcessEnv): ControllerEnv {
  return pickEnv(env, ENV_KEYS);
}

export function envToConfig(
  raw: ControllerEnv,
  busEnv: NodeJS.ProcessEnv = {},
  defaults: { readonly member?: string; readonly readFile?: (path: string) => string } = {},
): ControllerConfig {
  const problems: ConfigProblem[] = [];
  const bus = collectBusEnv(busEnv, problems);
  const name = (field: 'SLB_CONTROLLER_GROUP' | 'SLB_CONTROLLER_MEMBER', fallback: string): string => {
    const v = raw[field] ?? fallback;
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(v)) problems.push({ field, message: `must be 1-128 letters, digits, '.', '_' or '-', got "${v}"` });
    return v;
  };
  const groupId = name('SLB_CONTROLLER_GROUP', DEFAULT_CONTROLLER_GROUP);
  const member = name('SLB_CONTROLLER_MEMBER', defaults.member ?? `controller-${hostname().replace(/[^A-Za-z0-9._-]/g, '-')}-${process.pid}`);
  const consolePort = envInteger(raw, 'SLB_CONSOLE_PORT', DEFAULT_CONSOLE_PORT, { min: 0, max: 65_535 }, problems);
  const adminToken = raw.SLB_ADMIN_TOKEN;
  if (adminToken !== undefined && adminToken.length < 16) problems.push({ field: 'SLB_ADMIN_TOKEN', message: 'must be at least 16 characters' });
  let signingKey: string | undefined;
  if (raw.SLB_CONFIG_SIGNING_KEY_FILE !== undefined) {
    try {
      signingKey = (defaults.readFile ?? ((p: string) => readFileSync(p, 'utf8')))(raw.SLB_CONFIG_SIGNING_KEY_FILE);
    } catch (error) {
      problems.push({ field: 'SLB_CONFIG_SIGNING_KEY_FILE', message: `cannot read ${raw.SLB_CONFIG_SIGNING_KEY_FILE}: ${(error as Error).message}` });
    }
  }
  const logLevel = envLogLevel(raw.LOG_LEVEL, problems);
  if (problems.length > 0 || bus === undefined) {
    throw new SlbError('SLB_CONFIG_INVALID', `invalid controller configuration: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, { details: { problems } });
  }
  return Object.freeze({
    bus,
    groupId,
    member,
    consoleHost: raw.SLB_CONSOLE_HOST ?? DEFAULT_CONSOLE_HOST,
    consolePort,
    adminToken,
    signingKey,
    topicPrefix: raw.SLB_TOPIC_PREFIX ?? '',
    logLevel,
  });
}
