/**
 * The slbctl executable (spawned through tsx): --help everywhere; bad arguments, an unreachable
 * broker or registry, missing topics and invalid config files each end in exactly one line on
 * stderr (no stack trace) and their documented exit code.
 */
import { describe, expect, it } from 'vitest';
import { EXIT } from '@slb/slbctl';
import { testKafka, uniqueName } from '../support/kafka.js';
import { configFile, runInProcess, serviceConfig, spawnCli, type CliResult } from './support.js';
import { expectOneLineError } from '../support/cli.js';

const oneLineError = (r: CliResult, code: number, text: string | RegExp): void => expectOneLineError(r, 'slbctl', code, text);

const env = () => ({ KAFKA_BROKERS: testKafka().brokers.join(','), SCHEMA_REGISTRY_URL: testKafka().registryUrl });

describe('slbctl executable', () => {
  it('has --help on every command and exits 0', async () => {
    const commands = [[], ['config'], ['config', 'validate'], ['config', 'push'], ['config', 'get'], ['config', 'diff'], ['config', 'history'], ['config', 'rollback'], ['status'], ['why'], ['tail'], ['alerts'], ['dlq'], ['dlq', 'list'], ['dlq', 'replay']];
    for (const c of commands) {
      const r = await runInProcess([...c, '--help'], {});
      expect(r.code, c.join(' ')).toBe(EXIT.OK);
      expect(r.stdout, c.join(' ')).toContain(`Usage: slbctl${c.length === 0 ? '' : ` ${c.join(' ')}`}`);
    }
    const spawned = await spawnCli(['config', 'push', '--help']);
    expect(spawned.code).toBe(EXIT.OK);
    expect(spawned.stdout).toContain('--sign-key <file>');
    const top = await spawnCli(['--help']);
    expect(top.stdout).toContain('Exit codes:');
  });

  it.each([
    ['an unknown command', ['frobnicate'], "unknown command 'frobnicate' (see: slbctl --help)"],
    ['an unknown option', ['status', '--bogus'], "unknown option '--bogus' (see: slbctl status --help)"],
    ['a missing argument', ['why'], "missing required argument 'instance' (see: slbctl why --help)"],
    ['a group without its command', ['dlq'], 'missing command (see: slbctl dlq --help)'],
    ['a malformed duration', ['--timeout', 'soon', 'status'], '--timeout: "soon" is not a duration'],
    ['a malformed broker address', ['--brokers', 'nohostport', 'status'], '"nohostport" is not host:port'],
    ['a malformed count', ['dlq', 'list', '--limit', 'lots'], '--limit: "lots" is not an integer >= 1'],
    ['a config file that does not exist', ['config', 'push', '/nonexistent/svc.yaml'], 'cannot read /nonexistent/svc.yaml: no such file'],
    ['an unknown topic', ['tail', 'nope'], 'unknown topic "nope"'],
  ])('gives one line and exit 2 for %s', async (_what, args, message) => {
    oneLineError(await runInProcess(args, env()), EXIT.USAGE, message.includes('(') ? new RegExp(message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : message);
  });

  it('gives one line and exit 2 for bad arguments when spawned too', async () => {
    const results = await Promise.all([spawnCli(['frobnicate']), spawnCli(['config']), spawnCli(['alerts', '--since', 'yesterday'])]);
    oneLineError(results[0]!, EXIT.USAGE, /unknown command 'frobnicate'/);
    oneLineError(results[1]!, EXIT.USAGE, /missing command \(see: slbctl config --help\)/);
    oneLineError(results[2]!, EXIT.USAGE, /--since: "yesterday" is not a duration/);
  });

  it('gives one line and exit 4 when the broker or the registry is unreachable', async () => {
    const file = await configFile(serviceConfig('svc', [{ id: 'a', address: '127.0.0.1:9000' }]));
    const dead = { ...env(), KAFKA_BROKERS: '127.0.0.1:1' };
    const results = await Promise.all([
      spawnCli(['status'], dead),
      spawnCli(['config', 'push', file], dead),
      spawnCli(['--brokers', '127.0.0.1:1', 'tail', 'alerts'], env()),
      spawnCli(['dlq', 'list'], dead),
      spawnCli(['--registry', 'http://127.0.0.1:1', 'alerts'], env()),
    ]);
    for (const r of results.slice(0, 4)) oneLineError(r, EXIT.UNREACHABLE, /cannot reach Kafka at 127\.0\.0\.1:1: .*ECONNREFUSED.* \[SLB_KAFKA_UNREACHABLE\]$/);
    oneLineError(results[4]!, EXIT.UNREACHABLE, /cannot reach the schema registry at http:\/\/127\.0\.0\.1:1: .*\[SLB_REGISTRY_UNREACHABLE\]$/);
    // Every command that talks to the broker fails the same way.
    for (const args of [['config', 'get'], ['config', 'history', 'svc'], ['config', 'diff', 'svc', file], ['config', 'rollback', 'svc'], ['why', 'x'], ['dlq', 'replay', '--all']]) {
      oneLineError(await runInProcess(args, dead), EXIT.UNREACHABLE, /SLB_KAFKA_UNREACHABLE/);
    }
  });

  it('says which topics are missing under a prefix nobody created (exit 1)', async () => {
    const prefix = `${uniqueName('none')}.`;
    oneLineError(await spawnCli(['--topic-prefix', prefix, 'alerts'], env()), EXIT.FAILURE, `topic ${prefix}alerts missing`);
  });

  it('validates config files offline: every problem with its field path (exit 3), good files pass (exit 0)', async () => {
    const good = await configFile(serviceConfig('checkout', [{ id: 'c1', address: '127.0.0.1:9001' }]));
    const bad = await configFile({ serviceId: 'bad id', routes: [{ pathPrefix: 'no-slash' }], instances: [{ id: 'a', address: 'nope' }, { id: 'a', address: '127.0.0.1:1', weight: -1 }], policy: { type: 'FASTEST' } }, 'bad.json');
    const ok = await spawnCli(['config', 'validate', good]);
    expect(ok.code, ok.stderr).toBe(EXIT.OK);
    expect(ok.stdout).toContain(`ok  ${good}  (service checkout)`);

    const r = await spawnCli(['config', 'validate', good, bad]);
    expect(r.code).toBe(EXIT.INVALID_CONFIG);
    expect(r.stderr.trim().split('\n')).toEqual(['slbctl: 1 of 2 config files are invalid (6 problems) [SLB_SERVICE_CONFIG_INVALID]']);
    // Shape and meaning together, so one run shows everything to fix.
    expect(r.stdout).toContain('instances[1].weight: must be an integer >= 0, got -1');
    expect(r.stdout).toContain('policy.type: must be one of ROUND_ROBIN');
    expect(r.stdout).toContain('instances[0].address');
    expect(r.stdout).toContain('routes[0].pathPrefix');

    // Meaning alone: again all at once.
    const semantic = await configFile({ serviceId: 'bad id', routes: [{ pathPrefix: 'no-slash' }], instances: [{ id: 'a', address: 'nope' }, { id: 'a', address: '127.0.0.1:1' }] });
    const json = await runInProcess(['--json', 'config', 'validate', semantic], {});
    expect(json.code).toBe(EXIT.INVALID_CONFIG);
    const paths = (JSON.parse(json.stdout) as { files: { issues: { path: string }[] }[] }).files[0]!.issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['serviceId', 'routes[0].pathPrefix', 'instances[0].address', 'instances[1].id']));

    const syntax = await configFile({}, 'broken.yaml');
    await import('node:fs/promises').then((fs) => fs.writeFile(syntax, 'serviceId: x\n  routes: [\n'));
    const s = await runInProcess(['config', 'validate', syntax], {});
    expect(s.code).toBe(EXIT.INVALID_CONFIG);
    expect(s.stdout).toMatch(/not valid YAML or JSON at line \d+, column \d+/);
  });
});
