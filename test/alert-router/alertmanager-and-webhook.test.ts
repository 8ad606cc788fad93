/**
 * The alert-router against a real Alertmanager (Debian's prometheus-alertmanager) and a plain
 * webhook, fed through the in-process bus: firing and resolved notifications arrive at both,
 * a duplicate is not re-sent, a 503 is retried, a 4xx is not and the event is dead-lettered,
 * and re-posting keeps a firing alert alive in Alertmanager.
 */
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessBus, type Alert, type DeadLetter, type EventBus } from '@slb/core';
import { createAlertRouter, parseRoutingTable, type AlertRouter } from '@slb/alert-router';
import { startAlertmanager, startHttpSink, webhookAlertmanagerConfig, type HttpSink, type RunningAlertmanager, type SinkRequest } from '../support/alertmanager.js';
import { uniqueName } from '../support/kafka.js';
import { eventually } from '../bus/collect.js';

interface AmNotification {
  status: 'firing' | 'resolved';
  alerts: { status: string; labels: Record<string, string>; annotations: Record<string, string>; generatorURL: string; endsAt: string }[];
}
interface HookPayload {
  status: 'firing' | 'resolved';
  receiver: string;
  alert: Alert;
  labels: Record<string, string>;
}

const CONSOLE = 'http://console.test:8080';
let sink: HttpSink;
let alertmanager: RunningAlertmanager;
let bus: EventBus;
let router: AlertRouter;
const registry = new Registry();
const deadLetters: DeadLetter[] = [];

function alertEvent(dedupKey: string, state: Alert['state'], overrides: Partial<Alert> = {}): Alert {
  const startsAtMs = Date.now() - 5_000;
  return {
    alertId: uniqueName('alert'),
    dedupKey,
    name: 'INSTANCE_EJECTED',
    state,
    severity: 'CRITICAL',
    serviceId: 'checkout',
    instanceId: 'checkout-2',
    summary: 'checkout-2 ejected: score 0.12',
    description: 'score below the ejection threshold for 3 windows',
    labels: { team: 'payments' },
    startsAtMs,
    endsAtMs: state === 'RESOLVED' ? Date.now() : null,
    evidence: { scores: [{ instanceId: 'checkout-2', score: 0.12, windowEndMs: startsAtMs }], windows: [], sources: [], notes: ['3 low windows'] },
    ...overrides,
  };
}

const amFor = (dedupKey: string, status: 'firing' | 'resolved') => (r: SinkRequest) =>
  r.path === '/am' && (r.body as AmNotification).status === status && (r.body as AmNotification).alerts.some((a) => a.labels.dedup_key === dedupKey);
const hookFor = (path: string, dedupKey: string, status: 'firing' | 'resolved') => (r: SinkRequest) =>
  r.path === path && r.status === 200 && (r.body as HookPayload).alert.dedupKey === dedupKey && (r.body as HookPayload).status === status;
const count = (match: (r: SinkRequest) => boolean) => sink.requests.filter(match).length;

async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = await registry.getSingleMetric(name)!.get();
  return m.values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((n, v) => n + v.value, 0);
}

beforeAll(async () => {
  sink = await startHttpSink();
  // The plain webhook answers 503 to its first request: the router must retry it.
  sink.respond((path, n) => (path === '/hook' && n === 0 ? 503 : path === '/refuse' ? 400 : 200));
  alertmanager = await startAlertmanager(webhookAlertmanagerConfig(`${sink.url}/am`));
  bus = createInProcessBus();
  await bus.subscribe(['dead-letters'], { groupId: 'test-dlq' }, (m) => void deadLetters.push(m.value));
  const routes = parseRoutingTable({
    receivers: [
      { name: 'am', type: 'alertmanager', url: alertmanager.url },
      { name: 'oncall-hook', type: 'webhook', url: `${sink.url}/hook`, headers: { authorization: 'Bearer hook-token' } },
      { name: 'refusing-hook', type: 'webhook', url: `${sink.url}/refuse` },
    ],
    routes: [
      { match: { severity: 'critical', service: 'checkout' }, receivers: ['am', 'oncall-hook'] },
      { match: { service: 'legacy' }, receivers: ['refusing-hook'] },
    ],
    default: ['am'],
  });
  router = createAlertRouter({
    bus,
    routes,
    consoleUrl: CONSOLE,
    registry,
    // Re-posts are driven by calling refresh() in the test, not by the timer.
    refreshIntervalMs: 3_600_000,
    retry: { minTimeoutMs: 50, maxTimeoutMs: 200 },
  });
  await router.start();
});

afterAll(async () => {
  await router?.close();
  await bus?.close();
  await alertmanager?.stop();
  await sink?.close();
});

