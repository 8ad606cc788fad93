/**
 * What the roles really export, checked on the real thing: every role runs as its own process
 * (services/<role>/dist/main.js, distributed mode on the test broker and registry), two proxies
 * in front of two real upstreams of which one answers half its requests 503, a real
 * Prometheus scrapes them all with deployment/prometheus (its scrape config and alert rules).
 *
 * - each role's /metrics passes `promtool check metrics`, carries Node's standard process
 *   metrics under their standard names, and no gauge named like a counter;
 * - the 503s show on the proxy although retries hide them from clients (per-try outcomes), the
 *   controller's ejection shows (decision state per upstream), the upstream label is `upstream`;
 * - every metric an alert rule or a dashboard panel names is one Prometheus really scraped;
 * - SlbProxyStale and SlbProxyConfigRejected fire on a proxy left behind / refusing a config
 *   (the rules' `for:` shortened to a second, nothing else changed).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { checkConfigUpdate, type KafkaBus } from '@slb/core';
import { kafkaNamespace, type KafkaNamespace } from '../bus/kafka-fixture.js';
import { NO_LOCAL_EJECTION } from '../e2e/support.js';
import { uniqueName } from '../support/kafka.js';
import { freePort, start, type Started } from './processes.js';
import { describeRun, repoRoot, requireTool, run } from './tools.js';

const promDir = path.join(repoRoot, 'deployment/prometheus');
const rulesFile = path.join(promDir, 'rules/slb-alerts.yml');
const dashboardFile = path.join(repoRoot, 'deployment/grafana/dashboards/slb.json');
const ADMIN_TOKEN = 'role-metrics-token';

interface Role {
  readonly name: string;
  readonly job: string;
  readonly proc: Started;
  readonly metricsUrl: string;
  readonly labels?: Record<string, string>;
}

/**
 * A real upstream: `flaky` answers half its requests 503 (at random: alternating would hand
 * every 503 to the same one of two proxies sending in turn), the other always 200.
 */
