import { describe, expect, it } from 'vitest';
import { exampleEvents } from '@slb/core';
import { createServiceState, decide, decisionPolicy, type InstanceScoreInput } from './decisions/index.js';
import { drainedInstances, scoreInputOf, stateFromWireDecision, toWireDecision } from './decision-wire.js';

const policy = decisionPolicy({ ejectAfterWindows: 1, minEjectionMs: 60_000, maxEjectionMs: 60_000, slowStartMs: 10_000 });
const score = (instanceId: string, s: number, end: number): InstanceScoreInput => ({
  instanceId,
  score: s,
  windowStartMs: end - 1_000,
  windowEndMs: end,
  sources: [{ topic: 'health-scores', partition: 2, offset: String(end) }],
});

describe('decision wire mapping', () => {
  it('maps a health score with its own offset first', () => {
    const input = scoreInputOf(exampleEvents()['health-scores'], { topic: 'health-scores', partition: 1, offset: '77' });
    expect(input.sources?.[0]).toEqual({ topic: 'health-scores', partition: 1, offset: '77' });
    expect(input.sources?.[1]).toEqual({ topic: 'metrics-aggregated', partition: 1, offset: '9001' });
    expect(input.reasons?.[0]).toMatch(/^errorRate 0.100: error rate/);
    // The proxies' verdicts at the window's close: the fresher evidence decide() weighs.
    expect(input.checks).toEqual({ healthy: 1, unhealthy: 4, degraded: 0 });
  });

  it('states, evidence and drains on the wire; a takeover from it keeps ejections, weights and versions', () => {
    const ids = ['a', 'b', 'c', 'd'];
    const r1 = decide(createServiceState('svc', policy), { scores: [score('a', 0.95, 1_000), score('b', 0.95, 1_000), score('c', 0.95, 1_000), score('d', 0.05, 1_000)], instances: ids }, 1_000);
    const wire = toWireDecision(r1.decision!, r1.state, r1.changes, { issuedBy: 'controller-a', configVersion: 3, drained: new Set(['c']) });
    expect(wire.instances.map((i) => i.state)).toEqual(['ACTIVE', 'ACTIVE', 'DRAINING', 'EJECTED']);
    expect(wire.instances[3]).toMatchObject({ weight: 0, stateUntilMs: 61_000 });
    expect(wire.instances[3]!.reason).toMatch(/windows below/);
    expect(wire.evidence.sources).toContainEqual({ topic: 'health-scores', partition: 2, offset: 1_000 });
    expect(wire.evidence.scores).toContainEqual({ instanceId: 'd', score: 0.05, windowEndMs: 1_000 });

    const taken = stateFromWireDecision(wire, policy);
    expect(taken.version).toBe(wire.version);
    // A later step by the new owner: d stays out (its ejection has not run out), nobody restarts.
    // At 20 s a refresh is due, so a decision is issued; d's 60-s ejection still runs.
    const r2 = decide(taken, { scores: [score('a', 0.95, 2_000), score('d', 0.95, 2_000)], instances: ids }, 20_000);
    const d = r2.state.instances.get('d')!;
    expect(d.ejected).toBe(true);
    expect(r2.state.instances.get('a')!.weight).toBe(1);
    expect(r2.changes.filter((c) => c.kind === 'added')).toEqual([]);
    // A replayed window the old owner already used does not count again.
    expect(decide(taken, { scores: [score('d', 0.05, 1_000)], instances: ids }, 2_000).state.instances.get('d')!.windowsBelowEject).toBe(0);
    expect(r2.decision?.version).toBeGreaterThan(wire.version);
    expect(r2.decision?.instances.find((i) => i.instanceId === 'd')?.ejected).toBe(true);
  });

  it('drained instances are those with config weight 0', () => {
    const cfg = exampleEvents()['config-updates'];
    expect([...drainedInstances({ ...cfg, instances: cfg.instances.map((i, k) => ({ ...i, weight: k })) })]).toEqual(['checkout-1']);
    expect(drainedInstances(undefined).size).toBe(0);
  });
});
