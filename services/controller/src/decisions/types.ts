/**
 * Plain shapes of the decision stage. They mirror the Avro records in proto/ (health-scores in,
 * routing-decisions out) closely but are owned here; the Kafka adapter maps to and from them.
 */
import type { DecisionPolicy } from './decision-policy.js';

export interface SourceOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** One instance's health score for one window, as the scorer published it. */
export interface InstanceScoreInput {
  readonly instanceId: string;
  /** In [0, 1]. */
  readonly score: number;
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  /** The scorer's named components with their inputs, passed through untouched as evidence. */
  readonly components?: unknown;
  readonly reasons?: readonly string[];
  /** Offsets of the health-scores record (and, through it, of the metrics it came from). */
  readonly sources?: readonly SourceOffset[];
  /**
   * Requests in the window, when known: fewer than the policy's minSignalRequests is no traffic
   * signal (the score is then made of health checks and neutral defaults). Unknown counts as a
   * signal.
   */
  readonly requests?: number;
  /**
   * Every proxy's latest verdict on the instance (its active check and its outlier detection
   * together), counted as the scorer had them when it closed the window: fresher than the
   * window's traffic (the scorer closes a window its allowed lateness after its end). Unknown
   * when absent; no fresh verdict at all (no active checks) is no evidence either way.
   */
  readonly checks?: CheckVerdicts;
}

/** How many proxies' fresh verdicts have the instance in (healthy) and out (unhealthy, degraded). */
export interface CheckVerdicts {
  readonly healthy: number;
  readonly unhealthy: number;
  readonly degraded: number;
}

export interface DecisionInputs {
  readonly scores: readonly InstanceScoreInput[];
  /**
   * The configured instance list, when known: authoritative membership (instances not in it
   * are dropped, new ones added in slow start). Without it, membership is whatever has scores.
   */
  readonly instances?: readonly string[];
  /** A new policy from config-updates; it replaces the state's policy from this step on. */
  readonly policy?: DecisionPolicy;
}

export interface SlowStart {
  readonly startedAtMs: number;
  readonly endsAtMs: number;
}

/** What a proxy applies for one instance. */
export interface InstanceRoute {
  readonly instanceId: string;
  /** In [0, 1], relative to the other instances; 0 when ejected. */
  readonly weight: number;
  readonly ejected: boolean;
  readonly slowStart: SlowStart | null;
}

/** One instance's score in one window: the unit every reason, alert and audit record cites. */
export interface ScoredWindow {
  readonly windowEndMs: number;
  readonly score: number;
}

/**
 * Why an instance is out, fixed when it was ejected and carried unchanged until it returns:
 * the decision, its audit record, the INSTANCE_EJECTED alert, the console and /api/why all
 * quote this one record, so they cannot disagree (later windows of an ejected instance carry
 * little or no traffic and say nothing about why it went out).
 */
export interface EjectionCause {
  readonly atMs: number;
  /** The sentence every surface shows. */
  readonly reason: string;
  /** The consecutive windows below the eject threshold that caused it, oldest first. */
  readonly windows: readonly ScoredWindow[];
  /** What lowered the last of those scores, in the scorer's words (its reasons). */
  readonly because: readonly string[];
}

export interface InstanceEvidence {
  readonly instanceId: string;
  readonly score: number | null;
  readonly windowStartMs: number | null;
  readonly windowEndMs: number | null;
  readonly components: unknown;
  readonly reasons: readonly string[];
  readonly sources: readonly SourceOffset[];
  /** Consecutive windows below the eject threshold / at or above the return threshold. */
  readonly windowsBelowEject: number;
  readonly windowsAboveReturn: number;
  /** Wanted ejection but the max-ejection budget was used up. */
  readonly ejectionDeferred: boolean;
  /** Set while the instance is ejected. */
  readonly ejection: EjectionCause | null;
  /** The reason of the last change to this instance ('' when none yet). */
  readonly reason: string;
}

