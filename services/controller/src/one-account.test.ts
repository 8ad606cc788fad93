/**
 * One account of an ejection: the decision on the wire, its audit record, the INSTANCE_EJECTED
 * alert and /api/why quote the same windows, scores and sentence, also in decisions issued long
 * after the ejection and after another member took the service over.
 */
import { describe, expect, it } from 'vitest';
import { createAlertBook, decisionSignals, updateAlerts } from './alerts/index.js';
import { toWireAlert } from './alert-wire.js';
import { decisionAuditRecords } from './audit-records.js';
import { createServiceState, decide, decisionPolicy, type InstanceScoreInput, type ServiceDecisionState } from './decisions/index.js';
import { stateFromWireDecision, toWireDecision } from './decision-wire.js';
import { explainInstance } from './why.js';

const policy = decisionPolicy({ minEjectionMs: 60_000 });
const ids = ['a', 'b', 'c'];
const windowOf = (end: number, scores: Record<string, number>, silent: readonly string[] = []): InstanceScoreInput[] =>
  Object.entries(scores).map(([instanceId, score]) => ({
    instanceId,
    score,
    windowStartMs: end - 5_000,
    windowEndMs: end,
    sources: [{ topic: 'health-scores', partition: 0, offset: String(end) }],
    reasons: score < 0.4 ? [`success ${score.toFixed(3)}: 40 errors in 100 requests (40.0 %)`] : [],
    ...(silent.includes(instanceId) ? { requests: 0 } : {}),
  }));

describe('one account of an ejection', () => {
  it('decision, audit, alert and why carry the same numbers, before and after a takeover', () => {
    const ctx = { actor: 'controller-a', atMs: 0, newId: () => 'id' };
    let state: ServiceDecisionState = createServiceState('svc', policy);
    state = decide(state, { scores: windowOf(5_000, { a: 0.95, b: 0.95, c: 0.346 }), instances: ids }, 5_000).state;
    const r = decide(state, { scores: windowOf(10_000, { a: 0.95, b: 0.95, c: 0.3 }), instances: ids }, 10_000);
    const reason = '2 windows below 0.4 in a row (scores 0.346, 0.300); out for at least 60000 ms';
    const wire = toWireDecision(r.decision!, r.state, r.changes, { issuedBy: 'controller-a', configVersion: 1, drained: new Set() });
    const audit = decisionAuditRecords(r.decision!, r.changes, { ...ctx, atMs: 10_000 }).find((x) => x.action === 'instance.eject')!;
    const alertEvents = updateAlerts(createAlertBook(), { signals: decisionSignals(r.decision!).signals }, 10_000).events;
    const alert = toWireAlert(alertEvents.find((e) => e.type === 'INSTANCE_EJECTED')!, { alertId: 'x', member: 'controller-a' });

    const causeScores = [
      { instanceId: 'c', score: 0.346, windowEndMs: 5_000 },
      { instanceId: 'c', score: 0.3, windowEndMs: 10_000 },
    ];
    expect(wire.instances.find((i) => i.instanceId === 'c')!.reason).toBe(reason);
    expect(audit.reason).toBe(reason);
    expect(audit.evidence!.scores).toEqual(causeScores);
    // What lowered the score that ejected it travels with the ejection, in the scorer's words.
    expect(audit.evidence!.notes.some((n) => n.includes(`ejected: ${reason}; because success 0.300: 40 errors in 100 requests`))).toBe(true);
    expect(alert.summary).toBe(`svc/c ejected: ${reason}`);
    expect(alert.evidence.scores).toEqual(causeScores);
    expect(explainInstance('svc', 'c', [audit], wire).answer).toContain(reason);

    // 20 s on, c has had no traffic (its windows score 1.0 on checks alone): a refresh still says why.
    let later = r.state;
    let refreshed = r.decision!;
    for (let end = 15_000; end <= 25_000; end += 5_000) {
      const step = decide(later, { scores: windowOf(end, { a: 0.95, b: 0.95, c: 1 }, ['c']), instances: ids }, end);
      later = step.state;
      if (step.decision !== null) refreshed = step.decision;
    }
    expect(refreshed.issuedAtMs).toBe(20_000);
    const refreshedWire = toWireDecision(refreshed, later, [], { issuedBy: 'controller-a', configVersion: 1, drained: new Set() });
    expect(refreshedWire.instances.find((i) => i.instanceId === 'c')!.reason).toBe(reason);
    expect(refreshedWire.evidence.scores.filter((s) => s.instanceId === 'c')).toEqual(causeScores);
    expect(refreshedWire.evidence.notes.some((n) => n.includes('because success 0.300: 40 errors in 100 requests'))).toBe(true);
    expect(decisionSignals(refreshed).signals.find((s) => s.type === 'INSTANCE_EJECTED')!.summary).toBe(`svc/c ejected: ${reason}`);

    // Another member takes over from the wire: it quotes the same words and windows.
    const taken = stateFromWireDecision(refreshedWire, policy);
    const next = decide({ ...taken, issuedAtMs: null }, { scores: windowOf(30_000, { a: 0.95, b: 0.95, c: 1 }, ['c']), instances: ids }, 30_000);
    const nextWire = toWireDecision(next.decision!, next.state, next.changes, { issuedBy: 'controller-b', configVersion: 1, drained: new Set() });
    expect(nextWire.instances.find((i) => i.instanceId === 'c')).toMatchObject({ state: 'EJECTED', reason });
    expect(nextWire.evidence.scores.filter((s) => s.instanceId === 'c')).toEqual(causeScores);
    expect(decisionSignals(next.decision!).signals.find((s) => s.type === 'INSTANCE_EJECTED')!.summary).toBe(`svc/c ejected: ${reason}`);
  });
});
