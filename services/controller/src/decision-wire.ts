/**
 * Mapping between the decision stage's own shapes (decisions/types.ts) and the Avro contracts:
 * health-scores in, routing-decisions out, and back again when a member takes a service over
 * from the latest routing decision. Pure: no clock, no I/O.
 */
import type {
  ConfigUpdate,
  Evidence,
  HealthScore,
  InstanceDecision,
  RoutingDecision,
  SourceOffset as WireSourceOffset,
} from '@slb/core';
import type {
  DecisionChange,
  DecisionPolicy,
  InstanceDecisionState,
  InstanceEvidence,
  InstanceScoreInput,
  ServiceDecision,
  ServiceDecisionState,
  SourceOffset,
} from './decisions/index.js';

/** Where a delivered health-scores record sat on its topic (the first source of its evidence). */
export interface RecordPosition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** A health-scores event as the decision stage takes it, with its own offset first in `sources`. */
export function scoreInputOf(score: HealthScore, at: RecordPosition): InstanceScoreInput {
  return {
    instanceId: score.instanceId,
    score: score.score,
    windowStartMs: score.windowStartMs,
    windowEndMs: score.windowEndMs,
    components: { components: score.components, inputs: score.inputs },
    reasons: score.components.filter((c) => c.detail !== '').map((c) => `${c.name} ${c.value.toFixed(3)}: ${c.detail}`),
    sources: [at, ...score.sources.map((s) => ({ topic: s.topic, partition: s.partition, offset: String(s.offset) }))],
    // Below the policy's minSignalRequests the score is checks and neutral defaults, not
    // evidence (decide() holds it no better than the last real one).
    requests: score.inputs.requests,
    // Every proxy's verdict as the scorer had them at the window's close: fresher than the
    // window's traffic (decide() passes over a silent window in which more proxies have it back).
    checks: { healthy: score.inputs.healthyChecks, unhealthy: score.inputs.unhealthyChecks, degraded: score.inputs.degradedChecks },
  };
}

/** Instances the config marks as drained (weight 0): the decision says DRAINING for them. */
export function drainedInstances(config: ConfigUpdate | undefined): ReadonlySet<string> {
  return new Set((config?.instances ?? []).filter((i) => i.weight === 0).map((i) => i.id));
}

const wireOffset = (s: SourceOffset): WireSourceOffset => ({ topic: s.topic, partition: s.partition, offset: Number(s.offset) });

/**
 * The evidence record of one decision, or of one instance in it when `instanceId` is given. An
 * ejected instance is evidenced by the windows that ejected it (its EjectionCause), not by its
 * latest window: that one carries next to no traffic and says nothing about why it is out.
 */
export function wireEvidence(decision: ServiceDecision, instanceId?: string, extraNotes: readonly string[] = []): Evidence {
  const instances = decision.evidence.instances.filter((e) => instanceId === undefined || e.instanceId === instanceId);
  const scores = instances.flatMap(evidenceScores);
  const windows = new Map<string, { startMs: number; endMs: number }>();
  for (const e of instances) {
    if (e.windowStartMs !== null && e.windowEndMs !== null) windows.set(`${e.windowStartMs}-${e.windowEndMs}`, { startMs: e.windowStartMs, endMs: e.windowEndMs });
  }
  const notes = [...extraNotes];
  for (const e of instances) notes.push(instanceNote(e));
  if (instanceId === undefined) notes.push(...decision.evidence.reasons, `healthy ${decision.evidence.healthy}/${decision.evidence.total}, max ejectable ${decision.evidence.maxEjectable}`);
  return { scores, windows: [...windows.values()], sources: instances.flatMap((e) => e.sources.map(wireOffset)), notes };
}

/**
 * The scores one instance's evidence cites: the windows that ejected it while it is out, else its
 * latest window. The decision, its audit record and the INSTANCE_EJECTED alert all cite these.
 */
export function evidenceScores(e: InstanceEvidence): Evidence['scores'] {
  if (e.ejection !== null) return e.ejection.windows.map((w) => ({ instanceId: e.instanceId, score: w.score, windowEndMs: w.windowEndMs }));
  return e.score === null || e.windowEndMs === null ? [] : [{ instanceId: e.instanceId, score: e.score, windowEndMs: e.windowEndMs }];
}

function instanceNote(e: InstanceEvidence): string {
  const latest = e.score === null ? 'n/a' : e.score.toFixed(3);
  if (e.ejection !== null) {
    const because = e.ejection.because.length > 0 ? `; because ${e.ejection.because.join('; ')}` : '';
    return `${e.instanceId}: ejected: ${e.ejection.reason}${because}; latest window score ${latest}`;
  }
  return (
    `${e.instanceId}: score ${latest}, ${e.windowsBelowEject} windows below eject, ${e.windowsAboveReturn} at/above return` +
    `${e.ejectionDeferred ? ', ejection deferred' : ''}${e.reasons.length > 0 ? `; ${e.reasons.join('; ')}` : ''}`
  );
}

