import { decide } from './decide.js';
import type { DecisionChange, DecisionInputs, InstanceScoreInput, ServiceDecision, ServiceDecisionState } from './types.js';

export interface BatchResult {
  readonly state: ServiceDecisionState;
  /** The decision to publish (the final state), or null when nothing changed and none is due. */
  readonly decision: ServiceDecision | null;
  /** Every change of every window in the batch, in order; only 'refresh' when nothing else. */
  readonly changes: readonly DecisionChange[];
}

/**
 * One step over the scores collected since the last one. Usually they are one window; after a
 * handover wait or a slow step they are several, and each window gets its own decide() in window
 * order so that consecutive-window counters see every window. What is published is the final
 * state: when an earlier window changed something, the last window's decide() publishes whether
 * or not it changes anything itself (one decide() per window, never an extra pass that would
 * damp the weights twice at the same instant). Pure: the same inputs give the same result.
 */
export function decideBatch(
  state: ServiceDecisionState,
  batch: readonly InstanceScoreInput[],
  inputs: Omit<DecisionInputs, 'scores'>,
  nowMs: number,
): BatchResult {
  const byWindow = new Map<number, InstanceScoreInput[]>();
  for (const s of batch) {
    const list = byWindow.get(s.windowEndMs);
    if (list === undefined) byWindow.set(s.windowEndMs, [s]);
    else list.push(s);
  }
  const groups = byWindow.size === 0 ? [[]] : [...byWindow.entries()].sort((x, y) => x[0] - y[0]).map(([, g]) => g);
  let decision: ServiceDecision | null = null;
  const changes: DecisionChange[] = [];
  for (const [k, scores] of groups.entries()) {
    // An earlier window changed something: the last one publishes the final state whatever it changes.
    const from = decision !== null && k === groups.length - 1 ? { ...state, issuedAtMs: null } : state;
    const r = decide(from, { ...inputs, scores }, nowMs);
    state = r.state;
    changes.push(...r.changes.filter((c) => c.kind !== 'refresh'));
    if (r.decision !== null) decision = r.decision;
  }
  if (decision !== null && changes.length === 0) {
    changes.push({ kind: 'refresh', instanceId: null, before: null, after: null, reason: `re-issued before expiry (${state.policy.refreshAfterMs} ms)` });
  }
  return { state, decision, changes };
}
