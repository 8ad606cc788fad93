import { describe, expect, it } from 'vitest';
import type { TopicEvents } from '@slb/core';
import { ConsoleModel, type ConsoleTopic } from './console-model.js';
import { alert, auditRecord, configStatus, configUpdate, decision, metrics, score } from '../../../../test/console/console-events.js';

type Event = { [T in ConsoleTopic]: readonly [T, TopicEvents[T]] }[ConsoleTopic];

const S = 'checkout';
const feed = (model: ConsoleModel, events: readonly Event[]): boolean[] => events.map(([topic, value]) => model.apply(topic, value as never));

describe('ConsoleModel folds events into the snapshot', () => {
  it.each<{ name: string; events: Event[]; limits?: ConstructorParameters<typeof ConsoleModel>[0]; expected: object }>([
    {
      name: 'a health score creates the service and instance with its score and history',
      events: [['health-scores', score(S, 'c-1', 10_000, 0.9)], ['health-scores', score(S, 'c-1', 20_000, 0.8)]],
      expected: { services: [{ serviceId: S, instances: [{ instanceId: 'c-1', score: 0.8, scoreWindowEndMs: 20_000, scoreHistory: [{ t: 10_000, v: 0.9 }, { t: 20_000, v: 0.8 }] }] }] },
    },
    {
      name: 'a late score window joins the history but does not replace the current score',
      events: [['health-scores', score(S, 'c-1', 20_000, 0.8)], ['health-scores', score(S, 'c-1', 10_000, 0.1)]],
      expected: { services: [{ instances: [{ score: 0.8, scoreHistory: [{ t: 10_000, v: 0.1 }, { t: 20_000, v: 0.8 }] }] }] },
    },
    {
      name: 'history is bounded by historyWindows',
      limits: { historyWindows: 2 },
      events: [1, 2, 3].map((n) => ['metrics-aggregated', metrics(S, 'c-1', n * 10_000, n)] as Event),
      expected: { services: [{ instances: [{ rps: 3, rpsHistory: [{ t: 20_000, v: 2 }, { t: 30_000, v: 3 }] }] }] },
    },
    {
      name: 'aggregated metrics give rps, p95, error rate and in-flight',
      events: [['metrics-aggregated', metrics(S, 'c-1', 10_000, 150, 0.25, 480)]],
      expected: { services: [{ instances: [{ rps: 150, errorRate: 0.25, p95LatencyMs: 480, inFlight: 21, metricsWindowEndMs: 10_000 }] }] },
    },
    {
      name: 'instances are listed in natural order',
      events: ['c-10', 'c-2', 'c-1'].map((id) => ['health-scores', score(S, id, 10_000, 1)] as Event),
      expected: { services: [{ instances: [{ instanceId: 'c-1' }, { instanceId: 'c-2' }, { instanceId: 'c-10' }] }] },
    },
    {
      name: 'a routing decision sets state and weight and records what changed',
      events: [
        ['routing-decisions', decision(S, 1, [['c-1', 'ACTIVE', 1], ['c-2', 'ACTIVE', 1]])],
        ['routing-decisions', decision(S, 2, [['c-1', 'ACTIVE', 1], ['c-2', 'EJECTED', 0, 'score 0.1 < 0.5']], 2_000, ['error rate 0.6'])],
      ],
      expected: {
        services: [{ decisionVersion: 2, decisionExpiresAtMs: 32_000, instances: [{ instanceId: 'c-1', state: 'ACTIVE', weight: 1 }, { instanceId: 'c-2', state: 'EJECTED', weight: 0, reason: 'score 0.1 < 0.5', stateUntilMs: 32_000 }] }],
        decisions: [
          { version: 2, changes: [{ instanceId: 'c-2', from: { state: 'ACTIVE', weight: 1 }, to: { state: 'EJECTED', weight: 0 }, reason: 'score 0.1 < 0.5' }], evidence: { notes: ['error rate 0.6'] } },
          { version: 1, changes: [{ instanceId: 'c-1', from: null }, { instanceId: 'c-2', from: null }] },
        ],
      },
    },
    {
      name: 'an ejected instance carries the score its ejection cites, beside its latest (trafficless) window',
      events: [
        ['health-scores', score(S, 'c-2', 20_000, 1)],
        [
          'routing-decisions',
          (() => {
            const d = decision(S, 3, [['c-1', 'ACTIVE', 1], ['c-2', 'EJECTED', 0, '2 windows below 0.4 in a row (scores 0.346, 0.300)']]);
            const scores = [{ instanceId: 'c-2', score: 0.346, windowEndMs: 5_000 }, { instanceId: 'c-2', score: 0.3, windowEndMs: 10_000 }, { instanceId: 'c-1', score: 0.95, windowEndMs: 20_000 }];
            return { ...d, evidence: { ...d.evidence, scores } };
          })(),
        ],
      ],
      expected: { services: [{ instances: [{ instanceId: 'c-1', decisionScore: 0.95 }, { instanceId: 'c-2', state: 'EJECTED', score: 1, decisionScore: 0.3 }] }] },
    },
    {
      name: 'a score arriving after a service was deleted does not bring it back; a new config does',
      events: [
        ['config-updates', configUpdate(S, 3, ['c-1'])],
        ['config-updates', { ...configUpdate(S, 4, ['c-1']), deleted: true }],
        ['health-scores', score(S, 'c-1', 20_000, 0.9)],
        ['config-updates', configUpdate('other', 1, ['o-1'])],
      ],
      expected: { services: [{ serviceId: 'other' }] },
    },
    {
      name: 'an older or repeated decision version is ignored (versions only move forward)',
      events: [
        ['routing-decisions', decision(S, 5, [['c-1', 'EJECTED', 0]])],
        ['routing-decisions', decision(S, 4, [['c-1', 'ACTIVE', 1]])],
        ['routing-decisions', decision(S, 5, [['c-1', 'ACTIVE', 1]])],
      ],
      expected: { services: [{ decisionVersion: 5, instances: [{ state: 'EJECTED', weight: 0 }] }], decisions: [{ version: 5 }] },
    },
    {
      name: 'an instance the latest decision does not name has no state',
      events: [['routing-decisions', decision(S, 1, [['c-1', 'ACTIVE', 1], ['c-2', 'ACTIVE', 1]])], ['routing-decisions', decision(S, 2, [['c-1', 'SLOW_START', 0.2]])]],
      expected: { services: [{ instances: [{ instanceId: 'c-1', state: 'SLOW_START', weight: 0.2 }, { instanceId: 'c-2', state: null, weight: null }] }] },
    },
    {
      name: 'recent decisions are bounded, newest first',
      limits: { recentDecisions: 2 },
      events: [1, 2, 3].map((v) => ['routing-decisions', decision(S, v, [['c-1', 'ACTIVE', 1]])] as Event),
      expected: { decisions: [{ version: 3 }, { version: 2 }] },
    },
    {
      name: 'an alert that fires and resolves is one entry, resolved',
      events: [['alerts', alert(S, 'c-2', 'FIRING', 'a1', 1_000)], ['alerts', alert(S, 'c-2', 'RESOLVED', 'a2', 1_000, 9_000)]],
      expected: { alerts: [{ dedupKey: `INSTANCE_EJECTED/${S}/c-2`, state: 'RESOLVED', alertId: 'a2', endsAtMs: 9_000 }] },
    },
    {
      name: 'firing alerts come before resolved ones, newest first',
      events: [
        ['alerts', alert(S, 'c-1', 'FIRING', 'a1', 1_000)],
        ['alerts', alert(S, 'c-2', 'FIRING', 'a2', 2_000)],
        ['alerts', alert(S, 'c-3', 'FIRING', 'a3', 500)],
        ['alerts', alert(S, 'c-3', 'RESOLVED', 'a4', 500, 5_000)],
      ],
      expected: { alerts: [{ instanceId: 'c-2' }, { instanceId: 'c-1' }, { instanceId: 'c-3', state: 'RESOLVED' }] },
    },
    {
      name: 'a replayed FIRING older than the RESOLVED is ignored; a later re-fire is shown',
      events: [
        ['alerts', alert(S, 'c-1', 'RESOLVED', 'a2', 1_000, 9_000)],
        ['alerts', alert(S, 'c-1', 'FIRING', 'a1', 1_000)],
        ['alerts', alert(S, 'c-1', 'FIRING', 'a3', 20_000)],
      ],
      expected: { alerts: [{ state: 'FIRING', alertId: 'a3', startsAtMs: 20_000 }] },
    },
    {
      name: 'beyond the alert limit, resolved alerts go first',
      limits: { recentAlerts: 2 },
      events: [
        ['alerts', alert(S, 'c-1', 'FIRING', 'a1', 1_000)],
        ['alerts', alert(S, 'c-2', 'RESOLVED', 'a2', 1_000, 50_000)],
        ['alerts', alert(S, 'c-3', 'FIRING', 'a3', 2_000)],
      ],
      expected: { alerts: [{ instanceId: 'c-3' }, { instanceId: 'c-1' }] },
    },
    {
      name: 'audit records: newest first, redeliveries shown once, bounded',
      limits: { recentAudit: 2 },
      events: [['audit-logs', auditRecord('x', 1)], ['audit-logs', auditRecord('y', 3)], ['audit-logs', auditRecord('y', 3)], ['audit-logs', auditRecord('z', 2)]],
      expected: { audit: [{ auditId: 'y' }, { auditId: 'z' }] },
    },
    {
      name: 'config gives instances their address and removes instances no longer configured',
      events: [['health-scores', score(S, 'old', 10_000, 1)], ['config-updates', configUpdate(S, 3, ['c-1', 'c-2'])]],
      expected: { services: [{ configVersion: 3, instances: [{ instanceId: 'c-1', address: '127.0.0.1:9000', inConfig: true, configWeight: 1 }, { instanceId: 'c-2', address: '127.0.0.1:9001' }] }] },
    },
    {
      name: 'an older config version is ignored',
      events: [['config-updates', configUpdate(S, 3, ['c-1'])], ['config-updates', configUpdate(S, 2, ['c-9'])]],
      expected: { services: [{ configVersion: 3, instances: [{ instanceId: 'c-1' }] }] },
    },
    {
      name: 'a deleted service leaves the view',
      events: [['config-updates', configUpdate(S, 3, ['c-1'])], ['config-updates', configUpdate('other', 1, ['o-1'])], ['config-updates', configUpdate(S, 4, [], true)]],
      expected: { services: [{ serviceId: 'other' }] },
    },
    {
      name: 'proxy convergence compares config-status with desired config and decisions',
      events: [
        ['config-updates', configUpdate(S, 3, ['c-1'])],
        ['config-updates', configUpdate('_global', 2, [])],
        ['routing-decisions', decision(S, 7, [['c-1', 'ACTIVE', 1]])],
        ['config-status', configStatus('proxy-b', { [S]: 2, _global: 2 }, { [S]: 7 }, 100)],
        ['config-status', configStatus('proxy-a', { [S]: 3, _global: 2 }, { [S]: 7 }, 100)],
      ],
      expected: {
        services: [{ serviceId: S }],
        proxies: [
          { proxyId: 'proxy-a', converged: true },
          { proxyId: 'proxy-b', converged: false, config: [{ serviceId: '_global', status: 'converged' }, { serviceId: S, desired: 3, applied: 2, status: 'behind' }] },
        ],
      },
    },
    {
      name: 'an older config-status of a proxy is ignored',
      events: [['config-status', configStatus('proxy-a', { [S]: 3 }, {}, 200)], ['config-status', configStatus('proxy-a', { [S]: 1 }, {}, 100)]],
      expected: { proxies: [{ proxyId: 'proxy-a', updatedAtMs: 200, config: [{ applied: 3 }] }] },
    },
  ])('$name', ({ events, limits, expected }) => {
    const model = new ConsoleModel(limits);
    feed(model, events);
    const snapshot = model.snapshot(123);
    expect(snapshot).toMatchObject({ generatedAtMs: 123, ...expected });
    for (const [key, value] of Object.entries(expected)) expect((snapshot as unknown as Record<string, unknown[]>)[key]).toHaveLength((value as unknown[]).length);
  });
});

