/** The pure views behind status, why and alerts, from the contract's example events. */
import { describe, expect, it } from 'vitest';
import { exampleEvents, isSlbError, type Alert } from '@slb/core';
import { currentAlerts } from './alerts-model.js';
import { fleetStatus } from './status-model.js';
import { explainInstance } from './why-model.js';

const ex = exampleEvents();
const NOW = ex['routing-decisions'].issuedAtMs + 1_000;
const configs = new Map([['checkout', ex['config-updates']]]);
const decisions = new Map([['checkout', ex['routing-decisions']]]);
const scores = [ex['health-scores']];

describe('fleetStatus', () => {
  it('joins config, decision and score per instance, and judges proxies live by their last status', () => {
    const statuses = new Map([['proxy-a', ex['config-status']]]);
    const fleet = fleetStatus({ configs, decisions, scores, statuses, nowMs: NOW, liveWindowMs: 60_000 });
    expect(fleet.services[0]!.instances.map((i) => [i.instanceId, i.state, i.weight, i.configWeight, i.score])).toEqual([
      ['checkout-1', 'ACTIVE', 1, 1, null],
      ['checkout-2', 'EJECTED', 0, 1, 0.21],
    ]);
    expect(fleet.proxies[0]).toMatchObject({ proxyId: 'proxy-a', live: true });
    expect(fleetStatus({ configs, decisions, scores, statuses, nowMs: NOW + 3_600_000, liveWindowMs: 60_000 }).proxies[0]).toMatchObject({ live: false });
    expect(fleetStatus({ configs, decisions, scores, statuses, nowMs: NOW + 3_600_000, liveWindowMs: 60_000 }).services[0]!.decisionExpired).toBe(true);
    expect(fleetStatus({ configs, decisions, scores, statuses, nowMs: NOW, liveWindowMs: 1, serviceId: 'search' }).services).toEqual([]);
  });
});

describe('explainInstance', () => {
  it('finds the service and narrows the evidence to the instance', () => {
    const r = explainInstance({ instanceId: 'checkout-2', configs, decisions, scores, alerts: [ex.alerts], audits: [] });
    expect(r.serviceId).toBe('checkout');
    expect(r.decision?.instance).toMatchObject({ state: 'EJECTED', reason: 'score 0.21 < 0.5' });
    expect(r.decision?.evidence.scores).toHaveLength(1);
    expect(r.alerts).toHaveLength(1);
    expect(explainInstance({ instanceId: 'checkout-1', configs, decisions, scores, alerts: [], audits: [] }).decision?.evidence.scores).toEqual([]);
  });

  it.each([
    ['an unknown instance', 'nobody', undefined, 'SLB_CLI_NOT_FOUND'],
    ['a service that does not have it', 'checkout-1', 'search', 'SLB_CLI_NOT_FOUND'],
  ])('refuses %s', (_name, instanceId, serviceId, code) => {
    try {
      explainInstance({ instanceId, ...(serviceId === undefined ? {} : { serviceId }), configs, decisions, scores, alerts: [], audits: [] });
      expect.unreachable();
    } catch (error) {
      expect(isSlbError(error)).toBe(true);
      expect((error as { code: string }).code).toBe(code);
    }
  });

  it('asks for --service when the instance id is in two services', () => {
    const two = new Map([...configs, ['other', { ...ex['config-updates'], serviceId: 'other' }]]);
    expect(() => explainInstance({ instanceId: 'checkout-1', configs: two, decisions, scores, alerts: [], audits: [] })).toThrow(/in services checkout, other: say which with --service/);
  });
});

describe('currentAlerts', () => {
  const firing: Alert = ex.alerts;
  const resolved: Alert = { ...firing, alertId: 'b', state: 'RESOLVED', endsAtMs: firing.startsAtMs + 1 };
  const other: Alert = { ...firing, alertId: 'c', dedupKey: 'OTHER', startsAtMs: firing.startsAtMs - 1 };
  it.each([
    ['the latest event of each alert decides', [firing, resolved, other], false, ['c']],
    ['--all shows resolved ones too, newest first', [firing, resolved, other], true, ['b', 'c']],
    ['fired again after resolving', [firing, resolved, { ...firing, alertId: 'd' }], false, ['d']],
  ] as const)('%s', (_name, events, all, ids) => {
    expect(currentAlerts(events, all).map((a) => a.alertId)).toEqual(ids);
  });
});
