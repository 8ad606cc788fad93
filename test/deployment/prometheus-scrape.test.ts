/**
 * deployment/prometheus/prometheus.yml in a real Prometheus: it scrapes a role that exports the
 * contract's metrics (with prom-client, as the services do), keeps the proxy's `upstream` label
 * next to Prometheus's own `instance` (the target), loads the alert rules and evaluates them on
 * scraped data. role-metrics.test.ts does the same with the real roles.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { freePort, start, type Started } from './processes.js';
import { repoRoot, requireTool } from './tools.js';

const promDir = path.join(repoRoot, 'deployment/prometheus');

interface ScrapeConfig {
  job_name: string;
  static_configs: { targets: string[]; labels?: Record<string, string> }[];
  [key: string]: unknown;
}

/** A stand-in role exporting the contract's metrics; resolves `scraped` per request by job path. */
function fakeRole() {
  const registry = new Registry();
  const requests = new Counter({ name: 'slb_proxy_requests_total', help: 'requests', labelNames: ['service', 'upstream', 'status', 'outcome'], registers: [registry] });
  const duration = new Histogram({ name: 'slb_proxy_request_duration_seconds', help: 'latency', labelNames: ['service'], buckets: [0.1, 0.5, 1, 2.5], registers: [registry] });
  const healthy = new Gauge({ name: 'slb_proxy_healthy_instances', help: 'healthy', labelNames: ['service'], registers: [registry] });
  const applied = new Gauge({ name: 'slb_proxy_config_version', help: 'applied', labelNames: ['service'], registers: [registry] });
  new Counter({ name: 'slb_proxy_config_rejected_total', help: 'rejected', labelNames: ['service', 'code'], registers: [registry] });
  const lag = new Gauge({ name: 'slb_bus_consumer_lag', help: 'lag', labelNames: ['topic', 'group', 'partition'], registers: [registry] });
  requests.inc({ service: 'checkout', upstream: 'checkout-1', status: '200', outcome: '2xx' }, 5);
  requests.inc({ service: 'checkout', upstream: 'checkout-2', status: '503', outcome: '5xx' }, 2);
  duration.observe({ service: 'checkout' }, 0.2);
  healthy.set({ service: 'checkout' }, 0);
  applied.set({ service: 'checkout' }, 6);
  lag.set({ topic: 'health-scores', group: 'slb-controller', partition: '0' }, 42);

  let scrapes = 0;
  const scrapeWaiters: (() => void)[] = [];
  const server = http.createServer(async (req, res) => {
    res.setHeader('content-type', registry.contentType);
    res.end(await registry.metrics());
    scrapes += 1;
    for (const resolve of scrapeWaiters.splice(0)) resolve();
  });
  return {
    server,
    /** Resolves after `count` more scrapes (of any job). */
    async scrapedAgain(count: number) {
      const target = scrapes + count;
      while (scrapes < target) await new Promise<void>((resolve) => scrapeWaiters.push(resolve));
    },
  };
}

let role: ReturnType<typeof fakeRole>;
let rolePort: number;
let prometheus: Started;
let base: string;
let scratch: string;

async function query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  expect(body.status).toBe('success');
  return body.data.result;
}

/** Polls Prometheus (which has no push notification for rule state) until `check` holds. */
async function eventually<T>(what: string, probe: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await delay(250);
  }
}

beforeAll(async () => {
  requireTool('prometheus');
  role = fakeRole();
  role.server.listen(0, '127.0.0.1');
  await once(role.server, 'listening');
  rolePort = (role.server.address() as AddressInfo).port;

  // The shipped config with every role's target pointed at the stand-in, a fast scrape and
  // rule evaluation, and no Alertmanager to deliver to.
  const config = parse(readFileSync(path.join(promDir, 'prometheus.yml'), 'utf8')) as {
    global: Record<string, unknown>;
    alerting?: unknown;
    rule_files: string[];
    scrape_configs: ScrapeConfig[];
  };
  config.global.scrape_interval = '1s';
  config.global.evaluation_interval = '1s';
  delete config.alerting;
  config.rule_files = config.rule_files.map((f) => path.join(promDir, f));
  config.scrape_configs = config.scrape_configs
    .filter((s) => s.job_name.startsWith('slb-'))
    .map((s) => ({ ...s, static_configs: s.static_configs.map((c) => ({ ...c, targets: [`127.0.0.1:${rolePort}`] })) }));
  scratch = mkdtempSync(path.join(tmpdir(), 'slb-prometheus-'));
  writeFileSync(path.join(scratch, 'prometheus.yml'), stringify(config));

  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  prometheus = start('prometheus', [
    `--config.file=${path.join(scratch, 'prometheus.yml')}`,
    `--storage.tsdb.path=${path.join(scratch, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ]);
  await prometheus.waitForLine((l) => l.includes('Server is ready to receive web requests'), 'ready line', 30_000);
  // Four jobs share the stand-in: two rounds of scrapes mean every job has samples stored.
  await role.scrapedAgain(8);
});

afterAll(async () => {
  await prometheus?.stop();
  role?.server.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('prometheus.yml in a real Prometheus', () => {
  it('scrapes every role job', async () => {
    const up = await query('up');
    expect(Object.fromEntries(up.map((s) => [s.metric.job, s.value[1]]))).toEqual({
      'slb-proxy': '1',
      'slb-controller': '1',
      'slb-health-scorer': '1',
      'slb-alert-router': '1',
    });
  });

  it("keeps the proxy's upstream label, names the proxy in `instance` (the target) and `proxy`", async () => {
    const series = await query('slb_proxy_requests_total{job="slb-proxy"}');
    expect(series.map((s) => s.metric.upstream).sort()).toEqual(['checkout-1', 'checkout-2']);
    for (const s of series) {
      expect(s.metric).toMatchObject({ proxy: 'proxy-1', service: 'checkout', instance: `127.0.0.1:${rolePort}` });
      expect(s.metric.exported_instance).toBeUndefined();
    }
  });

  it('loads the alert rules and evaluates them on scraped data', async () => {
    type Rules = { data: { groups: { rules: { name: string; health: string; state: string }[] }[] } };
    const rules = await eventually(
      'every rule evaluated',
      async () => ((await (await fetch(`${base}/api/v1/rules?type=alert`)).json()) as Rules).data.groups.flatMap((g) => g.rules),
      (list) => list.length > 0 && list.every((r) => r.health === 'ok'),
    );
    expect(rules).toHaveLength(9);
    const state = Object.fromEntries(rules.map((r) => [r.name, r.state]));
    // Healthy instances 0: pending until its `for:` elapses. One proxy cannot be behind another.
    expect(state.SlbNoHealthyInstances).toBe('pending');
    expect(state.SlbProxyStale).toBe('inactive');
    expect(state.SlbConsumerLagHigh).toBe('inactive');
  });
});