describe('ConsoleModel deltas', () => {
  it('are empty until something changes, then carry only what changed, once', () => {
    const model = new ConsoleModel();
    expect(model.takeDelta(1)).toBeUndefined();
    feed(model, [['health-scores', score('a', 'a-1', 10_000, 1)], ['health-scores', score('b', 'b-1', 10_000, 1)], ['alerts', alert('a', 'a-1', 'FIRING', 'x', 5)]]);
    const first = model.takeDelta(2);
    expect(first).toMatchObject({ generatedAtMs: 2, services: [{ serviceId: 'a' }, { serviceId: 'b' }], removedServices: [], alerts: [{ alertId: 'x' }] });
    expect(first).not.toHaveProperty('decisions');
    expect(first).not.toHaveProperty('audit');
    expect(model.takeDelta(3)).toBeUndefined();

    feed(model, [['metrics-aggregated', metrics('b', 'b-1', 10_000, 5)]]);
    const second = model.takeDelta(4);
    expect(second?.services.map((s) => s.serviceId)).toEqual(['b']);
    expect(second).not.toHaveProperty('alerts');
    expect(second!.revision).toBeGreaterThan(first!.revision);
  });

  it('carry a changed service\'s full instance list with only the history points added since the last delta', () => {
    const model = new ConsoleModel({ historyWindows: 3 });
    feed(model, [['health-scores', score('a', 'a-1', 10_000, 0.9)], ['health-scores', score('a', 'a-2', 10_000, 0.8)]]);
    model.takeDelta(1);
    feed(model, [
      ['health-scores', score('a', 'a-1', 20_000, 0.7)],
      ['health-scores', score('a', 'a-1', 30_000, 0.6)],
      ['metrics-aggregated', metrics('a', 'a-1', 30_000, 42)],
      ['health-scores', score('a', 'a-1', 30_000, 0.5)],
    ]);
    const delta = model.takeDelta(2)!;
    expect(delta.services).toHaveLength(1);
    expect(delta.services[0]!.instances).toEqual([
      expect.objectContaining({ instanceId: 'a-1', score: 0.5, rps: 42, scorePoints: [{ t: 20_000, v: 0.7 }, { t: 30_000, v: 0.5 }], rpsPoints: [{ t: 30_000, v: 42 }] }),
      expect.objectContaining({ instanceId: 'a-2', score: 0.8, scorePoints: [], rpsPoints: [] }),
    ]);
    expect(delta.services[0]!.instances[0]).not.toHaveProperty('scoreHistory');
    // The snapshot still has the whole (bounded) history.
    expect(model.snapshot(3).services[0]!.instances[0]!.scoreHistory).toEqual([{ t: 10_000, v: 0.9 }, { t: 20_000, v: 0.7 }, { t: 30_000, v: 0.5 }]);
    expect(model.snapshot(3).historyWindows).toBe(3);
  });

  it('name a deleted service, and a decision also refreshes convergence', () => {
    const model = new ConsoleModel();
    feed(model, [['config-updates', configUpdate('a', 1, ['a-1'])]]);
    model.takeDelta(1);
    feed(model, [['config-updates', configUpdate('a', 2, [], true)]]);
    expect(model.takeDelta(2)).toMatchObject({ services: [], removedServices: ['a'], proxies: [] });
    feed(model, [['routing-decisions', decision('b', 1, [['b-1', 'ACTIVE', 1]])]]);
    expect(model.takeDelta(3)).toMatchObject({ services: [{ serviceId: 'b' }], decisions: [{ version: 1 }], proxies: [] });
  });

  it('a tombstone removes a service as a deleted config does, and forgets its version', () => {
    const model = new ConsoleModel();
    feed(model, [['config-updates', configUpdate('a', 5, ['a-1'])], ['health-scores', score('a', 'a-1', 10_000, 0.9)]]);
    model.takeDelta(1);
    expect(model.removeService('a')).toBe(true);
    expect(model.takeDelta(2)).toMatchObject({ services: [], removedServices: ['a'] });
    expect(model.snapshot(2).services).toEqual([]);
    // Late telemetry does not bring it back; a second tombstone changes nothing.
    expect(feed(model, [['health-scores', score('a', 'a-1', 20_000, 0.9)]])).toEqual([false]);
    expect(model.removeService('a')).toBe(false);
    // No version survives: an update below the removed 5 re-creates it.
    expect(feed(model, [['config-updates', configUpdate('a', 1, ['a-1'])]])).toEqual([true]);
    expect(model.snapshot(3).services).toMatchObject([{ serviceId: 'a', configVersion: 1 }]);
  });

  it.each<{ name: string; events: Event[]; changed: boolean[] }>([
    { name: 'a stale decision', events: [['routing-decisions', decision(S, 2, [])], ['routing-decisions', decision(S, 1, [])]], changed: [true, false] },
    { name: 'a redelivered audit record', events: [['audit-logs', auditRecord('x', 1)], ['audit-logs', auditRecord('x', 1)]], changed: [true, false] },
    { name: 'a redelivered alert', events: [['alerts', alert(S, 'c', 'FIRING', 'a', 1)], ['alerts', alert(S, 'c', 'FIRING', 'a', 1)]], changed: [true, false] },
    { name: 'a stale config', events: [['config-updates', configUpdate(S, 2, [])], ['config-updates', configUpdate(S, 2, ['x'])]], changed: [true, false] },
  ])('apply reports no change for $name', ({ events, changed }) => {
    expect(feed(new ConsoleModel(), events)).toEqual(changed);
  });
});
