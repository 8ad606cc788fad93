import { describe, expect, it } from 'vitest';
import type { Alert } from '@slb/core';
import { alertLabels, generatorUrl, labelName, toPostableAlert, toWebhookPayload, type MappingOptions } from './alertmanager-mapping.js';

const T0 = Date.parse('2026-11-21T10:00:00.000Z');
const options: MappingOptions = { consoleUrl: 'http://console:8080/', firingTtlMs: 240_000 };

function alert(overrides: Partial<Alert> = {}): Alert {
  return {
    alertId: 'a-1',
    dedupKey: 'INSTANCE_EJECTED/checkout/checkout-2',
    name: 'INSTANCE_EJECTED',
    state: 'FIRING',
    severity: 'CRITICAL',
    serviceId: 'checkout',
    instanceId: 'checkout-2',
    summary: 'checkout-2 ejected',
    description: 'score 0.12 below 0.3',
    labels: {},
    startsAtMs: T0,
    endsAtMs: null,
    evidence: { scores: [{ instanceId: 'checkout-2', score: 0.12, windowEndMs: T0 }], windows: [], sources: [], notes: ['ejected'] },
    ...overrides,
  };
}

describe('alertLabels', () => {
  it.each([
    ['the identity labels, severity lower-cased', alert(), { alertname: 'INSTANCE_EJECTED', service: 'checkout', instance: 'checkout-2', severity: 'critical', dedup_key: 'INSTANCE_EJECTED/checkout/checkout-2' }],
    ['no instance label for a service-wide alert', alert({ instanceId: null, severity: 'WARNING', dedupKey: 'd' }), { alertname: 'INSTANCE_EJECTED', service: 'checkout', severity: 'warning', dedup_key: 'd' }],
    [
      "the event's labels, sanitized, without overriding the identity",
      alert({ dedupKey: 'd', labels: { team: 'payments', 'k8s.pod': 'p-1', '9lives': 'x', severity: 'info', service: 'other', empty: '' } }),
      { team: 'payments', k8s_pod: 'p-1', _9lives: 'x', alertname: 'INSTANCE_EJECTED', service: 'checkout', instance: 'checkout-2', severity: 'critical', dedup_key: 'd' },
    ],
  ])('%s', (_name, input, expected) => {
    expect(alertLabels(input)).toEqual(expected);
  });

  it('is the same for the firing and the resolved event of one dedupKey (Alertmanager identity)', () => {
    const firing = alert({ summary: 'a', labels: { zone: 'a' } });
    const resolved = alert({ alertId: 'a-2', state: 'RESOLVED', summary: 'b', endsAtMs: T0 + 60_000, labels: { zone: 'a' } });
    expect(alertLabels(resolved)).toEqual(alertLabels(firing));
  });
});

describe('labelName', () => {
  it.each([
    ['ok_name', 'ok_name'],
    ['a-b.c', 'a_b_c'],
    ['1x', '_1x'],
    ['', '_'],
  ])('%j -> %j', (input, expected) => {
    expect(labelName(input)).toBe(expected);
  });
});

describe('toPostableAlert', () => {
  it.each([
    ['FIRING: endsAt is now + the firing TTL', alert(), T0 + 30_000, new Date(T0 + 30_000 + 240_000).toISOString()],
    ['FIRING that starts in the future: TTL counts from its start', alert({ startsAtMs: T0 + 90_000 }), T0, new Date(T0 + 90_000 + 240_000).toISOString()],
    ['RESOLVED: endsAt is the event’s endsAtMs', alert({ state: 'RESOLVED', endsAtMs: T0 + 120_000 }), T0 + 500_000, new Date(T0 + 120_000).toISOString()],
    ['RESOLVED without endsAtMs: resolved now', alert({ state: 'RESOLVED', endsAtMs: null }), T0 + 5_000, new Date(T0 + 5_000).toISOString()],
    ['RESOLVED with endsAtMs before startsAt: clamped to startsAt', alert({ state: 'RESOLVED', endsAtMs: T0 - 1 }), T0 + 5_000, new Date(T0).toISOString()],
  ])('%s', (_name, input, nowMs, endsAt) => {
    const postable = toPostableAlert(input, options, nowMs);
    expect(postable.startsAt).toBe(new Date(input.startsAtMs).toISOString());
    expect(postable.endsAt).toBe(endsAt);
  });

  it('puts summary, description and the evidence (JSON) into annotations and links the console', () => {
    const postable = toPostableAlert(alert(), options, T0);
    expect(postable.annotations).toEqual({
      summary: 'checkout-2 ejected',
      description: 'score 0.12 below 0.3',
      evidence: JSON.stringify(alert().evidence),
    });
    expect(JSON.parse(postable.annotations.evidence!)).toEqual(alert().evidence);
    expect(postable.generatorURL).toBe('http://console:8080/alerts/INSTANCE_EJECTED%2Fcheckout%2Fcheckout-2');
  });

  it('leaves out an empty description and, without a console URL, the generatorURL', () => {
    const postable = toPostableAlert(alert({ description: '' }), { ...options, consoleUrl: undefined }, T0);
    expect(Object.keys(postable.annotations)).toEqual(['summary', 'evidence']);
    expect(postable).not.toHaveProperty('generatorURL');
  });
});

describe('generatorUrl', () => {
  it.each([
    [undefined, 'k', undefined],
    ['http://c', 'k', 'http://c/alerts/k'],
    ['http://c/slb//', 'a b/c', 'http://c/slb/alerts/a%20b%2Fc'],
  ])('%j + %j -> %j', (base, key, expected) => {
    expect(generatorUrl(base, key)).toBe(expected);
  });
});

describe('toWebhookPayload', () => {
  it.each([
    ['firing, no end time', alert(), 'firing', null],
    ['resolved, with its end time', alert({ state: 'RESOLVED', endsAtMs: T0 + 1_000 }), 'resolved', new Date(T0 + 1_000).toISOString()],
  ])('%s', (_name, input, status, endsAt) => {
    const payload = toWebhookPayload(input, 'ops-hook', options, T0 + 2_000);
    expect(payload).toMatchObject({ version: '1', source: 'slb-alert-router', status, receiver: 'ops-hook', alert: input, endsAt });
    expect(payload.labels).toEqual(alertLabels(input));
  });
});
