import { describe, expect, it } from 'vitest';
import { healthVerdict, outlierEffect, type VerdictInput } from './health-verdict.js';
import type { OutlierEvent } from '../resilience/outlier-detector.js';

const base: VerdictInput = { timestamp: 5, serviceId: 's', instanceId: 'i', proxyId: 'p', unhealthySources: [], checkType: 'HTTP', responseTimeMs: 12, details: { code: '200' } };

describe('health verdict: unhealthy while any source says so', () => {
  const cases: Array<[string, Partial<VerdictInput>, Record<string, unknown>]> = [
    ['no source holds it out', {}, { status: 'HEALTHY', responseTime: 12, details: { code: '200' } }],
    ['the active check holds it out', { unhealthySources: ['active'] }, { status: 'UNHEALTHY', details: { code: '200', unhealthySources: 'active' } }],
    ['outlier detection alone holds it out (its check passes)', { unhealthySources: ['outlier'], details: { code: '200' } }, { status: 'UNHEALTHY', details: { code: '200', unhealthySources: 'outlier' } }],
    ['both hold it out', { unhealthySources: ['active', 'outlier'], checkType: 'TCP', responseTimeMs: null }, { status: 'UNHEALTHY', checkType: 'TCP', responseTime: null, details: { code: '200', unhealthySources: 'active,outlier' } }],
  ];
  it.each(cases)('%s', (_name, input, expected) => {
    expect(healthVerdict({ ...base, ...input })).toMatchObject({ timestamp: 5, serviceId: 's', instanceId: 'i', proxyId: 'p', ...expected });
  });

  it('copies the details rather than sharing them', () => {
    const details = { a: '1' };
    expect(healthVerdict({ ...base, details }).details).not.toBe(details);
  });
});

describe('what an outlier event does', () => {
  const cases: Array<[string, OutlierEvent, ReturnType<typeof outlierEffect>]> = [
    ['an ejection takes it out and says until when', { type: 'eject', id: 'i', reason: 'consecutive-gateway-failure', atMs: 0, untilMs: 30_000, ejectionCount: 1, evidence: {} }, { healthy: false, details: { source: 'outlier', reason: 'consecutive-gateway-failure', untilMs: '30000' } }],
    ['its end brings it back', { type: 'uneject', id: 'i', atMs: 30_000, cause: 'time' }, { healthy: true, details: { source: 'outlier', reason: 'ejection time over' } }],
    ['a passing active check brings it back', { type: 'uneject', id: 'i', atMs: 4_000, cause: 'active-check' }, { healthy: true, details: { source: 'outlier', reason: 'active check passed' } }],
    ['a skipped ejection changes nothing', { type: 'skipped', id: 'i', reason: 'success-rate', cause: 'max-ejection-percent', atMs: 0, evidence: {} }, undefined],
  ];
  it.each(cases)('%s', (_name, event, expected) => {
    expect(outlierEffect(event)).toEqual(expected);
  });
});
