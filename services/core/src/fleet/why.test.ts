import { describe, expect, it } from 'vitest';
import { exampleEvents } from '../contracts/examples.js';
import type { AuditLog, RoutingDecision } from '../contracts/generated.js';
import { instanceEvidence, instanceRoute, whyInstance } from './why.js';

const ex = exampleEvents();
const decision: RoutingDecision = {
  ...ex['routing-decisions'],
  evidence: {
    ...ex['routing-decisions'].evidence,
    scores: [
      { instanceId: 'checkout-2', score: 0.3, windowEndMs: 1_000 },
      { instanceId: 'checkout-2', score: 0.21, windowEndMs: 2_000 },
      { instanceId: 'checkout-1', score: 0.97, windowEndMs: 2_000 },
    ],
    notes: ['checkout-1: score 0.970', 'checkout-2: ejected: score 0.21 < 0.5', 'healthy 1/2, max ejectable 1'],
  },
};
/** An audit record of the instance, from the contract's example with the given action and time. */
const record = (action: string, atMs: number, reason: string, entityId = 'checkout/checkout-2'): AuditLog =>
  Object.assign({}, ex['audit-logs'], { auditId: `${action}-${atMs}`, atMs, actor: 'controller-a', action, entityType: 'instance', entityId, reason, evidence: { scores: [], windows: [], sources: [{ topic: 'health-scores', partition: 1, offset: 42 }], notes: [] } });

describe('instanceRoute reads an instance entry of a decision', () => {
  it.each([
    { name: 'an ejected instance cites the newest score of its ejection', id: 'checkout-2', expected: { state: 'EJECTED', weight: 0, reason: 'score 0.21 < 0.5', citedScore: 0.21 } },
    { name: 'an active one', id: 'checkout-1', expected: { state: 'ACTIVE', weight: 1, reason: 'score 0.97', stateUntilMs: null, citedScore: 0.97 } },
    { name: 'one the decision does not name', id: 'nope', expected: null },
  ])('$name', ({ id, expected }) => {
    const route = instanceRoute(decision, id);
    if (expected === null) expect(route).toBeNull();
    else expect(route).toMatchObject(expected);
  });

  it('no decision: no route', () => {
    expect(instanceRoute(undefined, 'checkout-1')).toBeNull();
    expect(instanceRoute(null, 'checkout-1')).toBeNull();
  });
});

describe('instanceEvidence narrows the evidence to one instance', () => {
  it('keeps its scores and notes and the service-wide notes, not another instance notes', () => {
    const e = instanceEvidence(decision, 'checkout-2');
    expect(e.scores.map((s) => s.score)).toEqual([0.3, 0.21]);
    expect(e.notes).toEqual(['checkout-2: ejected: score 0.21 < 0.5', 'healthy 1/2, max ejectable 1']);
    expect(e.sources).toEqual(decision.evidence.sources);
    expect(e.windows).toEqual(decision.evidence.windows);
  });
});

describe('whyInstance', () => {
  it.each([
    {
      name: 'an ejection on record',
      audit: [record('instance.eject', 1_000, '2 windows below 0.4')],
      answer: /^checkout-2 was ejected at 1970-01-01T00:00:01.000Z by controller-a: 2 windows below 0.4 \(scores from health-scores\[1\]@42\); it is now EJECTED$/,
      lastEjection: 'instance.eject-1000',
      lastReturn: null,
    },
    {
      name: 'an ejection then a return',
      audit: [record('instance.return', 2_000, 'good again'), record('instance.eject', 1_000, 'bad')],
      answer: /it returned at 1970-01-01T00:00:02.000Z \(good again\) and is now EJECTED/,
      lastEjection: 'instance.eject-1000',
      lastReturn: 'instance.return-2000',
    },
    {
      name: 'a return before the last ejection does not end it',
      audit: [record('instance.eject', 500, 'first'), record('instance.return', 800, 'back'), record('instance.eject', 1_000, 'second')],
      answer: /by controller-a: second .*; it is now EJECTED$/,
      lastEjection: 'instance.eject-1000',
      lastReturn: null,
    },
    {
      name: 'records under the bare instance id count too',
      audit: [record('instance.eject', 1_000, 'bad', 'checkout-2')],
      answer: /was ejected .*: bad/,
      lastEjection: 'instance.eject-1000',
      lastReturn: null,
    },
    {
      name: 'records of another instance or service do not',
      audit: [record('instance.eject', 1_000, 'bad', 'checkout/checkout-1'), record('instance.eject', 1_000, 'bad', 'search/checkout-2')],
      answer: /^checkout-2 is ejected in decision 42: score 0.21 < 0.5 \(the ejection predates the audit records read; see audit-logs key checkout\/checkout-2\)$/,
      lastEjection: null,
      lastReturn: null,
    },
  ])('$name', ({ audit, answer, lastEjection, lastReturn }) => {
    const why = whyInstance({ serviceId: 'checkout', instanceId: 'checkout-2', decision, audit });
    expect(why.answer).toMatch(answer);
    expect(why.lastEjection?.auditId ?? null).toBe(lastEjection);
    expect(why.lastReturn?.auditId ?? null).toBe(lastReturn);
    expect(why).toMatchObject({ state: 'EJECTED', weight: 0, reason: 'score 0.21 < 0.5' });
    expect(why.history.map((r) => r.atMs)).toEqual([...why.history.map((r) => r.atMs)].sort((a, b) => a - b));
  });

  it.each([
    { name: 'never ejected', id: 'checkout-1', decision, answer: 'checkout-1 has not been ejected recently; it is ACTIVE in decision 42', state: 'ACTIVE' },
    { name: 'not in the decision', id: 'nope', decision, answer: 'no decision for checkout names nope', state: null },
    { name: 'no decision at all', id: 'checkout-1', decision: undefined, answer: 'no decision for checkout names checkout-1', state: null },
  ])('$name', ({ id, decision: d, answer, state }) => {
    const why = whyInstance({ serviceId: 'checkout', instanceId: id, decision: d, audit: [], auditSource: "this controller's audit memory" });
    expect(why.answer).toBe(answer);
    expect(why.state).toBe(state);
  });

  it('joins the config entry, the latest scores, and the alerts about the instance or its service', () => {
    const score = ex['health-scores'];
    const scores = [0.9, 0.5, 0.21].map((s, i) => ({ ...score, score: s, windowEndMs: score.windowEndMs + i }));
    const alerts = [ex.alerts, { ...ex.alerts, alertId: 'svc', instanceId: null }, { ...ex.alerts, alertId: 'other', instanceId: 'checkout-1' }, { ...ex.alerts, alertId: 'elsewhere', serviceId: 'search' }];
    const why = whyInstance({ serviceId: 'checkout', instanceId: 'checkout-2', decision, config: ex['config-updates'], audit: [], scores, alerts });
    expect(why.config).toMatchObject({ id: 'checkout-2', address: '10.0.0.12:8080' });
    expect(why.score?.score).toBe(0.21);
    expect(why.recentScores.map((s) => s.score)).toEqual([0.9, 0.5, 0.21]);
    expect(why.alerts.map((a) => a.alertId)).toEqual([ex.alerts.alertId, 'svc']);
    expect(why.decision).toMatchObject({ version: 42, instance: { instanceId: 'checkout-2', state: 'EJECTED' } });
    expect(why.decision?.evidence.scores).toHaveLength(2);
  });
});
