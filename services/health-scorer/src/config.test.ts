import { describe, expect, it } from 'vitest';
import { isSlbError } from '@slb/core';
import { envToConfig, readEnv } from './config.js';

describe('health-scorer configuration', () => {
  it('defaults everything from an empty environment', () => {
    const c = envToConfig(readEnv({}), {}, 'host1', 77);
    expect(c).toMatchObject({ groupId: 'slb-health-scorer', memberName: 'host1-77', metricsPort: 9102, windowMs: 5_000, topicPrefix: '', logLevel: 'info' });
    expect(c.bus.kafka.brokers).toEqual(['127.0.0.1:9092']);
  });

  it('reads its variables and the bus settings', () => {
    const env = {
      KAFKA_BROKERS: '10.0.0.1:9092,10.0.0.2:9092',
      SCHEMA_REGISTRY_URL: 'http://reg:8081',
      SLB_SCORER_GROUP: 'scorers',
      SLB_SCORER_MEMBER: 'scorer-1',
      SLB_METRICS_PORT: '9999',
      SLB_WINDOW_MS: '1000',
      SLB_TOPIC_PREFIX: 'staging.',
      LOG_LEVEL: 'DEBUG',
    };
    const c = envToConfig(readEnv(env), env);
    expect(c).toMatchObject({ groupId: 'scorers', memberName: 'scorer-1', metricsPort: 9999, windowMs: 1_000, topicPrefix: 'staging.', logLevel: 'debug' });
    expect(c.bus.kafka.brokers).toEqual(['10.0.0.1:9092', '10.0.0.2:9092']);
    expect(c.bus.registry.url).toBe('http://reg:8081');
  });

  it('reports every problem at once, naming each variable', () => {
    const env = { KAFKA_BROKERS: 'nope', SLB_METRICS_PORT: '70000', SLB_WINDOW_MS: '5', SLB_SCORER_GROUP: 'a b', LOG_LEVEL: 'loud' };
    let caught: unknown;
    try {
      envToConfig(readEnv(env), env);
    } catch (error) {
      caught = error;
    }
    expect(isSlbError(caught, 'SLB_CONFIG_INVALID')).toBe(true);
    const fields = ((caught as { details: { problems: { field: string }[] } }).details.problems ?? []).map((p) => p.field).sort();
    expect(fields).toEqual(['KAFKA_BROKERS', 'LOG_LEVEL', 'SLB_METRICS_PORT', 'SLB_SCORER_GROUP', 'SLB_WINDOW_MS']);
  });
});
