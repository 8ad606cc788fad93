import { describe, expect, it } from 'vitest';
import { isSlbError } from '@slb/core';
import { envToConfig, readEnv } from './config.js';

describe('proxy config', () => {
  it('defaults every field', () => {
    const c = envToConfig({ SLB_PROXY_ID: 'p1' });
    expect(c).toMatchObject({ proxyId: 'p1', host: '0.0.0.0', port: 8080, adminHost: '127.0.0.1', adminPort: 9901, adminToken: undefined, bus: 'none', logLevel: 'info', accessLog: true, services: [] });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reads only its own variables', () => {
    expect(readEnv({ SLB_PROXY_PORT: '1', HOME: '/root', KAFKA_BROKERS: 'k:1', SLB_ADMIN_TOKEN: '' })).toEqual({ SLB_PROXY_PORT: '1', KAFKA_BROKERS: 'k:1' });
  });

  it('reports every problem at once', () => {
    let error: unknown;
    try {
      envToConfig(
        { SLB_PROXY_PORT: 'eighty', SLB_ADMIN_PORT: '70000', SLB_ADMIN_TOKEN: 'short', SLB_TRUSTED_PROXIES: '10.0.0.0/8, nonsense', LOG_LEVEL: 'loud', SLB_BUS: 'carrier-pigeon', SLB_CONFIG_FILE: '/nope.yaml', SLB_ACCESS_LOG: 'maybe' },
        () => {
          throw new Error('ENOENT');
        },
      );
    } catch (err) {
      error = err;
    }
    expect(isSlbError(error, 'SLB_CONFIG_INVALID')).toBe(true);
    const problems = (error as { details: { problems: string[] } }).details.problems;
    for (const key of ['SLB_PROXY_PORT', 'SLB_ADMIN_PORT', 'SLB_ADMIN_TOKEN', 'SLB_TRUSTED_PROXIES', 'LOG_LEVEL', 'SLB_BUS', 'SLB_CONFIG_FILE', 'SLB_ACCESS_LOG']) {
      expect(problems.some((p) => p.startsWith(key)), key).toBe(true);
    }
  });

  it('reads services from the config file', () => {
    const c = envToConfig({ SLB_CONFIG_FILE: 'x.yaml' }, () => [{ serviceId: 's' }]);
    expect(c.services).toEqual([{ serviceId: 's' }]);
  });
});