/** The routing-decisions event of a decision, with per-instance states and reasons. */
export function toWireDecision(
  decision: ServiceDecision,
  state: ServiceDecisionState,
  changes: readonly DecisionChange[],
  context: { readonly issuedBy: string; readonly configVersion: number | null; readonly drained: ReadonlySet<string> },
): RoutingDecision {
  const reasonOf = new Map<string, string>();
  for (const c of changes) if (c.instanceId !== null) reasonOf.set(c.instanceId, c.reason);
  const instances = decision.instances.map((route): InstanceDecision => {
    const s = state.instances.get(route.instanceId);
    if (context.drained.has(route.instanceId)) {
      return { instanceId: route.instanceId, weight: 0, state: 'DRAINING', reason: 'drained by config (weight 0)', stateUntilMs: null };
    }
    if (route.ejected) {
      const until = s?.ejectedAtMs === null || s === undefined ? null : s.ejectedAtMs + s.ejectionMs;
      // The ejection's own record, in every decision while it lasts (not only the one that ejected).
      return { instanceId: route.instanceId, weight: 0, state: 'EJECTED', reason: s?.ejection?.reason ?? reasonOf.get(route.instanceId) ?? 'ejected', stateUntilMs: until };
    }
    if (route.slowStart !== null) {
      return { instanceId: route.instanceId, weight: route.weight, state: 'SLOW_START', reason: reasonOf.get(route.instanceId) ?? 'slow start', stateUntilMs: route.slowStart.endsAtMs };
    }
    return { instanceId: route.instanceId, weight: route.weight, state: 'ACTIVE', reason: reasonOf.get(route.instanceId) ?? '', stateUntilMs: null };
  });
  return {
    serviceId: decision.serviceId,
    version: decision.version,
    issuedAtMs: decision.issuedAtMs,
    expiresAtMs: decision.expiresAtMs,
    issuedBy: context.issuedBy,
    configVersion: context.configVersion,
    panic: decision.panic,
    instances,
    evidence: wireEvidence(decision),
  };
}

/**
 * The decision state a member starts from when it takes over a service whose latest decision
 * another member issued: versions continue above it, ejections and slow-start ramps keep their
 * end times, weights stay where they were. What the wire does not carry (score history,
 * consecutive-window counters, repeat-ejection count) starts fresh: an ejected instance still
 * needs `returnAfterWindows` good windows to return, which errs on the side of caution.
 */
export function stateFromWireDecision(wire: RoutingDecision, policy: DecisionPolicy): ServiceDecisionState {
  const lastWindow = new Map<string, number>();
  const windowsOf = new Map<string, { windowEndMs: number; score: number }[]>();
  for (const s of wire.evidence.scores) {
    lastWindow.set(s.instanceId, Math.max(lastWindow.get(s.instanceId) ?? Number.NEGATIVE_INFINITY, s.windowEndMs));
    windowsOf.set(s.instanceId, [...(windowsOf.get(s.instanceId) ?? []), { windowEndMs: s.windowEndMs, score: s.score }]);
  }
  const instances = new Map<string, InstanceDecisionState>();
  for (const i of [...wire.instances].sort((a, b) => (a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0))) {
    const ejected = i.state === 'EJECTED';
    const ejectedUntil = i.stateUntilMs ?? wire.issuedAtMs + policy.minEjectionMs;
    const slowStartFrom = i.state === 'SLOW_START' && i.stateUntilMs !== null ? i.stateUntilMs - policy.slowStartMs : null;
    instances.set(i.instanceId, {
      instanceId: i.instanceId,
      weight: ejected ? 0 : i.weight,
      ejected,
      ejectedAtMs: ejected ? ejectedUntil - policy.minEjectionMs : null,
      ejectionMs: policy.minEjectionMs,
      ejections: ejected ? 1 : 0,
      returnedAtMs: slowStartFrom,
      slowStartFromMs: slowStartFrom,
      recentScores: [],
      windowsBelowEject: 0,
      belowEject: [],
      windowsAboveReturn: 0,
      // The predecessor's words stay the ejection's words: alerts and /api/why keep quoting them.
      ejection: ejected ? { atMs: ejectedUntil - policy.minEjectionMs, reason: i.reason, windows: windowsOf.get(i.instanceId) ?? [], because: [] } : null,
      reason: i.reason,
      lastWindowEndMs: lastWindow.get(i.instanceId) ?? Number.NEGATIVE_INFINITY,
      lastInput: null,
      // The score history does not travel with a decision, so the no-signal hold restarts empty.
      lastSignalAtMs: Number.NEGATIVE_INFINITY,
      heldScore: null,
      checksAtSignal: null,
      passedOver: 0,
    });
  }
  const lastDecision: ServiceDecision = {
    serviceId: wire.serviceId,
    version: wire.version,
    previousVersion: 0,
    issuedAtMs: wire.issuedAtMs,
    expiresAtMs: wire.expiresAtMs,
    panic: wire.panic,
    instances: [...instances.values()].map((s) => ({ instanceId: s.instanceId, weight: s.weight, ejected: s.ejected, slowStart: null })),
    evidence: { instances: [], healthy: 0, total: instances.size, healthyFraction: 1, maxEjectable: 0, ejected: 0, reasons: [`taken over from ${wire.issuedBy} at version ${wire.version}`] },
  };
  return { serviceId: wire.serviceId, policy, version: wire.version, issuedAtMs: wire.issuedAtMs, panic: wire.panic, instances, lastDecision };
}
