/**
 * deployment/alertmanager/alertmanager.yml passes `amtool check-config`, routes by severity, and
 * in a real Alertmanager a critical alert inhibits the warnings of the same service while other
 * services' warnings still reach the webhook receiver.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, start, startScript, type Started } from './processes.js';
import { describeRun, repoRoot, requireTool, run } from './tools.js';

const configFile = path.join(repoRoot, 'deployment/alertmanager/alertmanager.yml');

function routeOf(...labels: string[]): string {
  const result = run('amtool', ['config', 'routes', 'test', `--config.file=${configFile}`, ...labels]);
  expect(result.code, describeRun(result)).toBe(0);
  return result.stdout.trim();
}

beforeAll(() => {
  requireTool('amtool');
});

describe('alertmanager.yml', () => {
  it('passes `amtool check-config`', () => {
    const result = run('amtool', ['check-config', configFile]);
    expect(result.code, describeRun(result)).toBe(0);
    expect(result.stdout).toContain('SUCCESS');
  });

  it('routes critical and warning alerts to their own receivers and anything else to a default', () => {
    expect(routeOf('severity=critical', 'service=checkout', 'alertname=SlbNoHealthyInstances')).toBe('oncall-critical');
    expect(routeOf('severity=warning', 'service=checkout', 'alertname=SlbHighLatency')).toBe('oncall-warning');
    expect(routeOf('alertname=Watchdog')).toBe('oncall-default');
  });
});

describe('alertmanager.yml in a real Alertmanager', () => {
  let sink: Started & { port: number };
  let alertmanager: Started;
  let base: string;
  let scratch: string;

  beforeAll(async () => {
    requireTool('prometheus-alertmanager');
    sink = await startScript('webhook-sink.mjs');
    scratch = mkdtempSync(path.join(tmpdir(), 'slb-alertmanager-'));
    // The same file, with the compose stack's alert-sink replaced by this test's sink.
    const original = readFileSync(configFile, 'utf8');
    const local = original.replaceAll('http://alert-sink:8080', `http://127.0.0.1:${sink.port}`);
    expect(local.match(new RegExp(`127\\.0\\.0\\.1:${sink.port}`, 'g'))).toHaveLength(3);
    writeFileSync(path.join(scratch, 'alertmanager.yml'), local);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    alertmanager = start('prometheus-alertmanager', [
      `--config.file=${path.join(scratch, 'alertmanager.yml')}`,
      `--storage.path=${scratch}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=', // no gossip port: a single instance
    ]);
    await alertmanager.waitForLine((l) => l.includes('msg="Listening on"'), 'listening line');
  });

  afterAll(async () => {
    await alertmanager?.stop();
    await sink?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('delivers the critical alert, inhibits the same service’s warning and delivers another service’s', async () => {
    const now = new Date();
    const endsAt = new Date(now.getTime() + 10 * 60_000).toISOString();
    const alert = (alertname: string, severity: string, service: string) => ({
      labels: { alertname, severity, service },
      annotations: { summary: `${alertname} on ${service}` },
      startsAt: now.toISOString(),
      endsAt,
      generatorURL: 'http://prometheus:9090/graph',
    });
    const res = await fetch(`${base}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        alert('SlbNoHealthyInstances', 'critical', 'checkout'),
        alert('SlbProxyErrorRateHigh', 'warning', 'checkout'),
        alert('SlbProxyErrorRateHigh', 'warning', 'payments'),
      ]),
    });
    expect(res.status).toBe(200);

    const notification = (line: string) => JSON.parse(line) as { path: string; body: { status: string; alerts: { labels: Record<string, string> }[] } };
    const critical = await sink.waitForLine((l) => l.includes('"notification"') && notification(l).path === '/critical', 'critical page', 30_000);
    expect(notification(critical).body.alerts.map((a) => a.labels)).toEqual([expect.objectContaining({ alertname: 'SlbNoHealthyInstances', service: 'checkout' })]);
    const warning = await sink.waitForLine((l) => l.includes('"notification"') && notification(l).path === '/warning', 'warning notification', 30_000);
    expect(notification(warning).body.alerts.map((a) => a.labels.service)).toEqual(['payments']);

    const alerts = (await (await fetch(`${base}/api/v2/alerts?filter=alertname%3D%22SlbProxyErrorRateHigh%22`)).json()) as {
      labels: Record<string, string>;
      status: { state: string; inhibitedBy: string[] };
    }[];
    const byService = Object.fromEntries(alerts.map((a) => [a.labels.service, a.status]));
    expect(byService.checkout).toMatchObject({ state: 'suppressed', inhibitedBy: [expect.any(String)] });
    expect(byService.payments).toMatchObject({ state: 'active', inhibitedBy: [] });
    const delivered = sink.lines.filter((l) => l.includes('"notification"')).map(notification);
    expect(delivered.flatMap((n) => n.body.alerts).filter((a) => a.labels.severity === 'warning' && a.labels.service === 'checkout')).toEqual([]);
  });
});
