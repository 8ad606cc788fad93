import { describe, expect, it } from 'vitest';
import { DEFAULT_CONSOLE_HOST, DEFAULT_CONSOLE_PORT, envToConfig, readEnv } from './config.js';

describe('controller config', () => {
  it('defaults: loopback console on 8090, mutations off, the default group', () => {
    const c = envToConfig(readEnv({}), {}, { member: 'controller-x' });
    expect(c).toMatchObject({ consoleHost: DEFAULT_CONSOLE_HOST, consolePort: DEFAULT_CONSOLE_PORT, adminToken: undefined, groupId: 'slb-controller', member: 'controller-x', topicPrefix: '', logLevel: 'info' });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reads its variables', () => {
    const env = { SLB_CONTROLLER_GROUP: 'g1', SLB_CONTROLLER_MEMBER: 'm-1', SLB_CONSOLE_PORT: '0', SLB_ADMIN_TOKEN: 'x'.repeat(20), SLB_TOPIC_PREFIX: 'dev.', LOG_LEVEL: 'DEBUG', KAFKA_BROKERS: 'k1:9092' };
    const c = envToConfig(readEnv(env), env);
    expect(c).toMatchObject({ groupId: 'g1', member: 'm-1', consolePort: 0, adminToken: 'x'.repeat(20), topicPrefix: 'dev.', logLevel: 'debug' });
    expect(c.bus.kafka.brokers).toEqual(['k1:9092']);
  });

  it('reports every problem at once', () => {
    const env = { SLB_CONSOLE_PORT: '70000', SLB_ADMIN_TOKEN: 'short', LOG_LEVEL: 'loud', SLB_CONTROLLER_MEMBER: 'no spaces', KAFKA_BROKERS: 'nohost' };
    try {
      envToConfig(readEnv(env), env);
      expect.unreachable();
    } catch (error) {
      const fields = ((error as { details: { problems: { field: string }[] } }).details.problems).map((p) => p.field).sort();
      expect(fields).toEqual(['KAFKA_BROKERS', 'LOG_LEVEL', 'SLB_ADMIN_TOKEN', 'SLB_CONSOLE_PORT', 'SLB_CONTROLLER_MEMBER']);
    }
  });
});
