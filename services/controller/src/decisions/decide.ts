import { DEFAULT_DECISION_POLICY, type DecisionPolicy } from './decision-policy.js';
import type {
  CheckVerdicts,
  DecideResult,
  DecisionChange,
  EjectionCause,
  InstanceDecisionState,
  InstanceEvidence,
  InstanceRoute,
  InstanceScoreInput,
  ServiceDecision,
  DecisionInputs,
  ServiceDecisionState,
} from './types.js';

/** A fresh per-service state: no decision issued yet, version 0. */
export function createServiceState(serviceId: string, policy: DecisionPolicy = DEFAULT_DECISION_POLICY): ServiceDecisionState {
  return { serviceId, policy, version: 0, issuedAtMs: null, panic: false, instances: new Map(), lastDecision: null };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Work = Mutable<InstanceDecisionState>;

/**
 * One decision step for one service (docs/decisions.md). Pure: the same state, inputs and
 * `nowMs` always give the same result. Cost is O(n log n) in the service's instance count
 * (one sort of the ejection candidates); nothing is quadratic.
 *
 * Order within a step: take in new scores -> returns -> ejections (under the budget) ->
 * panic -> weights (targets, slow-start caps, damping) -> decide whether to publish.
 */
export function decide(state: ServiceDecisionState, inputs: DecisionInputs, nowMs: number): DecideResult {
  const policy = inputs.policy ?? state.policy;
  const changes: DecisionChange[] = [];
  const reasons: string[] = [];
  const first = state.lastDecision === null;

  // --- membership and new scores -------------------------------------------------------------
  const scoreById = new Map<string, InstanceScoreInput>();
  for (const s of inputs.scores) scoreById.set(s.instanceId, s);
  const idSet = new Set<string>(inputs.instances ?? state.instances.keys());
  if (inputs.instances === undefined) for (const id of scoreById.keys()) idSet.add(id);
  // The previous state is already in id order; sort only when membership changed.
  const ids = sameMembers(idSet, state.instances) ? [...state.instances.keys()] : [...idSet].sort();
  for (const prevId of state.instances.keys()) {
    if (!idSet.has(prevId)) {
      changes.push({ kind: 'removed', instanceId: prevId, before: state.instances.get(prevId)?.weight ?? null, after: null, reason: 'no longer configured' });
    }
  }

  const memory = policy.weightMemoryWindows;
  const work: Work[] = [];
  for (const id of ids) {
    const prev = state.instances.get(id);
    const w: Work =
      prev === undefined
        ? {
            instanceId: id,
            // The very first decision for a service starts everyone at full weight; an instance
            // joining a running service starts from zero and ramps (slow start).
            weight: first ? 1 : 0,
            ejected: false,
            ejectedAtMs: null,
            ejectionMs: policy.minEjectionMs,
            ejections: 0,
            returnedAtMs: null,
            slowStartFromMs: first ? null : nowMs,
            recentScores: [],
            windowsBelowEject: 0,
            belowEject: [],
            windowsAboveReturn: 0,
            ejection: null,
            reason: '',
            lastWindowEndMs: Number.NEGATIVE_INFINITY,
            lastInput: null,
            lastSignalAtMs: Number.NEGATIVE_INFINITY,
            heldScore: null,
            checksAtSignal: null,
            passedOver: 0,
          }
        : workOf(prev);
    if (prev === undefined) changes.push({ kind: 'added', instanceId: id, before: null, after: w.weight, reason: first ? 'initial decision' : 'new instance, slow start' });

    const s = scoreById.get(id);
    // Only a newer window moves the counters: a replayed or duplicated score changes nothing.
    if (s !== undefined && Number.isFinite(s.score) && s.windowEndMs > w.lastWindowEndMs) {
      let score = Math.min(1, Math.max(0, s.score));
      let passOver = false;
      if (s.requests !== undefined && s.requests < policy.minSignalRequests) {
        // An active instance's silent window cannot lift it above its last real evidence until
        // the hold runs out (ejected instances return through the ejection path instead) ...
        const held = w.heldScore;
        if (!w.ejected && held !== null && s.windowEndMs - w.lastSignalAtMs < policy.noSignalHoldMs) {
          // ... unless fresher evidence says the failure is over: while a run of bad windows is
          // open, more proxies have it back in than in the last window with traffic. Such a window
          // is passed over: it counts at its own score for weights and health, but neither adds
          // to the run nor ends it; the next window with traffic (or failing checks) decides.
          passOver = w.windowsBelowEject > 0 && score >= policy.ejectBelow && backIn(s.checks, w.checksAtSignal);
          if (passOver) reasons.push(passOverReason(w.instanceId, s, w.checksAtSignal as CheckVerdicts));
          else score = Math.min(score, held);
        }
      } else {
        w.lastSignalAtMs = s.windowEndMs;
        w.checksAtSignal = s.checks ?? null;
      }
      if (!passOver) w.heldScore = score;
      const recent = [score];
      for (let k = 0; k < w.recentScores.length && recent.length < memory; k += 1) recent.push(w.recentScores[k] as number);
      w.recentScores = recent;
      if (passOver) {
        w.passedOver += 1;
      } else if (score < policy.ejectBelow) {
        w.windowsBelowEject += 1;
        w.belowEject = [...w.belowEject, { windowEndMs: s.windowEndMs, score }].slice(-policy.ejectAfterWindows);
      } else if (w.windowsBelowEject > 0) {
        w.windowsBelowEject = 0;
        w.belowEject = [];
        w.passedOver = 0;
      }
      w.windowsAboveReturn = score >= policy.returnAbove ? w.windowsAboveReturn + 1 : 0;
      w.lastWindowEndMs = s.windowEndMs;
      w.lastInput = s;
    }
    work.push(w);
  }

  // Rare flags kept beside the work items so the items stay plain states.
  const returnedNow = new Set<string>();
  const deferred = new Set<string>();
  const n = work.length;
  const maxEjectable = Math.floor((n * policy.maxEjectionPercent) / 100);
  let ejectedCount = 0;
  for (const w of work) if (w.ejected) ejectedCount += 1;

  // --- returns: sustained good scores after the (backed-off) ejection time ---------------------
  for (const w of work) {
    if (!w.ejected) continue;
    const served = w.ejectedAtMs === null ? Number.POSITIVE_INFINITY : nowMs - w.ejectedAtMs;
    if (w.windowsAboveReturn >= policy.returnAfterWindows && served >= w.ejectionMs) {
      returnInstance(w, nowMs, changes, returnedNow, `${w.windowsAboveReturn} windows at or above ${policy.returnAbove} after ${served} ms ejected`);
      ejectedCount -= 1;
    }
  }
  // The budget can shrink (instances removed, policy changed): return the best until within it,
  // so the max-ejection percentage holds after every step, not only after ejections.
  if (ejectedCount > maxEjectable) {
    const over = work.filter((w) => w.ejected).sort((a, b) => latest(b) - latest(a) || cmpId(a, b));
    for (const w of over.slice(0, ejectedCount - maxEjectable)) {
      returnInstance(w, nowMs, changes, returnedNow, `max-ejection budget is now ${maxEjectable} of ${n}`);
      ejectedCount -= 1;
    }
  }

  // --- ejections: worst first, never past the budget ---------------------------------------------
  const candidates = work.filter((w) => !w.ejected && !returnedNow.has(w.instanceId) && w.windowsBelowEject >= policy.ejectAfterWindows);
  if (candidates.length > 0) {
    candidates.sort((a, b) => latest(a) - latest(b) || cmpId(a, b));
    for (const w of candidates) {
      if (ejectedCount >= maxEjectable) {
        deferred.add(w.instanceId);
        reasons.push(`ejection of ${w.instanceId} deferred: ${ejectedCount} of ${n} already ejected (max ${policy.maxEjectionPercent} %)`);
        continue;
      }
      const repeat = w.returnedAtMs !== null && nowMs - w.returnedAtMs < policy.resetEjectionsAfterMs;
      w.ejections = repeat ? w.ejections + 1 : 1;
      w.ejectionMs = Math.min(policy.maxEjectionMs, policy.minEjectionMs * 2 ** (w.ejections - 1));
      w.ejectedAtMs = nowMs;
      w.ejected = true;
      w.slowStartFromMs = null;
      w.windowsAboveReturn = 0;
      w.ejection = ejectionCause(w, policy, nowMs);
      w.reason = w.ejection.reason;
      // Ejection is the one step damping does not apply to: it is already gated by hysteresis
      // (consecutive windows) and the budget, and a broken instance must stop getting traffic now.
      changes.push({ kind: 'ejected', instanceId: w.instanceId, before: w.weight, after: 0, reason: w.ejection.reason });
      reasons.push(`ejected ${w.instanceId}: ${w.ejection.reason}`);
      w.weight = 0;
      ejectedCount += 1;
    }
  }

  // --- panic, with its own hysteresis band ------------------------------------------------------
  let healthy = 0;
  for (const w of work) if (!w.ejected && latest(w) >= policy.ejectBelow) healthy += 1;
  const healthyFraction = n === 0 ? 1 : healthy / n;
  let panic = state.panic;
  if (!panic && n > 0 && healthyFraction < policy.panicBelowHealthyFraction) {
    panic = true;
    changes.push({ kind: 'panic-engaged', instanceId: null, before: false, after: true, reason: `${healthy} of ${n} healthy < ${policy.panicBelowHealthyFraction * 100} %` });
  } else if (panic && (n === 0 || healthyFraction >= policy.panicReleaseHealthyFraction)) {
    panic = false;
    changes.push({ kind: 'panic-released', instanceId: null, before: true, after: false, reason: `${healthy} of ${n} healthy >= ${policy.panicReleaseHealthyFraction * 100} %` });
  }
  if (panic) reasons.push(`panic: ${healthy} of ${n} instances healthy; proxies spread traffic over all instances`);

  // --- weights: pessimistic target, slow-start cap, damping, deadband ------------------------------
  for (const w of work) {
    if (w.ejected) continue;
    let cap = 1;
    if (w.slowStartFromMs !== null) {
      const progress = policy.slowStartMs <= 0 ? 1 : (nowMs - w.slowStartFromMs) / policy.slowStartMs;
      if (progress >= 1) {
        changes.push({ kind: 'slow-start-complete', instanceId: w.instanceId, before: null, after: null, reason: `ramped over ${policy.slowStartMs} ms` });
        w.slowStartFromMs = null;
      } else {
        cap = policy.slowStartFloor + (1 - policy.slowStartFloor) * Math.max(0, progress);
      }
    }
    const desired = Math.max(policy.minActiveWeight, Math.min(targetWeight(w, policy), cap));
    const delta = desired - w.weight;
    if (delta === 0 || Math.abs(delta) < policy.minWeightChange) continue;
    const next = w.weight + Math.max(-policy.maxWeightStep, Math.min(policy.maxWeightStep, delta));
    w.reason = weightReason(w, desired, cap);
    changes.push({ kind: 'weight', instanceId: w.instanceId, before: w.weight, after: next, reason: w.reason });
    w.weight = next;
  }

  // --- publish? -------------------------------------------------------------------------------
  const instances = new Map<string, InstanceDecisionState>();
  for (const w of work) instances.set(w.instanceId, w);
  const due = state.issuedAtMs === null || nowMs - state.issuedAtMs >= policy.refreshAfterMs;
  const mustPublish = changes.length > 0 || (due && (n > 0 || state.lastDecision !== null));
  if (!mustPublish) {
    return { state: { ...state, policy, instances }, decision: null, changes };
  }
  if (changes.length === 0) changes.push({ kind: 'refresh', instanceId: null, before: null, after: null, reason: `re-issued before expiry (${policy.refreshAfterMs} ms)` });

  // Versions: strictly above the previous one and never behind the clock, so a controller that
  // takes over a service without its state still issues versions above what proxies hold.
  const version = Math.max(state.version + 1, Math.floor(nowMs));
  const decision: ServiceDecision = {
    serviceId: state.serviceId,
    version,
    previousVersion: state.version,
    issuedAtMs: nowMs,
    expiresAtMs: nowMs + policy.decisionTtlMs,
    panic,
    instances: work.map(routeOf(policy)),
    evidence: {
      instances: work.map((w) => evidenceOf(w, deferred.has(w.instanceId))),
      healthy,
      total: n,
      healthyFraction,
      maxEjectable,
      ejected: ejectedCount,
      reasons,
    },
  };
  return {
    state: { serviceId: state.serviceId, policy, version, issuedAtMs: nowMs, panic, instances, lastDecision: decision },
    decision,
    changes,
  };
}

// An explicit copy instead of a spread: it keeps one object shape (fast property access) in the
// loop that runs for every instance of every service. The copy becomes the next state's entry,
// so the previous state is never mutated.
function workOf(p: InstanceDecisionState): Work {
  return {
    instanceId: p.instanceId,
    weight: p.weight,
    ejected: p.ejected,
    ejectedAtMs: p.ejectedAtMs,
    ejectionMs: p.ejectionMs,
    ejections: p.ejections,
    returnedAtMs: p.returnedAtMs,
    slowStartFromMs: p.slowStartFromMs,
    recentScores: p.recentScores,
    windowsBelowEject: p.windowsBelowEject,
    belowEject: p.belowEject,
    windowsAboveReturn: p.windowsAboveReturn,
    ejection: p.ejection,
    reason: p.reason,
    lastWindowEndMs: p.lastWindowEndMs,
    lastInput: p.lastInput,
    lastSignalAtMs: p.lastSignalAtMs,
    heldScore: p.heldScore,
    checksAtSignal: p.checksAtSignal,
    passedOver: p.passedOver,
  };
}

function returnInstance(w: Work, nowMs: number, changes: DecisionChange[], returnedNow: Set<string>, reason: string): void {
  w.ejected = false;
  returnedNow.add(w.instanceId);
  w.returnedAtMs = nowMs;
  w.slowStartFromMs = nowMs;
  w.windowsBelowEject = 0;
  w.belowEject = [];
  w.passedOver = 0;
  w.ejection = null;
  w.weight = 0;
  w.reason = `${reason}; slow start`;
  changes.push({ kind: 'returned', instanceId: w.instanceId, before: true, after: false, reason: w.reason });
}

/** The ejection's one record: the windows that caused it, in the sentence everyone quotes. */
function ejectionCause(w: Work, p: DecisionPolicy, nowMs: number): EjectionCause {
  const windows = w.belowEject.length > 0 ? w.belowEject : [{ windowEndMs: w.lastWindowEndMs, score: latest(w) }];
  const scores = windows.map((x) => x.score.toFixed(3)).join(', ');
  const passed = w.passedOver === 0 ? '' : `, not counting ${w.passedOver} window${w.passedOver === 1 ? '' : 's'} without traffic in which more proxies had it back in`;
  const reason = `${w.windowsBelowEject} windows below ${p.ejectBelow} in a row (scores ${scores})${passed}; out for at least ${w.ejectionMs} ms`;
  return { atMs: nowMs, reason, windows, because: w.lastInput?.reasons ?? [] };
}

/**
 * Fresher evidence that a failure is over: in a window without traffic, more proxies have the
 * instance back in (their active check and outlier detection both pass it) and fewer have it
 * out than in the last window with traffic. Unknown verdicts on either side are no evidence.
 */
function backIn(now: CheckVerdicts | undefined, atSignal: CheckVerdicts | null): boolean {
  if (now === undefined || atSignal === null) return false;
  return now.healthy > atSignal.healthy && now.unhealthy + now.degraded < atSignal.unhealthy + atSignal.degraded;
}

function passOverReason(id: string, s: InstanceScoreInput, was: CheckVerdicts): string {
  const c = s.checks as CheckVerdicts;
  return (
    `${id}: window ending ${s.windowEndMs} not counted towards ejection: no traffic signal (${s.requests ?? 0} requests), ` +
    `and more proxies have it back in (${c.healthy} healthy, ${c.unhealthy + c.degraded} out; were ${was.healthy} healthy, ${was.unhealthy + was.degraded} out)`
  );
}

function sameMembers(ids: ReadonlySet<string>, prev: ReadonlyMap<string, unknown>): boolean {
  if (ids.size !== prev.size) return false;
  for (const id of ids) if (!prev.has(id)) return false;
  return true;
}

/** The latest score; an instance never scored is presumed healthy (no evidence against it). */
function latest(w: { recentScores: readonly number[] }): number {
  return w.recentScores[0] ?? 1;
}

/**
 * The weight the recent scores call for, with hysteresis both ways:
 * - down only on a drop seen in `weightCutWindows` windows in a row, to the best of them (one
 *   noisy window cuts nothing);
 * - up only once every remembered window is good, to the worst of them (input that flips between
 *   good and bad holds the weight at the bad level instead of following each flip);
 * - otherwise the weight stays where it is.
 */
function targetWeight(w: Work, p: DecisionPolicy): number {
  const recent = w.recentScores;
  if (recent.length === 0) return 1;
  const toWeight = (score: number): number => Math.min(1, score / p.fullWeightAtScore);
  const cutWindows = Math.min(p.weightCutWindows, p.weightMemoryWindows);
  if (recent.length >= cutWindows) {
    let best = 0;
    for (let k = 0; k < cutWindows; k += 1) best = Math.max(best, recent[k] as number);
    if (toWeight(best) < w.weight) return toWeight(best);
  }
  let worst = 1;
  for (const s of recent) if (s < worst) worst = s;
  return Math.max(w.weight, toWeight(worst));
}

function weightReason(w: Work, desired: number, cap: number): string {
  const scores = w.recentScores.map((s) => s.toFixed(3)).join(', ');
  const capped = cap < 1 ? `; slow-start cap ${cap.toFixed(3)}` : '';
  return `target ${desired.toFixed(3)} from recent scores [${scores}]${capped}`;
}

function cmpId(a: { instanceId: string }, b: { instanceId: string }): number {
  return a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0;
}

function routeOf(p: DecisionPolicy): (w: Work) => InstanceRoute {
  return (w) => ({
    instanceId: w.instanceId,
    weight: w.ejected ? 0 : w.weight,
    ejected: w.ejected,
    slowStart: w.slowStartFromMs === null ? null : { startedAtMs: w.slowStartFromMs, endsAtMs: w.slowStartFromMs + p.slowStartMs },
  });
}

function evidenceOf(w: Work, ejectionDeferred: boolean): InstanceEvidence {
  const s = w.lastInput;
  return {
    instanceId: w.instanceId,
    score: s === null ? null : s.score,
    windowStartMs: s?.windowStartMs ?? null,
    windowEndMs: s?.windowEndMs ?? null,
    components: s?.components ?? null,
    reasons: s?.reasons ?? [],
    sources: s?.sources ?? [],
    windowsBelowEject: w.windowsBelowEject,
    windowsAboveReturn: w.windowsAboveReturn,
    ejectionDeferred,
    ejection: w.ejected ? w.ejection : null,
    reason: w.reason,
  };
}
