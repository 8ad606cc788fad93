import { describe, expect, it } from 'vitest';
import { isSlbError } from '@slb/core';
import { envToConfig, readEnv } from './config.js';

const files: Record<string, string> = {
  'good.yaml': 'receivers:\n  - {name: am, type: alertmanager}\n  - {name: hook, type: webhook, url: "http://hook:1/x"}\nroutes:\n  - {match: {severity: critical}, receivers: [am, hook]}\ndefault: [am]\n',
  'bad.yaml': 'receivers:\n  - {name: hook, type: webhook}\nroutes:\n  - {match: {severity: page}, receivers: [nobody]}\n',
  'broken.yaml': 'receivers: [\n',
};
const readFile = (path: string): string => {
  const text = files[path];
  if (text === undefined) throw new Error(`ENOENT: no such file '${path}'`);
  return text;
};

function problems(env: NodeJS.ProcessEnv): { field: string; message: string }[] {
  try {
    envToConfig(readEnv(env), env, readFile);
  } catch (error) {
    if (isSlbError(error, 'SLB_CONFIG_INVALID')) return error.details?.problems as { field: string; message: string }[];
    throw error;
  }
  throw new Error('expected SLB_CONFIG_INVALID');
}

describe('envToConfig', () => {
  it('defaults everything but where to send alerts', () => {
    const config = envToConfig(readEnv({ ALERTMANAGER_URL: 'http://am:9093/' }), {}, readFile);
    expect(config).toMatchObject({ alertmanagerUrl: 'http://am:9093', consoleUrl: undefined, refreshIntervalMs: 60_000, metricsHost: '0.0.0.0', metricsPort: 9103, logLevel: 'info' });
    expect([...config.routes.receivers.keys()]).toEqual(['alertmanager']);
    expect(config.bus.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads every variable', () => {
    const env = {
      KAFKA_BROKERS: 'k1:9092,k2:9092',
      SCHEMA_REGISTRY_URL: 'http://reg:8081',
      ALERTMANAGER_URL: 'http://am:9093',
      SLB_ALERT_ROUTES_FILE: 'good.yaml',
      SLB_ALERT_REFRESH_INTERVAL_MS: '15000',
      SLB_METRICS_HOST: '127.0.0.1',
      SLB_METRICS_PORT: '0',
      SLB_CONSOLE_URL: 'http://console:8080',
      LOG_LEVEL: 'DEBUG',
    };
    const config = envToConfig(readEnv(env), env, readFile);
    expect(config).toMatchObject({ consoleUrl: 'http://console:8080', refreshIntervalMs: 15_000, metricsHost: '127.0.0.1', metricsPort: 0, logLevel: 'debug' });
    expect(config.bus.kafka.brokers).toEqual(['k1:9092', 'k2:9092']);
    expect(config.routes.receivers.get('am')).toEqual({ name: 'am', type: 'alertmanager', url: 'http://am:9093' });
    expect(config.routes.receivers.get('hook')).toMatchObject({ type: 'webhook', url: 'http://hook:1/x' });
  });

  it.each([
    ['nowhere to send', {}, [{ field: 'ALERTMANAGER_URL', message: expect.stringContaining('set ALERTMANAGER_URL or SLB_ALERT_ROUTES_FILE') }]],
    [
      'every bad variable at once, the bus’s included',
      { KAFKA_BROKERS: 'nope', ALERTMANAGER_URL: 'am:9093', SLB_CONSOLE_URL: 'ftp://c', SLB_METRICS_PORT: '70000', SLB_ALERT_REFRESH_INTERVAL_MS: '10', LOG_LEVEL: 'loud' },
      [
        { field: 'KAFKA_BROKERS', message: expect.stringContaining('"nope" is not host:port') },
        { field: 'ALERTMANAGER_URL', message: expect.stringContaining('must be http(s)') },
        { field: 'SLB_CONSOLE_URL', message: expect.stringContaining('must be http(s)') },
        { field: 'SLB_METRICS_PORT', message: expect.stringContaining('from 0 to 65535') },
        { field: 'SLB_ALERT_REFRESH_INTERVAL_MS', message: expect.stringContaining('at least 1000') },
        { field: 'LOG_LEVEL', message: expect.stringContaining('"loud"') },
      ],
    ],
    [
      'every routes-file problem, with its path in the file',
      { SLB_ALERT_ROUTES_FILE: 'bad.yaml' },
      [
        { field: 'SLB_ALERT_ROUTES_FILE', message: 'bad.yaml: receivers[0].url: must be an http(s) URL' },
        { field: 'SLB_ALERT_ROUTES_FILE', message: expect.stringContaining('bad.yaml: routes[0].match.severity[0]: "page"') },
        { field: 'SLB_ALERT_ROUTES_FILE', message: expect.stringContaining('bad.yaml: routes[0].receivers[0]: unknown receiver "nobody"') },
      ],
    ],
    ['an alertmanager receiver without url or ALERTMANAGER_URL', { SLB_ALERT_ROUTES_FILE: 'good.yaml' }, [{ field: 'SLB_ALERT_ROUTES_FILE', message: 'good.yaml: receivers[0].url: required (or set ALERTMANAGER_URL)' }]],
    ['unparsable YAML', { SLB_ALERT_ROUTES_FILE: 'broken.yaml' }, [{ field: 'SLB_ALERT_ROUTES_FILE', message: expect.stringMatching(/^broken\.yaml: /) }]],
    ['a missing file', { SLB_ALERT_ROUTES_FILE: 'missing.yaml' }, [{ field: 'SLB_ALERT_ROUTES_FILE', message: expect.stringContaining('ENOENT') }]],
  ])('%s', (_name, env, expected) => {
    expect(problems(env)).toEqual(expected);
  });
});
