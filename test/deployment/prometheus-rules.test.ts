/**
 * deployment/prometheus: the scrape config and alert rules pass `promtool check`, the rule unit
 * tests pass `promtool test rules`, and those unit tests bite (a changed threshold fails them).
 */
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { describeRun, repoRoot, requireTool, run } from './tools.js';

const promDir = path.join(repoRoot, 'deployment/prometheus');
const rulesFile = path.join(promDir, 'rules/slb-alerts.yml');
const unitTests = path.join(promDir, 'tests/slb-alerts.test.yml');

/** The metric names the rules use; role-metrics.test.ts proves the real roles export each one. */
const CONTRACT_METRICS = [
  'slb_proxy_requests_total',
  'slb_proxy_request_duration_seconds_bucket',
  'slb_proxy_healthy_instances',
  'slb_proxy_config_version',
  'slb_proxy_config_rejected_total',
  'slb_bus_consumer_lag',
];

interface Rule {
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const rules: Rule[] = (parse(readFileSync(rulesFile, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);

function metricNames(expr: string): string[] {
  const withoutStrings = expr.replace(/"[^"]*"/g, '""');
  const names = withoutStrings.match(/\b[a-zA-Z_:][a-zA-Z0-9_:]*(?=\s*[{[)]|\s*$|\s*[<>=!])/g) ?? [];
  return names.filter((n) => n.startsWith('slb_'));
}

let scratch: string;

beforeAll(() => {
  requireTool('promtool');
  scratch = mkdtempSync(path.join(tmpdir(), 'slb-promtool-'));
});

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('Prometheus config and alert rules', () => {
  it('pass `promtool check config` (which also checks the rule files it loads)', () => {
    const result = run('promtool', ['check', 'config', path.join(promDir, 'prometheus.yml')]);
    expect(result.code, describeRun(result)).toBe(0);
    expect(result.stdout).toMatch(/SUCCESS: 1 rule files found/);
  });

  it('pass `promtool check rules`', () => {
    const files = readdirSync(path.join(promDir, 'rules')).map((f) => path.join(promDir, 'rules', f));
    const result = run('promtool', ['check', 'rules', ...files]);
    expect(result.code, describeRun(result)).toBe(0);
  });

  it('pass their unit tests (`promtool test rules`)', () => {
    const result = run('promtool', ['test', 'rules', unitTests]);
    expect(result.code, describeRun(result)).toBe(0);
    expect(result.stdout).toContain('SUCCESS');
  });

  it("cover seed 004's alerts plus proxy error rate and stale proxies, each with a severity", () => {
    const byName = new Map(rules.filter((r) => r.alert).map((r) => [r.alert!, r]));
    expect(byName.get('SlbConsumerLagCritical')).toMatchObject({ for: '5m', labels: { severity: 'critical' } });
    expect(byName.get('SlbConsumerLagCritical')!.expr).toMatch(/slb_bus_consumer_lag\) > 10000$/);
    expect(byName.get('SlbHighLatency')!.expr).toContain('slb_proxy_request_duration_seconds_bucket');
    expect(byName.get('SlbNoHealthyInstances')!.expr).toContain('slb_proxy_healthy_instances');
    expect(byName.get('SlbProxyErrorRateHigh')!.expr).toContain('slb_proxy_requests_total');
    expect(byName.get('SlbProxyErrorRateCritical')!.expr).toContain('slb_proxy_requests_total');
    expect(byName.get('SlbProxyStale')!.expr).toContain('slb_proxy_config_version');
    expect(byName.get('SlbProxyConfigRejected')!.expr).toContain('slb_proxy_config_rejected_total');
    for (const rule of byName.values()) {
      expect(['critical', 'warning'], rule.alert).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
      expect(rule.annotations?.description, rule.alert).toBeTruthy();
    }
  });

  it('use only the metric names the services export', () => {
    const used = new Set(rules.flatMap((r) => metricNames(r.expr)));
    expect([...used].filter((m) => !CONTRACT_METRICS.includes(m))).toEqual([]);
    expect([...used].sort()).toEqual([...CONTRACT_METRICS].sort());
  });

  it('have a unit test where each alert fires and one where it does not yet', () => {
    type Case = { alertname: string; exp_alerts: unknown[] };
    const cases = (parse(readFileSync(unitTests, 'utf8')) as { tests: { alert_rule_test: Case[] }[] }).tests.flatMap((t) => t.alert_rule_test);
    for (const rule of rules.filter((r) => r.alert)) {
      const mine = cases.filter((c) => c.alertname === rule.alert);
      expect(mine.some((c) => c.exp_alerts.length > 0), `${rule.alert} never fires in a test`).toBe(true);
      expect(mine.some((c) => c.exp_alerts.length === 0), `${rule.alert} has no negative case`).toBe(true);
    }
  });

  it('fail their unit tests when a threshold changes (the tests bite)', () => {
    const copy = path.join(scratch, 'mutated');
    cpSync(promDir, copy, { recursive: true });
    const mutatedRules = path.join(copy, 'rules/slb-alerts.yml');
    const original = readFileSync(mutatedRules, 'utf8');
    const mutants: [string, string][] = [
      ['(slb_bus_consumer_lag) > 10000', '(slb_bus_consumer_lag) > 20000'],
      ['(slb_proxy_healthy_instances) == 0', '(slb_proxy_healthy_instances) == 1'],
      ['\n          ) > 1\n', '\n          ) > 3\n'],
      ['> 0.05', '> 0.5'],
      ['< on (service) group_left', '<= on (service) group_left'],
      ['increase(slb_proxy_config_rejected_total[10m])', 'increase(slb_proxy_config_rejected_total[1m])'],
      ['unless slb_proxy_config_rejected_total offset 10m', 'unless slb_proxy_config_rejected_total offset 1m'],
    ];
    for (const [from, to] of mutants) {
      expect(original, `mutant source ${from}`).toContain(from);
      writeFileSync(mutatedRules, original.replace(from, to));
      const result = run('promtool', ['test', 'rules', path.join(copy, 'tests/slb-alerts.test.yml')]);
      expect(result.code, `still passes with ${to}`).not.toBe(0);
    }
  });

  it('scrape every role on the port the compose file gives it', () => {
    const config = parse(readFileSync(path.join(promDir, 'prometheus.yml'), 'utf8')) as {
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    const targets = Object.fromEntries(config.scrape_configs.map((s) => [s.job_name, s.static_configs.flatMap((c) => c.targets)]));
    const compose = parse(readFileSync(path.join(repoRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
      services: Record<string, { environment?: Record<string, string | number> }>;
    };
    const envOf = (service: string, name: string) => String(compose.services[service]?.environment?.[name]);
    expect(targets['slb-proxy']).toEqual([`proxy:${envOf('proxy', 'SLB_ADMIN_PORT')}`]);
    expect(targets['slb-controller']).toEqual([`controller:${envOf('controller', 'SLB_CONSOLE_PORT')}`]);
    expect(targets['slb-health-scorer']).toEqual([`health-scorer:${envOf('health-scorer', 'SLB_METRICS_PORT')}`]);
    expect(targets['slb-alert-router']).toEqual([`alert-router:${envOf('alert-router', 'SLB_METRICS_PORT')}`]);
  });
});
