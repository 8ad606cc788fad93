/**
 * slbctl's one reader of the environment. Global flags override the environment
 * (--brokers over KAFKA_BROKERS, --registry over SCHEMA_REGISTRY_URL, --topic-prefix over
 * SLB_TOPIC_PREFIX); the Kafka security variables are the core's (readBusEnv). Every problem
 * is reported at once as a usage error.
 */
import { userInfo } from 'node:os';
import { readBusEnv, SlbError, isSlbError, type BusEnvConfig } from '@slb/core';
import { parseDuration } from './duration.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** The environment of this process (the only place slbctl touches process.env). */
export function processEnv(): Env {
  return process.env;
}

export interface GlobalOptions {
  readonly brokers?: string;
  readonly registry?: string;
  readonly topicPrefix?: string;
  readonly timeout?: string;
  readonly json?: boolean;
}

export interface Settings {
  readonly bus: BusEnvConfig;
  readonly topicPrefix: string;
  /** Upper bound of any wait: connecting, reading a topic to its end, convergence. */
  readonly timeoutMs: number;
  readonly json: boolean;
  /** Who an operator action is recorded as (issuedBy, audit actor). */
  readonly actor: string;
  /** Ed25519 private key file used by push/rollback when --sign-key is not given. */
  readonly signKeyFile: string | undefined;
}

export const DEFAULT_TIMEOUT = '30s';

function defaultActor(env: Env): string {
  const named = env['SLBCTL_ACTOR']?.trim();
  if (named !== undefined && named !== '') return named;
  try {
    return `${userInfo().username}@slbctl`;
  } catch {
    return 'slbctl';
  }
}

export function resolveSettings(options: GlobalOptions, env: Env): Settings {
  const merged: Record<string, string | undefined> = { ...env };
  if (options.brokers !== undefined) merged['KAFKA_BROKERS'] = options.brokers;
  if (options.registry !== undefined) merged['SCHEMA_REGISTRY_URL'] = options.registry;
  let bus: BusEnvConfig;
  try {
    bus = readBusEnv(merged);
  } catch (error) {
    if (isSlbError(error)) throw new SlbError('SLB_CLI_USAGE', error.message.replace(/KAFKA_BROKERS/g, 'KAFKA_BROKERS/--brokers').replace(/SCHEMA_REGISTRY_URL:/g, 'SCHEMA_REGISTRY_URL/--registry:'), { cause: error });
    throw error;
  }
  const timeoutMs = parseDuration(options.timeout ?? env['SLBCTL_TIMEOUT'] ?? DEFAULT_TIMEOUT, '--timeout');
  if (timeoutMs <= 0) throw new SlbError('SLB_CLI_USAGE', '--timeout must be greater than 0');
  const signKeyFile = env['SLBCTL_SIGN_KEY_FILE']?.trim();
  return Object.freeze({
    bus,
    topicPrefix: options.topicPrefix ?? env['SLB_TOPIC_PREFIX'] ?? '',
    timeoutMs,
    json: options.json === true,
    actor: defaultActor(env),
    signKeyFile: signKeyFile === undefined || signKeyFile === '' ? undefined : signKeyFile,
  });
}
