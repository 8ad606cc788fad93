/**
 * Command line -> one validated, frozen set of options. Every mistake is an SlbError
 * SLB_LOADTEST_USAGE with a one-line message (main prints it and exits 2). No I/O here.
 */
import { parseArgs } from 'node:util';
import { SlbError } from '../../services/core/src/errors/index.js';
import { parseBurst, type BurstSpec } from './burst-spec.js';
import { SCENARIOS, SCENARIO_NAMES } from './scenarios.js';

export const DEFAULT_URL = 'http://127.0.0.1:8080/';
export const DEFAULT_DURATION_SECONDS = 10;
export const DEFAULT_TIMEOUT_SECONDS = 10;
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const MAX_DURATION_SECONDS = 24 * 3_600;

export interface LoadOptions {
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
  /** Requests per second (the base rate when there is a burst); a scenario's rate after --scale. */
  readonly rate: number;
  readonly durationSeconds: number;
  /** A scenario's burst after --scale. */
  readonly burst: BurstSpec | undefined;
  /** undefined: chosen per phase from its rate (defaultConnections). */
  readonly connections: number | undefined;
  readonly timeoutSeconds: number;
  readonly scenario: string | undefined;
  readonly scale: number;
  readonly json: boolean;
}

export type ParsedCommand = { readonly help: true } | { readonly help: false; readonly options: LoadOptions };

export const USAGE = `usage: npm run loadtest -- [options]

  --url URL            target (default ${DEFAULT_URL})
  --rate N             requests per second (the base rate when there is a burst)
  --duration D         how long: 30, 30s, 5m, 1h (default ${DEFAULT_DURATION_SECONDS}s, or the scenario's)
  --burst R:S@E        spike to R requests/s for S seconds every E seconds, e.g. 5000:5@30
  --scenario NAME      ${SCENARIO_NAMES.join(' | ')} (rates and durations from the seeds)
  --scale F            multiply the scenario's rates by F, e.g. 0.1 on a small machine (default 1)
  --connections N      sockets (default: rate/20, between 10 and 1000, per phase)
  --method M           ${METHODS.join(' | ')} (default GET)
  --header 'K: V'      add a request header (repeatable), e.g. --header 'host: shop.example'
  --body TEXT          request body
  --timeout S          seconds before a request counts as timed out (default ${DEFAULT_TIMEOUT_SECONDS})
  --json               print the report as JSON on stdout
  -h, --help           this text

exit codes: 0 done, 1 target unreachable or nothing answered, 2 bad arguments, 130 interrupted`;

export function parseCommandLine(argv: readonly string[]): ParsedCommand {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: 'string' },
        rate: { type: 'string' },
        duration: { type: 'string' },
        burst: { type: 'string' },
        scenario: { type: 'string' },
        scale: { type: 'string' },
        connections: { type: 'string' },
        method: { type: 'string' },
        header: { type: 'string', multiple: true },
        body: { type: 'string' },
        timeout: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    // node:util's messages run over several lines with hints; the first one says what is wrong.
    const first = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? 'bad arguments';
    throw usage(first.replace(/\. To specify a positional argument.*$/, ''));
  }
  if (values.help === true) return { help: true };

  const scenario = values.scenario === undefined ? undefined : SCENARIOS[values.scenario];
  if (values.scenario !== undefined && scenario === undefined) {
    throw usage(`--scenario must be one of ${SCENARIO_NAMES.join(', ')}, got '${values.scenario}'`);
  }
  const scale = values.scale === undefined ? 1 : positiveNumber('--scale', values.scale);
  if (scale > 100) throw usage(`--scale must be <= 100, got ${values.scale}`);
  // Rates typed on the command line are meant as given; only the seeds' presets need scaling.
  if (values.scale !== undefined && scenario === undefined) throw usage('--scale scales a --scenario; without one, give the rate you want with --rate');

  const rate = values.rate === undefined ? (scenario === undefined ? undefined : scaled(scenario.rate, scale)) : positiveInt('--rate', values.rate, 1_000_000);
  if (rate === undefined) throw usage('give --rate N or --scenario NAME');
  const durationSeconds =
    values.duration === undefined ? (scenario?.durationSeconds ?? DEFAULT_DURATION_SECONDS) : parseDuration(values.duration);
  const burst =
    values.burst !== undefined ? parseBurst(values.burst) : scenario?.burst === undefined ? undefined : { ...scenario.burst, rate: scaled(scenario.burst.rate, scale) };

  const method = (values.method ?? 'GET').toUpperCase();
  if (!(METHODS as readonly string[]).includes(method)) throw usage(`--method must be one of ${METHODS.join(', ')}, got '${values.method}'`);

  const options: LoadOptions = {
    url: parseTarget(values.url ?? DEFAULT_URL),
    method,
    headers: Object.freeze(parseHeaders(values.header ?? [])),
    body: values.body,
    rate,
    durationSeconds,
    burst: burst === undefined ? undefined : Object.freeze(burst),
    connections: values.connections === undefined ? undefined : positiveInt('--connections', values.connections, 10_000),
    timeoutSeconds: values.timeout === undefined ? DEFAULT_TIMEOUT_SECONDS : positiveInt('--timeout', values.timeout, 600),
    scenario: scenario?.name,
    scale,
    json: values.json === true,
  };
  return { help: false, options: Object.freeze(options) };
}

/** Seconds from `30`, `30s`, `5m` or `1h`. */
export function parseDuration(text: string): number {
  const m = /^(\d+)([smh]?)$/.exec(text.trim());
  if (m === null) throw usage(`--duration must be a whole number of seconds, or end in s, m or h (e.g. 30s, 5m), got '${text}'`);
  const seconds = Number(m[1]) * (m[2] === 'h' ? 3_600 : m[2] === 'm' ? 60 : 1);
  if (seconds < 1 || seconds > MAX_DURATION_SECONDS) throw usage(`--duration must be between 1 s and 24 h, got '${text}'`);
  return seconds;
}

function parseTarget(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usage(`--url is not a URL: '${text}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usage(`--url must be http:// or https://, got '${text}'`);
  return url.href;
}

function parseHeaders(lines: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, Math.max(colon, 0)).trim().toLowerCase();
    // RFC 9110 token characters only: anything else would be rejected by the server anyway.
    if (colon < 1 || !/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) throw usage(`--header must look like 'Name: value', got '${line}'`);
    headers[name] = line.slice(colon + 1).trim();
  }
  return headers;
}

function positiveInt(flag: string, text: string, max: number): number {
  if (!/^\d+$/.test(text.trim())) throw usage(`${flag} must be a whole number, got '${text}'`);
  const n = Number(text);
  if (n < 1 || n > max) throw usage(`${flag} must be between 1 and ${max}, got ${n}`);
  return n;
}

function positiveNumber(flag: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0) throw usage(`${flag} must be a number > 0, got '${text}'`);
  return n;
}

/** autocannon paces in whole requests per second; never scale a rate down to nothing. */
function scaled(rate: number, scale: number): number {
  return Math.max(1, Math.round(rate * scale));
}

function usage(message: string): SlbError {
  return new SlbError('SLB_LOADTEST_USAGE', message);
}