export interface DecisionEvidence {
  readonly instances: readonly InstanceEvidence[];
  readonly healthy: number;
  readonly total: number;
  readonly healthyFraction: number;
  /** floor(total * maxEjectionPercent / 100): the most instances that may be ejected at once. */
  readonly maxEjectable: number;
  readonly ejected: number;
  readonly reasons: readonly string[];
}

/**
 * One service's routing decision as decide() makes it; decision-wire.ts writes it as the
 * RoutingDecision record (proto) that proxies, console and slbctl read.
 */
export interface ServiceDecision {
  readonly serviceId: string;
  /** Strictly increasing per service (docs/decisions.md, "Versions"). */
  readonly version: number;
  readonly previousVersion: number;
  readonly issuedAtMs: number;
  /** After this a proxy treats the decision as stale and falls back to its local loop. */
  readonly expiresAtMs: number;
  /**
   * Too few healthy instances: proxies spread traffic over every instance, ignoring ejections
   * and weights, because concentrating it on the few healthy ones would overload them too.
   */
  readonly panic: boolean;
  readonly instances: readonly InstanceRoute[];
  readonly evidence: DecisionEvidence;
}

export type ChangeKind =
  | 'added'
  | 'removed'
  | 'ejected'
  | 'returned'
  | 'weight'
  | 'slow-start-complete'
  | 'panic-engaged'
  | 'panic-released'
  | 'refresh';

/** One audited change (who: the controller; what/before/after/why: here). */
export interface DecisionChange {
  readonly kind: ChangeKind;
  readonly instanceId: string | null;
  readonly before: number | boolean | null;
  readonly after: number | boolean | null;
  readonly reason: string;
}

export interface InstanceDecisionState {
  readonly instanceId: string;
  /** The weight last published (0 when ejected). */
  readonly weight: number;
  readonly ejected: boolean;
  readonly ejectedAtMs: number | null;
  /** How long the current ejection lasts at least (doubles on repeated ejections). */
  readonly ejectionMs: number;
  /** Ejections in a row without a quiet period between them. */
  readonly ejections: number;
  readonly returnedAtMs: number | null;
  readonly slowStartFromMs: number | null;
  /** Newest scores first, at most policy.weightMemoryWindows of them. */
  readonly recentScores: readonly number[];
  readonly windowsBelowEject: number;
  /** The latest windows below the eject threshold in a row (at most ejectAfterWindows), oldest first. */
  readonly belowEject: readonly ScoredWindow[];
  readonly windowsAboveReturn: number;
  /** Set while ejected: why, in the words every surface shows. */
  readonly ejection: EjectionCause | null;
  /** The reason of the last change to this instance ('' when none yet). */
  readonly reason: string;
  /** windowEndMs of the last score taken in; an equal or older one is a replay and ignored. */
  readonly lastWindowEndMs: number;
  readonly lastInput: InstanceScoreInput | null;
  /** windowEndMs of the last score that had a traffic signal. */
  readonly lastSignalAtMs: number;
  /**
   * What a silent window is held to (no better than this, during noSignalHoldMs): the last score
   * taken in, windows passed over excepted. null: nothing to hold to (new, or taken over).
   */
  readonly heldScore: number | null;
  /** The proxies' verdicts in the last window with a traffic signal (null: unknown). */
  readonly checksAtSignal: CheckVerdicts | null;
  /**
   * Silent windows passed over in the current run of windows below the eject threshold: no
   * traffic signal, and more proxies had the instance back in than in the last window with
   * traffic (docs/decisions.md, "Fresher evidence"). They neither count nor end the run.
   */
  readonly passedOver: number;
}

export interface ServiceDecisionState {
  readonly serviceId: string;
  readonly policy: DecisionPolicy;
  /** Version of the last decision issued (0 before any). */
  readonly version: number;
  readonly issuedAtMs: number | null;
  readonly panic: boolean;
  readonly instances: ReadonlyMap<string, InstanceDecisionState>;
  readonly lastDecision: ServiceDecision | null;
}

export interface DecideResult {
  readonly state: ServiceDecisionState;
  /** null: nothing changed and the last decision is still fresh; publish nothing. */
  readonly decision: ServiceDecision | null;
  readonly changes: readonly DecisionChange[];
}
