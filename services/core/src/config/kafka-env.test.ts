import { describe, expect, it } from 'vitest';
import { isSlbError } from '../errors/index.js';
import { readBusEnv, type ConfigProblem } from './kafka-env.js';

function problemsOf(env: Record<string, string>): ConfigProblem[] {
  try {
    readBusEnv(env);
  } catch (error) {
    if (isSlbError(error, 'SLB_CONFIG_INVALID')) return error.details?.['problems'] as ConfigProblem[];
    throw error;
  }
  return [];
}

describe('readBusEnv', () => {
  it('defaults to a local broker and registry, no SASL, no TLS', () => {
    expect(readBusEnv({})).toEqual({
      kafka: { brokers: ['127.0.0.1:9092'] },
      registry: { url: 'http://127.0.0.1:8081' },
    });
  });

  it.each([
    ['PLAIN', 'plain'],
    ['SCRAM-SHA-256', 'scram-sha-256'],
    ['scram-sha-512', 'scram-sha-512'],
  ] as const)('reads SASL %s', (mechanism, expected) => {
    const config = readBusEnv({ KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: 'slb', KAFKA_SASL_PASSWORD: 's3cret' });
    expect(config.kafka.sasl).toEqual({ mechanism: expected, username: 'slb', password: 's3cret' });
  });

  it.each([
    [{ KAFKA_TLS: 'true' }, { rejectUnauthorized: true }],
    [{ KAFKA_TLS_CA_FILE: '/etc/ca.pem' }, { rejectUnauthorized: true, caFile: '/etc/ca.pem' }],
    [{ KAFKA_TLS: '1', KAFKA_TLS_REJECT_UNAUTHORIZED: 'false' }, { rejectUnauthorized: false }],
    [{ KAFKA_TLS_CERT_FILE: '/c.pem', KAFKA_TLS_KEY_FILE: '/k.pem' }, { rejectUnauthorized: true, certFile: '/c.pem', keyFile: '/k.pem' }],
  ])('reads TLS %j with verification on unless turned off', (env, expected) => {
    expect(readBusEnv(env).kafka.tls).toEqual(expected);
  });

  it('splits a broker list and reads registry credentials', () => {
    const config = readBusEnv({
      KAFKA_BROKERS: 'k1:9092, k2:9093',
      SCHEMA_REGISTRY_URL: 'https://registry:8081',
      SCHEMA_REGISTRY_USERNAME: 'u',
      SCHEMA_REGISTRY_PASSWORD: 'p',
    });
    expect(config.kafka.brokers).toEqual(['k1:9092', 'k2:9093']);
    expect(config.registry).toEqual({ url: 'https://registry:8081', auth: { username: 'u', password: 'p' } });
  });

  it('reports every problem at once, by variable name', () => {
    const problems = problemsOf({
      KAFKA_BROKERS: 'nohostport',
      KAFKA_SASL_MECHANISM: 'GSSAPI',
      KAFKA_TLS: 'maybe',
      KAFKA_TLS_CERT_FILE: '/c.pem',
      SCHEMA_REGISTRY_URL: 'ftp://x',
      SCHEMA_REGISTRY_USERNAME: 'u',
    });
    expect(problems.map((p) => p.field).sort()).toEqual([
      'KAFKA_BROKERS',
      'KAFKA_SASL_MECHANISM',
      'KAFKA_SASL_PASSWORD',
      'KAFKA_SASL_USERNAME',
      'KAFKA_TLS',
      'KAFKA_TLS_KEY_FILE',
      'SCHEMA_REGISTRY_PASSWORD',
      'SCHEMA_REGISTRY_URL',
    ]);
  });

  it.each([
    [{ KAFKA_SASL_USERNAME: 'u' }, 'KAFKA_SASL_MECHANISM'],
    [{ KAFKA_TLS: 'false', KAFKA_TLS_CA_FILE: '/ca' }, 'KAFKA_TLS'],
    [{ KAFKA_TLS_REJECT_UNAUTHORIZED: 'nope' }, 'KAFKA_TLS_REJECT_UNAUTHORIZED'],
    [{ SCHEMA_REGISTRY_URL: 'not a url' }, 'SCHEMA_REGISTRY_URL'],
  ])('rejects %j naming %s', (env, field) => {
    expect(problemsOf(env).map((p) => p.field)).toEqual([field]);
  });
});
