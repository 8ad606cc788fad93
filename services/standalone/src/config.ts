/**
 * The standalone process's only reader of argv and the environment: `npm start [-- options]`.
 * Every problem is reported at once in one SLB_CONFIG_INVALID error.
 */
import { parseArgs } from 'node:util';
import { LOG_LEVELS, SlbError } from '@slb/core';

export interface StandaloneConfig {
  /** A YAML/JSON file of the user's services; undefined runs the demo services. */
  readonly configFile: string | undefined;
  readonly host: string;
  readonly port: number;
  readonly adminPort: number;
  readonly consolePort: number;
  /** Background requests per second through the proxy (demo only); 0 turns it off. */
  readonly demoTrafficRps: number;
  /** Alertmanager base URL; when set, the alert-router forwards alerts there. */
  readonly alertmanagerUrl: string | undefined;
  readonly adminToken: string | undefined;
  readonly logLevel: string;
}

export const USAGE = `usage: npm start [-- [--config services.yaml] [--port 8080] [--admin-port 9901]
                     [--console-port 8090] [--host 127.0.0.1] [--demo-traffic-rps 20]
                     [--alertmanager http://127.0.0.1:9093]]
Runs every role in one process on an in-process bus (no Kafka). Without --config it runs demo
services with knobs for added latency and errors. Environment: SLB_ADMIN_TOKEN, LOG_LEVEL.`;

const port = (name: string, raw: string | undefined, fallback: number, problems: string[]): number => {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) problems.push(`--${name} must be a port number 0-65535, got "${raw}"`);
  return n;
};

export function parseStandaloneArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): StandaloneConfig | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        'admin-port': { type: 'string' },
        'console-port': { type: 'string' },
        'demo-traffic-rps': { type: 'string' },
        alertmanager: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new SlbError('SLB_CONFIG_INVALID', `${(error as Error).message}\n${USAGE}`);
  }
  if (values.help === true) return 'help';
  const problems: string[] = [];
  const str = (k: string): string | undefined => values[k] as string | undefined;
  const rps = str('demo-traffic-rps') === undefined ? 20 : Number(str('demo-traffic-rps'));
  if (!(Number.isFinite(rps) && rps >= 0 && rps <= 10_000)) problems.push(`--demo-traffic-rps must be a number 0-10000, got "${str('demo-traffic-rps')}"`);
  const am = str('alertmanager');
  if (am !== undefined && !/^https?:\/\/[^\s/]+/.test(am)) problems.push(`--alertmanager must be an http(s) URL, got "${am}"`);
  const config: StandaloneConfig = {
    configFile: str('config'),
    host: str('host') ?? '127.0.0.1',
    port: port('port', str('port'), 8080, problems),
    adminPort: port('admin-port', str('admin-port'), 9901, problems),
    consolePort: port('console-port', str('console-port'), 8090, problems),
    demoTrafficRps: rps,
    alertmanagerUrl: am,
    adminToken: env.SLB_ADMIN_TOKEN,
    logLevel: env.LOG_LEVEL ?? 'info',
  };
  if (!(LOG_LEVELS as readonly string[]).includes(config.logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${config.logLevel}"`);
  if (problems.length > 0) throw new SlbError('SLB_CONFIG_INVALID', problems.join('\n'), { details: { problems } });
  return config;
}
