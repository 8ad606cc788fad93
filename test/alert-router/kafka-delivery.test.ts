/**
 * Distributed mode: alerts published on Kafka (Avro through the schema registry) reach a real
 * Alertmanager and a plain webhook through the alert-router as a consumer group, firing then
 * resolved, and the router's /metrics and /healthz answer.
 */
import { Registry } from 'prom-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Alert, KafkaBus } from '@slb/core';
import { startMetricsServer, type MetricsServer } from '@slb/core';
import { createAlertRouter, parseRoutingTable, type AlertRouter } from '@slb/alert-router';
import { startAlertmanager, startHttpSink, webhookAlertmanagerConfig, type HttpSink, type RunningAlertmanager, type SinkRequest } from '../support/alertmanager.js';
import { uniqueName } from '../support/kafka.js';
import { alertRouterNamespace } from './namespace.js';

let sink: HttpSink;
let alertmanager: RunningAlertmanager;
let publisher: KafkaBus;
let consumer: KafkaBus;
let router: AlertRouter;
let server: MetricsServer;
const registry = new Registry();

beforeAll(async () => {
  sink = await startHttpSink();
  alertmanager = await startAlertmanager(webhookAlertmanagerConfig(`${sink.url}/am`));
  const ns = await alertRouterNamespace('alert-router');
  publisher = ns.bus();
  consumer = ns.bus({ registry });
  router = createAlertRouter({
    bus: consumer,
    routes: parseRoutingTable({
      receivers: [
        { name: 'am', type: 'alertmanager', url: alertmanager.url },
        { name: 'hook', type: 'webhook', url: `${sink.url}/hook` },
      ],
      default: ['am', 'hook'],
    }),
    registry,
    groupId: uniqueName('alert-router'),
    // The group is new: read what was published before it joined.
    fromBeginning: true,
    refreshIntervalMs: 3_600_000,
  });
  server = await startMetricsServer({ registry, host: '127.0.0.1', port: 0, healthy: () => router.running });
  await router.start();
});

afterAll(async () => {
  await router?.close();
  await consumer?.close();
  await publisher?.close();
  await server?.close();
  await alertmanager?.stop();
  await sink?.close();
});

it('delivers FIRING then RESOLVED from Kafka to Alertmanager and to the webhook', async () => {
  const dedupKey = `NO_HEALTHY_INSTANCES/${uniqueName('svc')}`;
  const startsAtMs = Date.now();
  const event = (state: Alert['state']): Alert => ({
    alertId: uniqueName('a'),
    dedupKey,
    name: 'NO_HEALTHY_INSTANCES',
    state,
    severity: 'CRITICAL',
    serviceId: 'payments',
    instanceId: null,
    summary: 'payments has no healthy instance',
    description: '',
    labels: {},
    startsAtMs,
    endsAtMs: state === 'RESOLVED' ? Date.now() : null,
    evidence: { scores: [], windows: [], sources: [{ topic: 'health-scores', partition: 1, offset: 42 }], notes: [] },
  });
  const am = (status: string) => (r: SinkRequest) =>
    r.path === '/am' && (r.body as { status: string; alerts: { labels: Record<string, string> }[] }).status === status &&
    (r.body as { alerts: { labels: Record<string, string> }[] }).alerts.some((a) => a.labels.dedup_key === dedupKey);
  const hook = (status: string) => (r: SinkRequest) => r.path === '/hook' && (r.body as { status: string; alert: Alert }).status === status && (r.body as { alert: Alert }).alert.dedupKey === dedupKey;

  await publisher.publish('alerts', 'payments', event('FIRING'));
  const firing = await sink.waitFor(am('firing'), 'Alertmanager firing notification', 45_000);
  expect((firing.body as { alerts: { labels: Record<string, string> }[] }).alerts[0]?.labels).toEqual({ alertname: 'NO_HEALTHY_INSTANCES', service: 'payments', severity: 'critical', dedup_key: dedupKey });
  await sink.waitFor(hook('firing'), 'webhook firing payload');

  await publisher.publish('alerts', 'payments', event('RESOLVED'));
  await sink.waitFor(am('resolved'), 'Alertmanager resolved notification');
  const resolved = await sink.waitFor(hook('resolved'), 'webhook resolved payload');
  expect((resolved.body as { alert: Alert }).alert.evidence.sources).toEqual([{ topic: 'health-scores', partition: 1, offset: 42 }]);

  const health = await fetch(`http://127.0.0.1:${server.port}/healthz`);
  expect(health.status).toBe(200);
  const text = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
  expect(text).toMatch(/slb_alert_router_notifications_sent_total\{receiver="am",type="alertmanager",state="resolved"\} 1/);
  expect(text).toMatch(/slb_alert_router_notifications_sent_total\{receiver="hook",type="webhook",state="firing"\} 1/);
  // The bus's own metrics are on the same registry, so one /metrics serves both.
  expect(text).toContain('slb_bus_messages_consumed_total');
});