describe('alert-router with a real Alertmanager and a plain webhook', () => {
  const key = 'INSTANCE_EJECTED/checkout/checkout-2';

  it('delivers a FIRING alert to Alertmanager (labels, annotations, generatorURL) and to the webhook after a 503', async () => {
    await bus.publish('alerts', 'checkout', alertEvent(key, 'FIRING'));

    const am = (await sink.waitFor(amFor(key, 'firing'), 'Alertmanager firing notification')).body as AmNotification;
    const [notified] = am.alerts;
    expect(notified?.labels).toEqual({ alertname: 'INSTANCE_EJECTED', service: 'checkout', instance: 'checkout-2', severity: 'critical', dedup_key: key, team: 'payments' });
    expect(notified?.annotations.summary).toBe('checkout-2 ejected: score 0.12');
    expect(notified?.annotations.description).toBe('score below the ejection threshold for 3 windows');
    expect(JSON.parse(notified?.annotations.evidence ?? '{}')).toMatchObject({ notes: ['3 low windows'] });
    expect(notified?.generatorURL).toBe(`${CONSOLE}/alerts/${encodeURIComponent(key)}`);

    const hook = await sink.waitFor(hookFor('/hook', key, 'firing'), 'webhook firing payload');
    expect(hook.headers.authorization).toBe('Bearer hook-token');
    expect((hook.body as HookPayload).labels.severity).toBe('critical');
    expect(sink.requests.filter((r) => r.path === '/hook').map((r) => r.status)).toEqual([503, 200]);
    await eventually(async () => (await metric('slb_alert_router_notifications_sent_total', { receiver: 'oncall-hook', state: 'firing' })) === 1, 'webhook firing counted');
    expect(await metric('slb_alert_router_retries_total', { receiver: 'oncall-hook' })).toBe(1);
    expect(await metric('slb_alert_router_notifications_sent_total', { receiver: 'am', state: 'firing' })).toBe(1);
  });

  it('does not re-send a duplicate FIRING', async () => {
    await bus.publish('alerts', 'checkout', alertEvent(key, 'FIRING', { summary: 'still ejected' }));
    await eventually(async () => (await metric('slb_alert_router_dedup_hits_total', { state: 'firing' })) === 2, 'dedup hit for both receivers');
    expect(count(hookFor('/hook', key, 'firing'))).toBe(1);
    expect(await metric('slb_alert_router_notifications_sent_total', { state: 'firing' })).toBe(2);
  });

  it('re-posting moves the firing alert’s endsAt forward in Alertmanager, with the newest annotations', async () => {
    const inAlertmanager = async () =>
      ((await (await fetch(`${alertmanager.url}/api/v2/alerts?filter=${encodeURIComponent(`dedup_key="${key}"`)}`)).json()) as { endsAt: string; annotations: Record<string, string> }[])[0];
    const before = await inAlertmanager();
    expect(before?.annotations.summary).toBe('checkout-2 ejected: score 0.12');
    await router.refresh();
    const after = await inAlertmanager();
    expect(Date.parse(after!.endsAt)).toBeGreaterThan(Date.parse(before!.endsAt));
    expect(after?.annotations.summary).toBe('still ejected');
    expect(await metric('slb_alert_router_refreshes_total', { receiver: 'am', outcome: 'ok' })).toBe(1);
  });

  it('delivers the RESOLVED to both, once, and a FIRING after it again', async () => {
    await bus.publish('alerts', 'checkout', alertEvent(key, 'RESOLVED'));
    const am = (await sink.waitFor(amFor(key, 'resolved'), 'Alertmanager resolved notification')).body as AmNotification;
    expect(am.alerts[0]?.status).toBe('resolved');
    await sink.waitFor(hookFor('/hook', key, 'resolved'), 'webhook resolved payload');

    await bus.publish('alerts', 'checkout', alertEvent(key, 'RESOLVED'));
    await eventually(async () => (await metric('slb_alert_router_dedup_hits_total', { state: 'resolved' })) === 2, 'resolved dedup hits');
    expect(count(hookFor('/hook', key, 'resolved'))).toBe(1);

    await bus.publish('alerts', 'checkout', alertEvent(key, 'FIRING'));
    await sink.waitFor((r) => count(hookFor('/hook', key, 'firing')) === 2 && r.path === '/hook', 'second webhook firing payload');
    await sink.waitFor((r) => r.path === '/am' && sink.requests.filter(amFor(key, 'firing')).length === 2, 'second Alertmanager firing notification');
  });

  it('routes by severity and service: a warning elsewhere goes to the default receiver only', async () => {
    const other = 'SERVICE_DEGRADED/search';
    await bus.publish('alerts', 'search', alertEvent(other, 'FIRING', { name: 'SERVICE_DEGRADED', severity: 'WARNING', serviceId: 'search', instanceId: null }));
    const am = (await sink.waitFor(amFor(other, 'firing'), 'Alertmanager notification of the warning')).body as AmNotification;
    expect(am.alerts[0]?.labels).toMatchObject({ severity: 'warning', service: 'search' });
    expect(am.alerts[0]?.labels).not.toHaveProperty('instance');
    expect(sink.requests.filter((r) => r.path === '/hook' && (r.body as HookPayload).alert.dedupKey === other)).toEqual([]);
  });

  it('does not retry a 4xx, counts the failure and dead-letters the event', async () => {
    const refused = 'CONFIG_REJECTED/legacy';
    await bus.publish('alerts', 'legacy', alertEvent(refused, 'FIRING', { name: 'CONFIG_REJECTED', serviceId: 'legacy', instanceId: null }));
    await eventually(() => deadLetters.length === 1, 'dead letter');
    expect(deadLetters[0]).toMatchObject({ originalTopic: 'alerts', errorCode: 'SLB_NOTIFY_FAILED', errorMessage: expect.stringContaining('refusing-hook') });
    expect(sink.requests.filter((r) => r.path === '/refuse')).toHaveLength(1);
    expect(await metric('slb_alert_router_notifications_failed_total', { receiver: 'refusing-hook' })).toBe(1);
    expect(await metric('slb_alert_router_retries_total', { receiver: 'refusing-hook' })).toBe(0);
  });
});
