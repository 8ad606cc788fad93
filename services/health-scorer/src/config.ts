/**
 * The health-scorer's process configuration: the only module of the package that reads the
 * environment. Raw strings first (`readEnv`), then defaulted and validated into one frozen
 * object (`envToConfig`), every problem reported at once in one SLB_CONFIG_INVALID whose
 * details.problems name the variable. Kafka and registry settings (KAFKA_BROKERS,
 * SCHEMA_REGISTRY_URL, SASL, TLS) are read by the core's readBusEnv.
 */
import { hostname } from 'node:os';
import { collectBusEnv, envInteger, envLogLevel, pickEnv, SlbError, type BusEnvConfig, type ConfigProblem, type LogLevel } from '@slb/core';
import { DEFAULT_SCORER_GROUP } from './create-health-scorer.js';
import { DEFAULT_WINDOW_POLICY } from './windows/index.js';

export const DEFAULT_METRICS_PORT = 9102;
/** All interfaces: Prometheus scrapes it from another host or container (read-only endpoints). */
export const DEFAULT_METRICS_HOST = '0.0.0.0';

export const ENV_KEYS = ['SLB_SCORER_GROUP', 'SLB_SCORER_MEMBER', 'SLB_METRICS_HOST', 'SLB_METRICS_PORT', 'SLB_WINDOW_MS', 'SLB_TOPIC_PREFIX', 'LOG_LEVEL'] as const;
export type ScorerEnv = Partial<Record<(typeof ENV_KEYS)[number], string>>;

export interface ScorerConfig {
  readonly bus: BusEnvConfig;
  readonly groupId: string;
  readonly memberName: string;
  readonly windowMs: number;
  readonly topicPrefix: string;
  readonly metricsHost: string;
  readonly metricsPort: number;
  readonly logLevel: LogLevel;
}

/** Picks the scorer's own variables out of an environment (process.env in main.ts). */
export function readEnv(env: NodeJS.ProcessEnv): ScorerEnv {
  return pickEnv(env, ENV_KEYS);
}

/** `raw` from readEnv; `busEnv` is the whole environment, read by the core's readBusEnv. */
export function envToConfig(raw: ScorerEnv, busEnv: NodeJS.ProcessEnv = {}, host: string = hostname(), pid: number = process.pid): ScorerConfig {
  const problems: ConfigProblem[] = [];
  const bus = collectBusEnv(busEnv, problems);

  const integer = (field: 'SLB_METRICS_PORT' | 'SLB_WINDOW_MS', fallback: number, min: number, max: number): number => envInteger(raw, field, fallback, { min, max }, problems);
  const metricsPort = integer('SLB_METRICS_PORT', DEFAULT_METRICS_PORT, 0, 65_535);
  // At least 100 ms (a window must hold a few proxy reports), at most an hour.
  const windowMs = integer('SLB_WINDOW_MS', DEFAULT_WINDOW_POLICY.sizeMs, 100, 3_600_000);

  // Group ids and topic names share Kafka's legal characters.
  const kafkaName = /^[A-Za-z0-9._-]+$/;
  const groupId = raw.SLB_SCORER_GROUP ?? DEFAULT_SCORER_GROUP;
  if (!kafkaName.test(groupId)) problems.push({ field: 'SLB_SCORER_GROUP', message: `may only contain letters, digits, ".", "_" and "-", got "${groupId}"` });
  const topicPrefix = raw.SLB_TOPIC_PREFIX ?? '';
  if (topicPrefix !== '' && !kafkaName.test(topicPrefix)) problems.push({ field: 'SLB_TOPIC_PREFIX', message: `may only contain letters, digits, ".", "_" and "-", got "${topicPrefix}"` });

  const logLevel = envLogLevel(raw.LOG_LEVEL, problems);

  if (problems.length > 0 || bus === undefined) {
    throw new SlbError('SLB_CONFIG_INVALID', `invalid health-scorer configuration: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, {
      details: { problems },
    });
  }
  return Object.freeze({
    bus,
    groupId,
    memberName: raw.SLB_SCORER_MEMBER ?? `${host}-${pid}`,
    windowMs,
    topicPrefix,
    metricsHost: raw.SLB_METRICS_HOST ?? DEFAULT_METRICS_HOST,
    metricsPort,
    logLevel,
  });
}
