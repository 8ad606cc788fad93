import { describe, expect, it } from 'vitest';
import { isSlbError } from '../errors/index.js';
import { readBusEnv } from '../config/kafka-env.js';
import { kafkaConfig } from './client.js';

const files: Record<string, string> = { '/ca.pem': 'CA', '/cert.pem': 'CERT', '/key.pem': 'KEY' };
const readFile = (path: string): Buffer => {
  const content = files[path];
  if (content === undefined) throw new Error('ENOENT');
  return Buffer.from(content);
};
const configFor = (env: Record<string, string>) => kafkaConfig({ clientId: 't', connection: readBusEnv(env).kafka, readFile });

describe('kafkaConfig (security from the environment)', () => {
  it('has no TLS and no SASL by default', () => {
    const config = configFor({});
    expect(config.ssl).toBeUndefined();
    expect(config.sasl).toBeUndefined();
  });

  it.each(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'])('passes SASL %s through', (mechanism) => {
    const config = configFor({ KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' });
    expect(config.sasl).toEqual({ mechanism: mechanism.toLowerCase(), username: 'u', password: 'p' });
  });

  it('verifies the broker certificate by default and loads CA, cert and key', () => {
    const config = configFor({ KAFKA_TLS_CA_FILE: '/ca.pem', KAFKA_TLS_CERT_FILE: '/cert.pem', KAFKA_TLS_KEY_FILE: '/key.pem' });
    expect(config.ssl).toEqual({ rejectUnauthorized: true, ca: [Buffer.from('CA')], cert: Buffer.from('CERT'), key: Buffer.from('KEY') });
  });

  it('turns verification off only when told to', () => {
    expect(configFor({ KAFKA_TLS: 'true', KAFKA_TLS_REJECT_UNAUTHORIZED: 'false' }).ssl).toEqual({ rejectUnauthorized: false });
  });

  it('reports every unreadable TLS file at once', () => {
    let caught: unknown;
    try {
      configFor({ KAFKA_TLS_CA_FILE: '/missing-ca', KAFKA_TLS_CERT_FILE: '/missing-cert', KAFKA_TLS_KEY_FILE: '/key.pem' });
    } catch (error) {
      caught = error;
    }
    expect(isSlbError(caught, 'SLB_CONFIG_INVALID')).toBe(true);
    const problems = (caught as { details: { problems: { field: string }[] } }).details.problems;
    expect(problems.map((p) => p.field)).toEqual(['KAFKA_TLS_CA_FILE', 'KAFKA_TLS_CERT_FILE']);
  });
});
