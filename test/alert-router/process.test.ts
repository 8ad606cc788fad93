/**
 * The alert-router as operators run it: `node services/alert-router/dist/main.js` configured by
 * environment only. A bad environment is one line naming every problem and a non-zero exit; a
 * good one consumes `alerts` from Kafka, notifies a real Alertmanager and a webhook per the
 * routes file, answers /healthz and /metrics, and exits 0 on SIGTERM.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Alert, KafkaBus } from '@slb/core';
import { start, type Started } from '../deployment/processes.js';
import { startAlertmanager, startHttpSink, webhookAlertmanagerConfig, type HttpSink, type RunningAlertmanager } from '../support/alertmanager.js';
import { testKafka, uniqueName } from '../support/kafka.js';
import type { KafkaNamespace } from '../bus/kafka-fixture.js';
import { alertRouterNamespace } from './namespace.js';

const MAIN = 'services/alert-router/dist/main.js';
let sink: HttpSink;
let alertmanager: RunningAlertmanager;
let ns: KafkaNamespace;
let publisher: KafkaBus;
let scratch: string;

beforeAll(async () => {
  sink = await startHttpSink();
  alertmanager = await startAlertmanager(webhookAlertmanagerConfig(`${sink.url}/am`));
  ns = await alertRouterNamespace('alert-router-main');
  publisher = ns.bus();
  scratch = mkdtempSync(path.join(tmpdir(), 'slb-alert-routes-'));
});

afterAll(async () => {
  await publisher?.close();
  await alertmanager?.stop();
  await sink?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

it('refuses a bad environment with one line naming every problem', async () => {
  const child = start(process.execPath, [MAIN], { KAFKA_BROKERS: 'not a broker', ALERTMANAGER_URL: 'alertmanager:9093', SLB_METRICS_PORT: 'x', SLB_ALERT_ROUTES_FILE: '' });
  const [code] = (await once(child.child, 'exit')) as [number | null];
  expect(code).toBe(1);
  expect(child.lines).toHaveLength(1);
  expect(child.lines[0]).toMatch(/^alert-router: invalid alert-router configuration: .*KAFKA_BROKERS.*ALERTMANAGER_URL.*SLB_METRICS_PORT/);
});

it('runs from the environment: Kafka in, Alertmanager and webhook out, /healthz, /metrics, SIGTERM', async () => {
  const routesFile = path.join(scratch, 'routes.yaml');
  writeFileSync(
    routesFile,
    ['receivers:', '  - {name: am, type: alertmanager}', `  - {name: hook, type: webhook, url: "${sink.url}/hook"}`, 'routes:', '  - {match: {severity: critical}, receivers: [am, hook]}', 'default: [am]', ''].join('\n'),
  );
  const { brokers, registryUrl } = testKafka();
  const child: Started = start(process.execPath, [MAIN], {
    KAFKA_BROKERS: brokers.join(','),
    SCHEMA_REGISTRY_URL: registryUrl,
    SLB_TOPIC_PREFIX: ns.prefix,
    ALERTMANAGER_URL: alertmanager.url,
    SLB_ALERT_ROUTES_FILE: routesFile,
    SLB_METRICS_HOST: '127.0.0.1',
    SLB_METRICS_PORT: '0',
    SLB_CONSOLE_URL: 'http://console.test',
    LOG_LEVEL: 'info',
  });
  try {
    const running = await child.waitForLine((l) => l.includes('alert-router running'), 'running line', 45_000);
    const { metricsPort } = JSON.parse(running) as { metricsPort: number };
    expect((await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).status).toBe(200);

    const dedupKey = `PROXY_STALE/${uniqueName('p')}`;
    const event = (state: Alert['state']): Alert => ({
      alertId: uniqueName('a'),
      dedupKey,
      name: 'PROXY_STALE',
      state,
      severity: 'CRITICAL',
      serviceId: '_global',
      instanceId: 'proxy-7',
      summary: 'proxy-7 runs expired decisions',
      description: '',
      labels: {},
      startsAtMs: Date.now(),
      endsAtMs: state === 'RESOLVED' ? Date.now() + 1 : null,
      evidence: { scores: [], windows: [], sources: [], notes: [] },
    });
    await publisher.publish('alerts', '_global', event('FIRING'));
    const firing = await sink.waitFor((r) => r.path === '/am' && JSON.stringify(r.body).includes(dedupKey), 'Alertmanager firing notification');
    expect((firing.body as { alerts: { generatorURL: string }[] }).alerts[0]?.generatorURL).toBe(`http://console.test/alerts/${encodeURIComponent(dedupKey)}`);
    await sink.waitFor((r) => r.path === '/hook' && (r.body as { status: string }).status === 'firing', 'webhook firing');
    await publisher.publish('alerts', '_global', event('RESOLVED'));
    await sink.waitFor((r) => r.path === '/am' && (r.body as { status: string }).status === 'resolved', 'Alertmanager resolved notification');
    await sink.waitFor((r) => r.path === '/hook' && (r.body as { status: string }).status === 'resolved', 'webhook resolved');

    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toContain('slb_alert_router_notifications_sent_total{receiver="hook",type="webhook",state="resolved"} 1');

    child.child.kill('SIGTERM');
    const [code] = (await once(child.child, 'exit')) as [number | null];
    expect(code).toBe(0);
  } finally {
    await child.stop();
  }
});
