import { describe, expect, it } from 'vitest';
import { exampleEvents, type AuditLog } from '@slb/core';
import { explainInstance } from './why.js';

const record = (action: string, atMs: number, reason: string): AuditLog => ({
  auditId: `${action}-${atMs}`,
  atMs,
  actor: 'controller-a',
  role: 'controller',
  action,
  entityType: 'instance',
  entityId: 'checkout/checkout-2',
  before: null,
  after: null,
  reason,
  evidence: { scores: [], windows: [], sources: [{ topic: 'health-scores', partition: 1, offset: 42 }], notes: [] },
});

describe('explainInstance', () => {
  const decision = exampleEvents()['routing-decisions'];
  it.each([
    { name: 'an ejection on record', audit: [record('instance.eject', 1_000, '2 windows below 0.4')], match: /was ejected .* by controller-a: 2 windows below 0.4 \(scores from health-scores\[1\]@42\); it is now EJECTED/ },
    { name: 'an ejection then a return', audit: [record('instance.eject', 1_000, 'bad'), record('instance.return', 2_000, 'good again')], match: /it returned at .* \(good again\)/ },
    { name: 'ejected before this controller remembered', audit: [], match: /predates this controller's audit memory/ },
  ])('$name', ({ audit, match }) => {
    const a = explainInstance('checkout', 'checkout-2', audit, decision);
    expect(a.answer).toMatch(match);
    expect(a.state).toBe('EJECTED');
    expect(a.history).toHaveLength(audit.length);
  });

  it('an instance never ejected, and one no decision names', () => {
    expect(explainInstance('checkout', 'checkout-1', [], decision).answer).toMatch(/has not been ejected recently; it is ACTIVE/);
    expect(explainInstance('checkout', 'nope', [], decision).answer).toMatch(/no decision for checkout names nope/);
  });
});
