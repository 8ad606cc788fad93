/**
 * Issue 13, "config files are strict": the real slbctl executable on temp files. A misspelt field
 * at any depth is an error with its path and a "did you mean" hint (validate and push alike,
 * nothing published), and `config validate` runs every stage `config push` runs before it
 * publishes, so a file validate accepts is never refused by push (and the other way round).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '@slb/slbctl';
import { configFile, serviceConfig, slbctlNamespace, type CliResult, type SlbctlNamespace } from './support.js';

const one = (serviceId: string, extra: Record<string, unknown> = {}) => serviceConfig(serviceId, [{ id: `${serviceId}-1`, address: '127.0.0.1:9001' }], extra);

/** The problem lines (`  path: message`) that validate printed. */
const problems = (r: CliResult): string[] => r.stdout.split('\n').filter((l) => l.startsWith('  ')).map((l) => l.trim());

describe('slbctl config files are strict', () => {
  let ns: SlbctlNamespace;

  beforeAll(async () => {
    ns = await slbctlNamespace('slbctl-strict');
  });

  it('refuses a misspelt field at every nesting level, naming its path and the field meant (validate and push, exit 3)', async () => {
    const file = await configFile({
      serviceId: 'typos',
      routes: [{ pathprefix: '/typos' }],
      instances: [{ id: 't1', address: '127.0.0.1:9001', wieght: 2 }],
      polcy: { type: 'CONSISTENT_HASH', hashOn: { sorce: 'HEADER', name: 'x-user' } },
      helthCheck: { type: 'HTTP' },
      healthCheck: { type: 'HTTP', intervalMS: 2000 },
      retries: { maxRetry: 3 },
      timeouts: { request_ms: 1000 },
      circuitBreaker: { maxConnection: 10 },
      outlierDetection: { consecutive5XX: 3 },
      frobnicate: true,
    });
    const r = await ns.spawn(['config', 'validate', file]);
    expect(r.code, r.stderr).toBe(EXIT.INVALID_CONFIG);
    expect(r.stdout).toContain(`invalid  ${file}`);
    expect(problems(r)).toEqual(
      expect.arrayContaining([
        "routes[0].pathprefix: unknown field of Route; did you mean 'pathPrefix'?",
        "instances[0].wieght: unknown field of InstanceConfig; did you mean 'weight'?",
        "polcy: unknown field of ConfigUpdate; did you mean 'policy'?",
        "helthCheck: unknown field of ConfigUpdate; did you mean 'healthCheck'?",
        "healthCheck.intervalMS: unknown field of HealthCheckConfig; did you mean 'intervalMs'?",
        "retries.maxRetry: unknown field of RetryConfig; did you mean 'maxRetries'?",
        "timeouts.request_ms: unknown field of TimeoutConfig; did you mean 'requestMs'?",
        "circuitBreaker.maxConnection: unknown field of CircuitBreakerConfig; did you mean 'maxConnections'?",
        "outlierDetection.consecutive5XX: unknown field of OutlierDetectionConfig; did you mean 'consecutive5xx'?",
      ]),
    );
    // No close match: the fields it could have been.
    expect(problems(r).find((l) => l.startsWith('frobnicate: '))).toMatch(/^frobnicate: unknown field of ConfigUpdate \(its fields: serviceId, version, .*signature\)$/);
    expect(r.stderr.trim()).toMatch(/^slbctl: 1 of 1 config file is invalid \(10 problems\) \[SLB_SERVICE_CONFIG_INVALID\]$/);

    // A nested misspelling inside a misspelt block is not reported twice: `polcy` covers it.
    expect(problems(r).some((l) => l.startsWith('polcy.'))).toBe(false);

    const push = await ns.spawn(['config', 'push', '--no-wait', file]);
    expect(push.code, push.stderr).toBe(EXIT.INVALID_CONFIG);
    expect(push.stderr).toContain("instances[0].wieght: unknown field of InstanceConfig; did you mean 'weight'?");
    expect(push.stderr).toContain('[SLB_SERVICE_CONFIG_INVALID]');
    const get = await ns.cli(['config', 'get', 'typos']);
    expect(get.code, 'nothing was published').toBe(EXIT.FAILURE);
  });

  it('accepts every field of the schema, at every level (a file from `config get` validates as is)', async () => {
    const file = await configFile(
      one('full', {
        version: 4,
        previousVersion: 3,
        issuedAtMs: 1_700_000_000_000,
        issuedBy: 'alice',
        deleted: false,
        routes: [{ host: 'shop.example.com', pathPrefix: '/full' }],
        instances: [{ id: 'f1', address: '127.0.0.1:9001', weight: 2, zone: 'a', tags: { anyKey: 'free-form', wieght: 'tags are a map' } }],
        policy: { type: 'CONSISTENT_HASH', hashOn: { source: 'HEADER', name: 'x-user' }, boundedLoadFactor: 1.25 },
        slowStartMs: 1000,
        panicThresholdPercent: 40,
        healthCheck: { type: 'HTTP', path: '/health', intervalMs: 5000, timeoutMs: 1000, healthyThreshold: 2, unhealthyThreshold: 3, jitterPercent: 10 },
        outlierDetection: { consecutive5xx: 5, consecutiveGatewayFailures: 5, intervalMs: 10000, baseEjectionMs: 30000, maxEjectionPercent: 10, successRateMinimumHosts: 5, successRateRequestVolume: 100, successRateStdevFactor: 1.9, enforcingSuccessRatePercent: 100 },
        retries: { maxRetries: 2, perTryTimeoutMs: 0, budgetPercent: 20, minRetriesPerSecond: 10, backoffBaseMs: 25, backoffMaxMs: 250, hedgeAfterQuantile: 0.95 },
        timeouts: { requestMs: 15000, idleMs: 60000 },
        circuitBreaker: { maxConnections: 1024, maxPending: 1024, maxRequests: 1024 },
        signature: null,
      }),
    );
    const r = await ns.spawn(['config', 'validate', file]);
    expect(r.code, r.stdout + r.stderr).toBe(EXIT.OK);
  });

  // Each file here passed `config validate` and was then refused by `config push` (exit 3,
  // SLB_EVENT_INVALID at encoding), or the other way round: validate and push must agree.
  const disagreements: Array<[string, Record<string, unknown>, string]> = [
    ['a bounded-load factor of 0', one('blf', { policy: { type: 'CONSISTENT_HASH', hashOn: { source: 'CLIENT_IP', name: null }, boundedLoadFactor: 0 } }), 'policy.boundedLoadFactor: must be >= 1'],
    ['an int field above 2^31-1', one('big', { outlierDetection: { intervalMs: 3_000_000_000 } }), 'outlierDetection.intervalMs: expected a 32-bit integer, got 3000000000'],
    ['an unbounded int field above 2^31-1', one('bigretry', { retries: { minRetriesPerSecond: 2_147_483_648 } }), 'retries.minRetriesPerSecond: expected a 32-bit integer, got 2147483648'],
    ['an empty issuedBy', one('anon', { issuedBy: '' }), 'issuedBy: must not be empty'],
  ];
  it.each(disagreements)('validate refuses what push refuses: %s', async (_what, content, problem) => {
    const file = await configFile(content);
    const [validate, push] = [await ns.spawn(['config', 'validate', file]), await ns.spawn(['config', 'push', '--no-wait', file])];
    expect(push.code, push.stderr).toBe(EXIT.INVALID_CONFIG);
    expect(push.stderr).toContain(problem);
    expect(validate.code, validate.stdout).toBe(EXIT.INVALID_CONFIG);
    expect(problems(validate)).toContain(problem);
  });

  it('checks the signing key push would sign with (--sign-key or SLBCTL_SIGN_KEY_FILE), like push (exit 2)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slbctl-key-'));
    const notAKey = join(dir, 'not-a-key.pem');
    await writeFile(notAKey, 'hello\n');
    const good = join(dir, 'ops-ed25519.pem');
    await writeFile(good, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const file = await configFile(one('keyed'));

    const push = await ns.spawn(['config', 'push', '--no-wait', file], { SLBCTL_SIGN_KEY_FILE: notAKey });
    expect(push.code, push.stderr).toBe(EXIT.USAGE);
    const validate = await ns.spawn(['config', 'validate', file], { SLBCTL_SIGN_KEY_FILE: notAKey });
    expect(validate.code, validate.stdout + validate.stderr).toBe(EXIT.USAGE);
    expect(validate.stderr).toContain(`--sign-key: ${notAKey} is not an Ed25519 private key`);
    const missing = await ns.spawn(['config', 'validate', '--sign-key', join(dir, 'nope.pem'), file]);
    expect(missing.code).toBe(EXIT.USAGE);
    expect(missing.stderr).toContain('--sign-key: cannot read');

    const ok = await ns.spawn(['config', 'validate', '--sign-key', good, file]);
    expect(ok.code, ok.stderr).toBe(EXIT.OK);
    expect(ok.stdout).toContain(`ok  ${file}  (service keyed, signed)`);
  });

  it('with --against-cluster, also runs the version checks push runs against the current config (exit 3 when stale)', async () => {
    const v1 = await configFile(one('versioned'));
    const pushed = await ns.spawn(['config', 'push', '--no-wait', v1]);
    expect(pushed.code, pushed.stderr).toBe(EXIT.OK);

    const stale = await configFile(one('versioned', { version: 1 }));
    const behind = await configFile(one('versioned', { previousVersion: 0, version: 5 }));
    // Offline, validate cannot know the current version: documented, and the flag is the way.
    expect((await ns.spawn(['config', 'validate', stale])).code).toBe(EXIT.OK);
    const push = await ns.spawn(['config', 'push', '--no-wait', stale]);
    expect(push.code).toBe(EXIT.INVALID_CONFIG);
    expect(push.stderr).toContain('SLB_SERVICE_CONFIG_STALE');

    const r = await ns.spawn(['config', 'validate', '--against-cluster', stale, behind, v1]);
    expect(r.code, r.stderr).toBe(EXIT.INVALID_CONFIG);
    expect(r.stdout).toContain(`invalid  ${stale}\n  version: must be > 1`);
    expect(r.stdout).toContain(`invalid  ${behind}\n  previousVersion: is 0, current is 1`);
    expect(r.stdout).toContain(`ok  ${v1}  (service versioned)`);
    expect(r.stderr.trim()).toMatch(/^slbctl: 2 of 3 config files are invalid \(2 problems\) \[SLB_SERVICE_CONFIG_INVALID\]$/);

    // It needs the broker, like push (exit 4 when it is unreachable).
    const dead = await ns.spawn(['--brokers', '127.0.0.1:1', 'config', 'validate', '--against-cluster', v1]);
    expect(dead.code).toBe(EXIT.UNREACHABLE);
  });
});
