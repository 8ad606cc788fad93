/**
 * One kafkajs client from the core's connection config: brokers, SASL (PLAIN, SCRAM-SHA-256/512)
 * and TLS with certificate verification on unless explicitly turned off.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { KafkaConfig, SASLOptions, RetryOptions, logCreator } from 'kafkajs';
import { Kafka, logLevel } from './kafkajs.js';
import { SlbError } from '../errors/index.js';
import type { KafkaConnectionConfig } from '../config/kafka-env.js';
import type { Logger } from '../observability/logger.js';
import { registerCompressionCodecs } from './compression.js';

export interface KafkaClientOptions {
  readonly clientId: string;
  readonly connection: KafkaConnectionConfig;
  readonly logger?: Logger;
  readonly retry?: RetryOptions;
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** Reads TLS files (tests inject). */
  readonly readFile?: (path: string) => Buffer;
}

/** The kafkajs `ssl` option for a TLS config; reads CA/cert/key files, all problems at once. */
export function tlsOptions(connection: KafkaConnectionConfig, readFile: (path: string) => Buffer = readFileSync): ConnectionOptions | undefined {
  const tls = connection.tls;
  if (tls === undefined) return undefined;
  const problems: { field: string; message: string }[] = [];
  const load = (field: string, path: string | undefined): Buffer | undefined => {
    if (path === undefined) return undefined;
    try {
      return readFile(path);
    } catch (error) {
      problems.push({ field, message: `cannot read ${path}: ${(error as Error).message}` });
      return undefined;
    }
  };
  const ca = load('KAFKA_TLS_CA_FILE', tls.caFile);
  const cert = load('KAFKA_TLS_CERT_FILE', tls.certFile);
  const key = load('KAFKA_TLS_KEY_FILE', tls.keyFile);
  if (problems.length > 0) {
    throw new SlbError('SLB_CONFIG_INVALID', `invalid TLS files: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, { details: { problems } });
  }
  return {
    rejectUnauthorized: tls.rejectUnauthorized,
    ...(ca === undefined ? {} : { ca: [ca] }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
  };
}

export function saslOptions(connection: KafkaConnectionConfig): SASLOptions | undefined {
  const sasl = connection.sasl;
  if (sasl === undefined) return undefined;
  return { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } as SASLOptions;
}

/** The kafkajs config (exported for tests of the security mapping). */
export function kafkaConfig(options: KafkaClientOptions): KafkaConfig {
  const ssl = tlsOptions(options.connection, options.readFile);
  const sasl = saslOptions(options.connection);
  return {
    clientId: options.clientId,
    brokers: [...options.connection.brokers],
    connectionTimeout: options.connectionTimeoutMs ?? 3_000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    retry: options.retry ?? { initialRetryTime: 200, maxRetryTime: 5_000, retries: 8 },
    ...(ssl === undefined ? {} : { ssl }),
    ...(sasl === undefined ? {} : { sasl }),
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(options.logger),
  };
}

export function createKafkaClient(options: KafkaClientOptions): Kafka {
  registerCompressionCodecs();
  return new Kafka(kafkaConfig(options));
}

/** Route kafkajs's own logs into pino (silent when no logger is given). */
function kafkaLogCreator(logger: Logger | undefined): logCreator {
  return () => ({ level, log }) => {
    if (logger === undefined) return;
    const { message, ...extra } = log;
    const fields = { kafkajs: log.namespace ?? extra['namespace'], ...extra };
    if (level === logLevel.ERROR) logger.error(fields, message);
    else if (level === logLevel.WARN) logger.warn(fields, message);
    else if (level === logLevel.INFO) logger.info(fields, message);
    else logger.debug(fields, message);
  };
}
