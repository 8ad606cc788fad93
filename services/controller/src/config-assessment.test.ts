import { describe, expect, it } from 'vitest';
import { exampleEvents, type ConfigUpdate } from '@slb/core';
import { assessConfigUpdate, policyForConfig, type AcceptedConfig } from './config-assessment.js';
import { DEFAULT_DECISION_POLICY } from './decisions/index.js';

const base = DEFAULT_DECISION_POLICY;
const v7: ConfigUpdate = { ...exampleEvents()['config-updates'], version: 7, previousVersion: null, issuedAtMs: 1_000 };
const current: AcceptedConfig = { config: v7, policy: base };
const next = (over: Partial<ConfigUpdate>): ConfigUpdate => ({ ...v7, version: 8, previousVersion: 7, issuedAtMs: 2_000, ...over });

describe('assessConfigUpdate', () => {
  const cases: { name: string; raw: unknown; current?: AcceptedConfig; known?: boolean; expected: string }[] = [
    { name: 'a first version of a new service', raw: v7, expected: 'accepted' },
    { name: 'the next version against the current one', raw: next({}), current, expected: 'accepted' },
    { name: 'a next version that does not name its predecessor', raw: next({ previousVersion: null }), current, expected: 'accepted' },
    { name: 'a redelivery of the current version', raw: v7, current, expected: 'replay' },
    { name: 'an older version written earlier (replay)', raw: { ...v7, version: 6, issuedAtMs: 500 }, current, expected: 'replay' },
    { name: 'an older version written later (writer mistake)', raw: { ...v7, version: 6, issuedAtMs: 5_000 }, current, expected: 'SLB_SERVICE_CONFIG_STALE' },
    { name: 'an empty instance list', raw: next({ instances: [] }), current, expected: 'SLB_SERVICE_CONFIG_INVALID' },
    { name: 'every weight 0', raw: next({ instances: v7.instances.map((i) => ({ ...i, weight: 0 })) }), current, expected: 'SLB_SERVICE_CONFIG_INVALID' },
    { name: 'a zero request timeout', raw: next({ timeouts: { requestMs: 0, idleMs: 1_000 } }), current, expected: 'SLB_SERVICE_CONFIG_INVALID' },
    { name: 'a malformed record (schema)', raw: { serviceId: 'x' }, expected: 'SLB_SERVICE_CONFIG_INVALID' },
    { name: 'panic at 100 % (no hysteresis room)', raw: next({ panicThresholdPercent: 100 }), current, expected: 'SLB_POLICY_INVALID' },
    { name: 'a delete of an unknown service', raw: { ...v7, deleted: true }, expected: 'SLB_SERVICE_CONFIG_UNKNOWN_SERVICE' },
    { name: 'a previous version of an unknown service', raw: next({}), expected: 'SLB_SERVICE_CONFIG_UNKNOWN_SERVICE' },
    { name: 'a previous version that is not the current one', raw: next({ previousVersion: 5 }), current, expected: 'SLB_SERVICE_CONFIG_CONFLICT' },
    { name: 'a takeover without the predecessor skips the cross-version checks', raw: next({ previousVersion: 5 }), known: true, expected: 'accepted' },
    { name: 'a delete of a known service', raw: next({ deleted: true }), current, expected: 'accepted' },
  ];
  it.each(cases)('$name -> $expected', ({ raw, current: cur, known, expected }) => {
    const a = assessConfigUpdate(raw, cur, base, known ?? cur !== undefined);
    expect(a.kind === 'rejected' ? a.error.code : a.kind).toBe(expected);
  });

  it('rejections name the service and version and every problem', () => {
    const a = assessConfigUpdate(next({ instances: [], timeouts: { requestMs: 0, idleMs: 1_000 } }), current, base);
    expect(a.kind).toBe('rejected');
    if (a.kind !== 'rejected') return;
    expect(a.serviceId).toBe('checkout');
    expect(a.version).toBe(8);
    expect(a.error.message).toMatch(/instances: must list at least one instance.*timeouts.requestMs/);
  });
});

describe('policyForConfig', () => {
  it.each([
    { slowStartMs: 0, panicThresholdPercent: 50, engage: 0.5, release: 0.7 },
    { slowStartMs: 5_000, panicThresholdPercent: 30, engage: 0.3, release: 0.5 },
    { slowStartMs: 1, panicThresholdPercent: 90, engage: 0.9, release: 1 },
  ])('slowStartMs $slowStartMs, panic $panicThresholdPercent % -> engage $engage, release $release', ({ slowStartMs, panicThresholdPercent, engage, release }) => {
    const p = policyForConfig({ ...v7, slowStartMs, panicThresholdPercent }, base);
    expect(p.slowStartMs).toBe(slowStartMs);
    expect(p.panicBelowHealthyFraction).toBeCloseTo(engage);
    expect(p.panicReleaseHealthyFraction).toBeCloseTo(release);
    expect(p.ejectBelow).toBe(base.ejectBelow);
  });
});
