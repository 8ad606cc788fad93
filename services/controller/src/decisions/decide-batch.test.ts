import { describe, expect, it } from 'vitest';
import { createServiceState, decide } from './decide.js';
import { decideBatch } from './decide-batch.js';
import { decisionPolicy } from './decision-policy.js';
import type { InstanceScoreInput, ServiceDecisionState } from './types.js';

const ids = ['a', 'b', 'c'];
const windowOf = (end: number, scores: Record<string, number>): InstanceScoreInput[] =>
  Object.entries(scores).map(([instanceId, score]) => ({ instanceId, score, windowStartMs: end - 5_000, windowEndMs: end }));
const healthy = (end: number): InstanceScoreInput[] => windowOf(end, { a: 0.95, b: 0.95, c: 0.95 });

function started(): ServiceDecisionState {
  return decide(createServiceState('svc', decisionPolicy()), { scores: healthy(5_000), instances: ids }, 5_000).state;
}

describe('decideBatch', () => {
  it.each([
    // [case, batch (arrival order), expected change kinds, c ejected at the end]
    ['nothing new and nothing due: no decision', [], [], false],
    ['two bad windows in one batch count as two windows (ejection)', [...windowOf(15_000, { a: 0.95, b: 0.95, c: 0.1 }), ...windowOf(10_000, { a: 0.95, b: 0.95, c: 0.1 })], ['ejected'], true],
    ['one bad window then a good one: nothing to eject', [...windowOf(10_000, { a: 0.95, b: 0.95, c: 0.1 }), ...healthy(15_000)], [], false],
  ] as const)('%s', (_name, batch, kinds, ejected) => {
    const r = decideBatch(started(), batch, { instances: ids }, 6_000);
    expect(r.changes.map((c) => c.kind)).toEqual(kinds);
    expect(r.decision === null).toBe(kinds.length === 0);
    expect(r.state.instances.get('c')!.ejected).toBe(ejected);
    if (r.decision !== null) expect(r.decision.instances.find((i) => i.instanceId === 'c')!.ejected).toBe(ejected);
  });

  it('publishes the final state when an earlier window changed something and the last did not', () => {
    const batch = [...windowOf(10_000, { a: 0.95, b: 0.95, c: 0.1 }), ...windowOf(15_000, { a: 0.95, b: 0.95, c: 0.1 }), ...windowOf(20_000, { a: 0.95, b: 0.95, c: 0.1 })];
    const r = decideBatch(started(), batch, { instances: ids }, 6_000);
    expect(r.changes.map((c) => c.kind)).toEqual(['ejected']);
    expect(r.decision?.evidence.instances.find((e) => e.instanceId === 'c')?.windowEndMs).toBe(20_000);
  });

  it('a due refresh with no change is one refresh change', () => {
    const r = decideBatch(started(), healthy(10_000), { instances: ids }, 5_000 + decisionPolicy().refreshAfterMs);
    expect(r.changes.map((c) => c.kind)).toEqual(['refresh']);
    expect(r.decision).not.toBeNull();
  });
});
