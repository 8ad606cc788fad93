import { describe, expect, it } from 'vitest';
import { isSlbError, type ConfigProblem } from '@slb/core';
import { envToConfig, readEnv } from './config.js';

describe('proxy config', () => {
  it('defaults every field', () => {
    const c = envToConfig({ SLB_PROXY_ID: 'p1' });
    expect(c).toMatchObject({ proxyId: 'p1', host: '0.0.0.0', port: 8080, adminHost: '127.0.0.1', adminPort: 9901, adminToken: undefined, bus: 'none', logLevel: 'info', accessLog: true, services: [] });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('defaults the request hygiene settings (docs/proxy.md, "HTTP hygiene")', () => {
    expect(envToConfig({ SLB_PROXY_ID: 'p1' })).toMatchObject({
      pathNormalization: { mergeSlashes: false, escapedSlashes: 'keep' },
      allowTrace: false,
      clientIpHeaders: ['x-real-ip', 'true-client-ip', 'x-client-ip', 'cf-connecting-ip'],
    });
  });

  it('reads only its own variables, trimmed, an empty one unset (core pickEnv, as every role)', () => {
    expect(readEnv({ SLB_PROXY_PORT: ' 1', HOME: '/root', KAFKA_BROKERS: 'k:1', SLB_ADMIN_TOKEN: '', SLB_SNAPSHOT_DIR: '  ' })).toEqual({ SLB_PROXY_PORT: '1' });
  });

  it('reports every problem at once', () => {
    let error: unknown;
    try {
      envToConfig(
        { SLB_PROXY_PORT: 'eighty', SLB_ADMIN_PORT: '70000', SLB_ADMIN_TOKEN: 'short', SLB_TRUSTED_PROXIES: '10.0.0.0/8, nonsense', LOG_LEVEL: 'loud', SLB_BUS: 'carrier-pigeon', SLB_CONFIG_FILE: '/nope.yaml', SLB_ACCESS_LOG: 'maybe', SLB_UPSTREAM_SOURCE_ADDRESS: 'eth0' },
        {},
        () => {
          throw new Error('ENOENT');
        },
      );
    } catch (err) {
      error = err;
    }
    expect(isSlbError(error, 'SLB_CONFIG_INVALID')).toBe(true);
    const problems = (error as { details: { problems: ConfigProblem[] } }).details.problems;
    for (const key of ['SLB_PROXY_PORT', 'SLB_ADMIN_PORT', 'SLB_ADMIN_TOKEN', 'SLB_TRUSTED_PROXIES', 'LOG_LEVEL', 'SLB_BUS', 'SLB_CONFIG_FILE', 'SLB_ACCESS_LOG', 'SLB_UPSTREAM_SOURCE_ADDRESS']) {
      expect(problems.some((p) => p.field === key), key).toBe(true);
    }
  });

  // Values are trimmed (readEnv), integers are digits only, LOG_LEVEL is any case (core's envLogLevel).
  const cases: Array<[Record<string, string>, Record<string, unknown> | string]> = [
    [{ SLB_PROXY_PORT: ' 80 ' }, { port: 80 }],
    [{ SLB_PROXY_PORT: '0080' }, { port: 80 }],
    [{ SLB_PROXY_PORT: '65536' }, 'SLB_PROXY_PORT'],
    [{ SLB_PROXY_PORT: '1e3' }, 'SLB_PROXY_PORT'],
    [{ SLB_PROXY_PORT: '0x10' }, 'SLB_PROXY_PORT'],
    [{ SLB_PROXY_PORT: '80.0' }, 'SLB_PROXY_PORT'],
    [{ SLB_PROXY_PORT: '+80' }, 'SLB_PROXY_PORT'],
    [{ SLB_PROXY_PORT: '  ' }, { port: 8080 }],
    [{ SLB_PROXY_PORT: '8 0' }, 'SLB_PROXY_PORT'],
    [{ SLB_MAX_BODY_BYTES: '9007199254740991' }, { limits: expect.objectContaining({ maxBodyBytes: Number.MAX_SAFE_INTEGER }) }],
    [{ SLB_MAX_BODY_BYTES: '9007199254740992' }, 'SLB_MAX_BODY_BYTES'],
    [{ SLB_MAX_HEADER_BYTES: '1023' }, 'SLB_MAX_HEADER_BYTES'],
    [{}, { limits: expect.objectContaining({ bodyMinBytesPerSec: 500, bodyGraceMs: 10_000 }) }],
    [{ SLB_CLIENT_BODY_MIN_RATE: '0', SLB_CLIENT_BODY_GRACE_MS: '0' }, { limits: expect.objectContaining({ bodyMinBytesPerSec: 0, bodyGraceMs: 0 }) }],
    [{ SLB_CLIENT_BODY_MIN_RATE: '-1' }, 'SLB_CLIENT_BODY_MIN_RATE'],
    [{ SLB_CLIENT_BODY_MIN_RATE: '1kb' }, 'SLB_CLIENT_BODY_MIN_RATE'],
    [{ SLB_CLIENT_BODY_GRACE_MS: '3600001' }, 'SLB_CLIENT_BODY_GRACE_MS'],
    [{ SLB_PROXY_HOST: '::1' }, { host: '::1' }],
    [{ SLB_PROXY_HOST: ' 127.0.0.1' }, { host: '127.0.0.1' }],
    [{ SLB_PROXY_HOST: '127.0.0.1 /8' }, 'SLB_PROXY_HOST'],
    [{ SLB_PROXY_ID: 'p1 ' }, { proxyId: 'p1' }],
    [{ SLB_PROXY_ID: 'p 1' }, 'SLB_PROXY_ID'],
    [{ SLB_ADMIN_TOKEN: '0123456789abcdef ' }, { adminToken: '0123456789abcdef' }],
    [{ SLB_ADMIN_TOKEN: '0123456789abcde' }, 'SLB_ADMIN_TOKEN'],
    // Off loopback, the admin listener needs a token (issue 11); loopback stays token-optional.
    [{ SLB_ADMIN_HOST: '0.0.0.0' }, 'SLB_ADMIN_HOST'],
    [{ SLB_ADMIN_HOST: '::' }, 'SLB_ADMIN_HOST'],
    [{ SLB_ADMIN_HOST: '10.1.2.3' }, 'SLB_ADMIN_HOST'],
    [{ SLB_ADMIN_HOST: 'admin.internal' }, 'SLB_ADMIN_HOST'],
    [{ SLB_ADMIN_HOST: '128.0.0.1' }, 'SLB_ADMIN_HOST'],
    [{ SLB_ADMIN_HOST: '::ffff:10.0.0.1' }, 'SLB_ADMIN_HOST'],
    [{ SLB_ADMIN_HOST: 'bad host' }, 'SLB_ADMIN_HOST'],
    [{ SLB_ADMIN_HOST: '0.0.0.0', SLB_ADMIN_TOKEN: '0123456789abcdef' }, { adminHost: '0.0.0.0', adminToken: '0123456789abcdef' }],
    [{ SLB_ADMIN_HOST: '0.0.0.0', SLB_ADMIN_TOKEN: 'short' }, 'SLB_ADMIN_TOKEN'],
    [{ SLB_ADMIN_HOST: '127.0.0.1' }, { adminHost: '127.0.0.1', adminToken: undefined }],
    [{ SLB_ADMIN_HOST: '127.10.20.30' }, { adminHost: '127.10.20.30' }],
    [{ SLB_ADMIN_HOST: '::1' }, { adminHost: '::1' }],
    [{ SLB_ADMIN_HOST: '::ffff:127.0.0.1' }, { adminHost: '::ffff:127.0.0.1' }],
    [{ SLB_ADMIN_HOST: 'localhost' }, { adminHost: 'localhost' }],
    [{ SLB_ADMIN_HOST: 'LocalHost' }, { adminHost: 'LocalHost' }],
    [{ SLB_SNAPSHOT_DIR: '/data/snap ' }, { snapshotDir: '/data/snap' }],
    [{ SLB_UPSTREAM_SOURCE_ADDRESS: '127.0.0.2' }, { upstreamSourceAddress: '127.0.0.2' }],
    [{ SLB_UPSTREAM_SOURCE_ADDRESS: 'fd00::1' }, { upstreamSourceAddress: 'fd00::1' }],
    [{ SLB_UPSTREAM_SOURCE_ADDRESS: 'eth0' }, 'SLB_UPSTREAM_SOURCE_ADDRESS'],
    [{ SLB_UPSTREAM_SOURCE_ADDRESS: '10.0.0.0/8' }, 'SLB_UPSTREAM_SOURCE_ADDRESS'],
    [{ SLB_TRUSTED_PROXIES: '10.0.0.0/8, ::1/128' }, { trustedProxies: ['10.0.0.0/8', '::1/128'] }],
    [{ SLB_TRUSTED_PROXIES: '10.0.0.0/33' }, 'SLB_TRUSTED_PROXIES'],
    [{ SLB_ACCESS_LOG: 'FALSE' }, { accessLog: false }],
    [{ SLB_ACCESS_LOG: ' true' }, { accessLog: true }],
    [{ SLB_ACCESS_LOG: 'yes' }, 'SLB_ACCESS_LOG'],
    [{ SLB_PATH_MERGE_SLASHES: 'TRUE' }, { pathNormalization: { mergeSlashes: true, escapedSlashes: 'keep' } }],
    [{ SLB_PATH_MERGE_SLASHES: '0' }, { pathNormalization: { mergeSlashes: false, escapedSlashes: 'keep' } }],
    [{ SLB_PATH_MERGE_SLASHES: 'on' }, 'SLB_PATH_MERGE_SLASHES'],
    [{ SLB_PATH_ESCAPED_SLASHES: 'reject' }, { pathNormalization: { mergeSlashes: false, escapedSlashes: 'reject' } }],
    [{ SLB_PATH_ESCAPED_SLASHES: 'decode' }, { pathNormalization: { mergeSlashes: false, escapedSlashes: 'decode' } }],
    [{ SLB_PATH_ESCAPED_SLASHES: 'REJECT' }, 'SLB_PATH_ESCAPED_SLASHES'],
    [{ SLB_PATH_ESCAPED_SLASHES: 'unescape_and_redirect' }, 'SLB_PATH_ESCAPED_SLASHES'],
    [{ SLB_ALLOW_TRACE: 'true' }, { allowTrace: true }],
    [{ SLB_ALLOW_TRACE: 'yes' }, 'SLB_ALLOW_TRACE'],
    [{ SLB_CLIENT_IP_HEADERS: 'X-Real-IP, Fastly-Client-IP' }, { clientIpHeaders: ['x-real-ip', 'fastly-client-ip'] }],
    [{ SLB_CLIENT_IP_HEADERS: 'none' }, { clientIpHeaders: [] }],
    [{ SLB_CLIENT_IP_HEADERS: 'X-Real-IP,,' }, { clientIpHeaders: ['x-real-ip'] }],
    [{ SLB_CLIENT_IP_HEADERS: 'X-Real-IP;True-Client-IP' }, 'SLB_CLIENT_IP_HEADERS'],
    [{ SLB_CLIENT_IP_HEADERS: 'X Real IP' }, 'SLB_CLIENT_IP_HEADERS'],
    [{ SLB_CLIENT_IP_HEADERS: 'X-Real-IP:' }, 'SLB_CLIENT_IP_HEADERS'],
    [{ SLB_CLIENT_IP_HEADERS: 'Host' }, 'SLB_CLIENT_IP_HEADERS'],
    [{ SLB_CLIENT_IP_HEADERS: 'x-real-ip, none' }, 'SLB_CLIENT_IP_HEADERS'],
    [{ LOG_LEVEL: 'debug' }, { logLevel: 'debug' }],
    [{ LOG_LEVEL: 'INFO' }, { logLevel: 'info' }],
    [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL'],
    [{ SLB_BUS: 'KAFKA' }, 'SLB_BUS'],
    [{ SLB_BUS: 'kafka', KAFKA_BROKERS: 'nohostport' }, 'KAFKA_BROKERS'],
    [{ SLB_BUS: 'none', KAFKA_BROKERS: 'nohostport' }, { bus: 'none', busEnv: undefined }],
  ];
  it.each(cases)('%j -> %j', (env, expected) => {
    const read = () => envToConfig(readEnv({ SLB_PROXY_ID: 'p', ...env }), env);
    if (typeof expected !== 'string') return void expect(read()).toMatchObject(expected);
    let error: unknown;
    try {
      read();
    } catch (err) {
      error = err;
    }
    expect(isSlbError(error, 'SLB_CONFIG_INVALID')).toBe(true);
    expect((error as { details: { problems: ConfigProblem[] } }).details.problems.map((p) => p.field)).toEqual([expected]);
  });

  it('names both variables and the fix when the admin listener is off loopback without a token', () => {
    let error: unknown;
    try {
      envToConfig({ SLB_PROXY_ID: 'p', SLB_ADMIN_HOST: '0.0.0.0' });
    } catch (err) {
      error = err;
    }
    expect(isSlbError(error, 'SLB_CONFIG_INVALID')).toBe(true);
    expect((error as Error).message).toMatch(/SLB_ADMIN_HOST: "0\.0\.0\.0" is not a loopback address and SLB_ADMIN_TOKEN is unset.*set SLB_ADMIN_TOKEN \(at least 16 characters\) or bind SLB_ADMIN_HOST to 127\.0\.0\.1/);
  });

  it('reads services from the config file', () => {
    const c = envToConfig({ SLB_CONFIG_FILE: 'x.yaml' }, {}, () => [{ serviceId: 's' }]);
    expect(c.services).toEqual([{ serviceId: 's' }]);
  });
});