async function startUpstream(id: string, flaky: boolean): Promise<{ id: string; address: string; server: http.Server }> {
  const server = http.createServer((req, res) => {
    req.resume();
    if (flaky && Math.random() < 0.5) {
      res.statusCode = 503;
      res.end(`${id} failing`);
      return;
    }
    res.end(id);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { id, address: `127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function serviceConfig(serviceId: string, version: number, upstreams: readonly { id: string; address: string }[]) {
  return {
    serviceId,
    version,
    issuedBy: 'role-metrics-test',
    routes: [{ pathPrefix: `/${serviceId}` }],
    instances: upstreams.map((u) => ({ id: u.id, address: u.address, weight: 1 })),
    policy: { type: 'ROUND_ROBIN' },
    // Only the controller's decision takes an upstream out: local detection never fires.
    ...NO_LOCAL_EJECTION,
  };
}

function jsonLine(proc: Started, msg: string): Promise<Record<string, unknown>> {
  return proc.waitForLine((l) => l.includes(`"msg":"${msg}"`), `"${msg}" line`, 60_000).then((l) => JSON.parse(l) as Record<string, unknown>);
}

async function text(url: string): Promise<string> {
  const res = await request(url);
  expect(res.statusCode, url).toBe(200);
  return res.body.text();
}

/** Metric family names and types from the text exposition's TYPE lines. */
function families(exposition: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) out.set(m[1]!, m[2]!);
  return out;
}

/** Sample lines of one metric (by exact name). */
function samples(exposition: string, name: string): { labels: Record<string, string>; value: number }[] {
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labels: Record<string, string> = {};
    const body = /\{(.*)\}/.exec(line)?.[1] ?? '';
    for (const m of body.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]!] = m[2]!;
    out.push({ labels, value: Number(line.slice(line.lastIndexOf(' ') + 1)) });
  }
  return out;
}

/** Metric names a PromQL expression uses (ours, and the standard process ones). */
function metricNamesIn(expr: string): string[] {
  const withoutStrings = expr.replace(/"[^"]*"/g, '""');
  return [...new Set(withoutStrings.match(/\b(?:slb|process|nodejs)_[a-z0-9_]+\b/g) ?? [])];
}

const ruleExprs = (parse(readFileSync(rulesFile, 'utf8')) as { groups: { rules: { alert?: string; expr: string }[] }[] }).groups.flatMap((g) => g.rules);
const panelExprs = (JSON.parse(readFileSync(dashboardFile, 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] }).panels.flatMap((p) =>
  (p.targets ?? []).map((t) => ({ title: p.title, expr: t.expr })),
);

async function eventually<T>(what: string, probe: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value).slice(0, 2_000)}`);
    await delay(250);
  }
}

let ns: KafkaNamespace;
let publisher: KafkaBus;
const upstreams: Awaited<ReturnType<typeof startUpstream>>[] = [];
const roles: Role[] = [];
let prometheus: Started | undefined;
let promBase: string;
let scratch: string;
let trafficRunning = true;
let traffic: Promise<number> | undefined;
const serviceId = uniqueName('shop');
const adminUrls = new Map<string, string>();

async function query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(`${promBase}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  expect(body.status, expr).toBe('success');
  return body.data.result;
}

beforeAll(async () => {
  requireTool('promtool');
  requireTool('prometheus');
  scratch = mkdtempSync(path.join(tmpdir(), 'slb-role-metrics-'));
  ns = await kafkaNamespace('role-metrics');
  publisher = ns.bus({ clientId: 'role-metrics-publisher' });
  upstreams.push(await startUpstream('steady', false), await startUpstream('flaky', true));

  const common = {
    KAFKA_BROKERS: ns.brokers.join(','),
    SCHEMA_REGISTRY_URL: ns.registryUrl,
    SLB_TOPIC_PREFIX: ns.prefix,
    LOG_LEVEL: 'info',
  };
  const main = (role: string) => path.join(repoRoot, `services/${role}/dist/main.js`);
  for (const proxyId of ['proxy-1', 'proxy-2']) {
    const proc = start(process.execPath, [main('proxy')], {
      ...common,
      SLB_BUS: 'kafka',
      SLB_PROXY_ID: proxyId,
      SLB_PROXY_HOST: '127.0.0.1',
      SLB_PROXY_PORT: '0',
      SLB_ADMIN_PORT: '0',
      SLB_ADMIN_TOKEN: ADMIN_TOKEN,
      SLB_TELEMETRY_WINDOW_MS: '250',
      SLB_ACCESS_LOG: 'false',
    });
    roles.push({ name: proxyId, job: 'slb-proxy', proc, metricsUrl: '', labels: { proxy: proxyId } });
  }
  roles.push({
    name: 'health-scorer',
    job: 'slb-health-scorer',
    metricsUrl: '',
    proc: start(process.execPath, [main('health-scorer')], { ...common, SLB_METRICS_HOST: '127.0.0.1', SLB_METRICS_PORT: '0', SLB_WINDOW_MS: '1000', SLB_SCORER_GROUP: 'scorer', SLB_SCORER_MEMBER: 'scorer-1' }),
  });
  roles.push({
    name: 'controller',
    job: 'slb-controller',
    metricsUrl: '',
    proc: start(process.execPath, [main('controller')], { ...common, SLB_CONSOLE_HOST: '127.0.0.1', SLB_CONSOLE_PORT: '0', SLB_CONTROLLER_GROUP: 'controller', SLB_CONTROLLER_MEMBER: 'controller-1' }),
  });
  roles.push({
    name: 'alert-router',
    job: 'slb-alert-router',
    metricsUrl: '',
    proc: start(process.execPath, [main('alert-router')], { ...common, SLB_METRICS_HOST: '127.0.0.1', SLB_METRICS_PORT: '0', ALERTMANAGER_URL: 'http://127.0.0.1:9' }),
  });

  const proxyUrls: string[] = [];
  for (const [i, role] of roles.entries()) {
    let url: string;
    if (role.job === 'slb-proxy') {
      const line = await jsonLine(role.proc, 'proxy listening');
      proxyUrls.push(`http://127.0.0.1:${String(line.port)}`);
      adminUrls.set(role.name, `http://127.0.0.1:${String(line.adminPort)}`);
      url = `http://127.0.0.1:${String(line.adminPort)}/metrics`;
    } else if (role.job === 'slb-controller') {
      const line = await jsonLine(role.proc, 'controller running');
      url = `${String(line.console)}/metrics`;
    } else {
      const line = await jsonLine(role.proc, `${role.name} running`);
      url = `http://127.0.0.1:${String(line.metricsPort)}/metrics`;
    }
    roles[i] = { ...role, metricsUrl: url };
  }

  const checked = checkConfigUpdate(serviceConfig(serviceId, 1, upstreams));
  if (!checked.ok) throw checked.error;
  await publisher.publish('config-updates', serviceId, checked.value);
  await eventually(
    'both proxies applied version 1',
    () => Promise.all(roles.filter((r) => r.job === 'slb-proxy').map((r) => text(r.metricsUrl))),
    (texts) => texts.every((t) => samples(t, 'slb_proxy_config_version').some((s) => s.labels.service === serviceId && s.value === 1)),
    60_000,
  );

  // Gentle traffic through both proxies until the end.
  traffic = (async () => {
    let sent = 0;
    while (trafficRunning) {
      for (const base of proxyUrls) {
        const res = await request(`${base}/${serviceId}/items`).catch(() => undefined);
        await res?.body.text();
        sent += 1;
      }
      await delay(10);
    }
    return sent;
  })();

  // The shipped Prometheus config, each role job pointed at the real role (one entry per proxy).
  const config = parse(readFileSync(path.join(promDir, 'prometheus.yml'), 'utf8')) as {
    global: Record<string, unknown>;
    alerting?: unknown;
    rule_files: string[];
    scrape_configs: { job_name: string; static_configs: { targets: string[]; labels?: Record<string, string> }[]; [k: string]: unknown }[];
  };
  config.global.scrape_interval = '1s';
  config.global.evaluation_interval = '1s';
  delete config.alerting;
  // The shipped rules with every `for:` shortened so an alert fires within seconds.
  const fastRules = readFileSync(rulesFile, 'utf8').replace(/^(\s+)for: \S+$/gm, '$1for: 1s');
  writeFileSync(path.join(scratch, 'rules.yml'), fastRules);
  config.rule_files = [path.join(scratch, 'rules.yml')];
  config.scrape_configs = config.scrape_configs
    .filter((s) => s.job_name.startsWith('slb-'))
    .map((s) => ({
      ...s,
      static_configs: roles
        .filter((r) => r.job === s.job_name)
        .map((r) => ({ targets: [new URL(r.metricsUrl).host], ...(r.labels === undefined ? {} : { labels: r.labels }) })),
    }));
  writeFileSync(path.join(scratch, 'prometheus.yml'), stringify(config));
  const port = await freePort();
  promBase = `http://127.0.0.1:${port}`;
  prometheus = start('prometheus', [
    `--config.file=${path.join(scratch, 'prometheus.yml')}`,
    `--storage.tsdb.path=${path.join(scratch, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ]);
  await prometheus.waitForLine((l) => l.includes('Server is ready to receive web requests'), 'ready line', 30_000);
}, 180_000);

afterAll(async () => {
  trafficRunning = false;
  await traffic?.catch(() => undefined);
  await prometheus?.stop();
  await Promise.all(roles.map((r) => r.proc.stop()));
  await publisher?.close();
  for (const u of upstreams) u.server.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe("every role's /metrics", () => {
  it('passes `promtool check metrics`', async () => {
    for (const role of roles) {
      const exposition = await text(role.metricsUrl);
      const result = run('promtool', ['check', 'metrics'], { input: exposition });
      expect(result.code, `${role.name}: ${describeRun(result)}`).toBe(0);
      expect(`${result.stdout}${result.stderr}`.trim(), role.name).toBe('');
    }
  });

  it("has Node's standard process metrics under their standard names, and no gauge named like a counter", async () => {
    for (const role of roles) {
      const types = families(await text(role.metricsUrl));
      for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'process_start_time_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) {
        expect(types.has(name), `${role.name} exports ${name}`).toBe(true);
      }
      expect([...types.keys()].filter((n) => /_process_|_nodejs_/.test(n)), role.name).toEqual([]);
      expect([...types].filter(([n, t]) => n.endsWith('_total') && t !== 'counter'), role.name).toEqual([]);
    }
  });

  it('never uses `instance`, the label Prometheus gives the target', async () => {
    for (const role of roles) {
      const exposition = await text(role.metricsUrl);
      expect(exposition.split('\n').filter((l) => !l.startsWith('#') && /[{,]instance="/.test(l)), role.name).toEqual([]);
    }
  });
});

describe('the proxy shows every upstream outcome', () => {
  it("counts the flaky upstream's 503s per try although retries answer the clients 200", async () => {
    const proxy = roles.find((r) => r.name === 'proxy-1')!;
    const ours = (t: string) => t.split('\n').filter((l) => /^slb_proxy_(upstream_tries|requests)_total\{/.test(l)).join('\n');
    const exposition = await eventually(
      '5xx tries of the flaky upstream',
      async () => ours(await text(proxy.metricsUrl)),
      // Both answers of the flaky upstream seen (the first tries may all be one or the other).
      (t) => ['5xx', '2xx'].every((o) => samples(t, 'slb_proxy_upstream_tries_total').some((s) => s.labels.upstream === 'flaky' && s.labels.outcome === o && s.value > 0)),
    );
    const tries = samples(exposition, 'slb_proxy_upstream_tries_total').filter((s) => s.labels.service === serviceId);
    const of = (upstream: string, outcome: string) => tries.find((s) => s.labels.upstream === upstream && s.labels.outcome === outcome)?.value ?? 0;
    expect(of('flaky', '5xx')).toBeGreaterThan(0);
    expect(of('flaky', '2xx')).toBeGreaterThan(0);
    expect(of('steady', '5xx')).toBe(0);
    const requests = samples(exposition, 'slb_proxy_requests_total').filter((s) => s.labels.service === serviceId);
    expect(requests.length).toBeGreaterThan(0);
    for (const s of requests) expect(Object.keys(s.labels).sort()).toEqual(['outcome', 'service', 'status', 'upstream']);
  });

  it("shows the controller's decision per upstream, and its ejection of the flaky one", async () => {
    const proxy = roles.find((r) => r.name === 'proxy-1')!;
    const state = (t: string, upstream: string, s: string) =>
      samples(t, 'slb_proxy_upstream_decision_state').find((x) => x.labels.service === serviceId && x.labels.upstream === upstream && x.labels.state === s)?.value;
    const exposition = await eventually('the flaky upstream EJECTED by the decision', () => text(proxy.metricsUrl), (t) => state(t, 'flaky', 'EJECTED') === 1, 90_000);
    expect(state(exposition, 'steady', 'EJECTED')).toBe(0);
    const weight = (upstream: string) => samples(exposition, 'slb_proxy_upstream_decision_weight').find((x) => x.labels.service === serviceId && x.labels.upstream === upstream)?.value;
    expect(weight('flaky')).toBe(0);
    expect(weight('steady')).toBeGreaterThan(0);
    expect(samples(exposition, 'slb_proxy_decision_version').find((x) => x.labels.service === serviceId)?.value).toBeGreaterThan(0);
    expect(samples(exposition, 'slb_proxy_upstream_ejected').filter((x) => x.labels.service === serviceId).map((x) => x.value)).toEqual([0, 0]);
    // And Prometheus has it too.
    const scraped = await eventually('the ejection in Prometheus', () => query(`slb_proxy_upstream_decision_state{service="${serviceId}",state="EJECTED"} == 1`), (r) => r.length >= 2);
    expect(new Set(scraped.map((s) => s.metric.upstream))).toEqual(new Set(['flaky']));
    expect(new Set(scraped.map((s) => s.metric.proxy))).toEqual(new Set(['proxy-1', 'proxy-2']));
  }, 120_000);
});

describe('alert rules and dashboard against a real scrape', () => {
  it('fire SlbProxyStale on a proxy left behind, and SlbProxyConfigRejected on a refused config', async () => {
    const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
    // proxy-1 takes version 2 (as if it alone had read it); proxy-2 refuses a broken one.
    const applied = await request(`${adminUrls.get('proxy-1')!}/admin/config`, { method: 'POST', headers, body: JSON.stringify(serviceConfig(serviceId, 2, upstreams)) });
    expect(applied.statusCode, await applied.body.text()).toBe(200);
    const refused = await request(`${adminUrls.get('proxy-2')!}/admin/config`, { method: 'POST', headers, body: JSON.stringify({ ...serviceConfig(serviceId, 3, upstreams), policy: { type: 'NO_SUCH_POLICY' } }) });
    expect(refused.statusCode, await refused.body.text()).toBe(422);

    type Alert = { labels: Record<string, string>; state: string };
    const firing = await eventually(
      'SlbProxyStale and SlbProxyConfigRejected firing',
      async () => ((await (await fetch(`${promBase}/api/v1/alerts`)).json()) as { data: { alerts: Alert[] } }).data.alerts.filter((a) => a.state === 'firing' && a.labels.service === serviceId),
      (alerts) => ['SlbProxyStale', 'SlbProxyConfigRejected'].every((n) => alerts.some((a) => a.labels.alertname === n)),
      30_000,
    );
    expect(firing.find((a) => a.labels.alertname === 'SlbProxyStale')!.labels).toMatchObject({ proxy: 'proxy-2', severity: 'warning' });
    expect(firing.find((a) => a.labels.alertname === 'SlbProxyConfigRejected')!.labels).toMatchObject({ proxy: 'proxy-2' });
  });

  it('name only metrics Prometheus really scraped from the roles', async () => {
    const used = new Map<string, string[]>();
    for (const r of ruleExprs) for (const n of metricNamesIn(r.expr)) used.set(n, [...(used.get(n) ?? []), `rule ${r.alert ?? '?'}`]);
    for (const p of panelExprs) for (const n of metricNamesIn(p.expr)) used.set(n, [...(used.get(n) ?? []), `panel "${p.title}"`]);
    expect(used.size).toBeGreaterThan(5);
    const missing: string[] = [];
    for (const [name, where] of used) {
      const found = await query(`count({__name__="${name}", job=~"slb-.*"})`);
      if (found.length === 0) missing.push(`${name} (${where.join(', ')})`);
    }
    expect(missing).toEqual([]);
    const rules = (await (await fetch(`${promBase}/api/v1/rules?type=alert`)).json()) as { data: { groups: { rules: { name: string; health: string }[] }[] } };
    for (const r of rules.data.groups.flatMap((g) => g.rules)) expect(r.health, r.name).toBe('ok');
  });
});

describe("the rules' unit tests (deployment/prometheus/tests) against a real scrape", () => {
  it('feed series labelled as the roles really label them', async () => {
    type UnitTests = { tests: { input_series: { series: string }[] }[] };
    const unit = parse(readFileSync(path.join(promDir, 'tests/slb-alerts.test.yml'), 'utf8')) as UnitTests;
    // Labels Prometheus adds when it scrapes (target, job, static labels), and histogram buckets'.
    const added = new Set(['job', 'instance', 'proxy', 'le']);
    const problems: string[] = [];
    for (const s of unit.tests.flatMap((t) => t.input_series)) {
      const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(s.series)![0];
      if (name === 'up' || name === 'ALERTS') continue;
      const theirs = new Set([...s.series.matchAll(/(\w+)="/g)].map((m) => m[1]!).filter((l) => !added.has(l)));
      const real = await query(`{__name__="${name}", job=~"slb-.*"}`);
      if (real.length === 0) {
        problems.push(`${s.series}: no role exports ${name}`);
        continue;
      }
      const shapes = new Set(real.map((r) => JSON.stringify(Object.keys(r.metric).filter((l) => l !== '__name__' && !added.has(l)).sort())));
      const mine = JSON.stringify([...theirs].sort());
      if (!shapes.has(mine)) problems.push(`${s.series}: labels ${mine}, real series have ${[...shapes].join(' or ')}`);
    }
    expect(problems).toEqual([]);
  });
});

describe('each alert rule on the series of a real scrape (`promtool test rules`)', () => {
  it('fires in promtool, with its shipped `for:`, exactly as it fires in the real Prometheus', async () => {
    // Rules on gauges: hold every series Prometheus scraped at its current value. (Rules on
    // rates cannot be replayed from one instant; their unit tests use synthetic counters.)
    type Rule = { alert?: string; expr: string; for?: string };
    const rules = (parse(readFileSync(rulesFile, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules).filter((r) => r.alert !== undefined && !/\b(rate|increase)\(/.test(r.expr));
    expect(rules.map((r) => r.alert).sort()).toEqual(expect.arrayContaining(['SlbComponentDown', 'SlbConsumerLagCritical', 'SlbNoHealthyInstances', 'SlbProxyStale']));
    const names = new Set(rules.flatMap((r) => [...metricNamesIn(r.expr), ...(/\bup\{/.test(r.expr) ? ['up'] : [])]));
    const escape = (v: string) => v.replaceAll('\\', '\\\\').replaceAll('"', '\\"');
    const inputSeries: { series: string; values: string }[] = [];
    for (const name of names) {
      for (const s of await query(`{__name__="${name}", job=~"slb-.*"}`)) {
        const labels = Object.entries(s.metric).filter(([k]) => k !== '__name__').map(([k, v]) => `${k}="${escape(v)}"`);
        inputSeries.push({ series: `${name}{${labels.join(',')}}`, values: `${s.value[1]}x30` });
      }
    }
    type Alert = { labels: Record<string, string>; annotations: Record<string, string>; state: string };
    const real = ((await (await fetch(`${promBase}/api/v1/alerts`)).json()) as { data: { alerts: Alert[] } }).data.alerts.filter((a) => a.state === 'firing');
    const alertRuleTest = rules.map((r) => ({
      eval_time: '10m',
      alertname: r.alert!,
      exp_alerts: real
        .filter((a) => a.labels.alertname === r.alert)
        .map((a) => ({ exp_labels: Object.fromEntries(Object.entries(a.labels).filter(([k]) => k !== 'alertname')), exp_annotations: a.annotations })),
    }));
    // The stale proxy of the test above must be among them: a rule that fires for real, replayed.
    expect(alertRuleTest.find((t) => t.alertname === 'SlbProxyStale')!.exp_alerts).toHaveLength(1);
    const file = path.join(scratch, 'real-scrape.test.yml');
    writeFileSync(file, stringify({ rule_files: [rulesFile], evaluation_interval: '1m', tests: [{ name: 'series of a real scrape', interval: '1m', input_series: inputSeries, alert_rule_test: alertRuleTest }] }));
    const result = run('promtool', ['test', 'rules', file]);
    expect(result.code, describeRun(result)).toBe(0);
  });
});
