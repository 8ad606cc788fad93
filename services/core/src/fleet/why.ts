/**
 * "Why does instance X of service S have the state and weight it has?" (rule 6,
 * docs/architecture.md), answered one way for every surface: the controller's `/api/why`, the
 * console and `slbctl why` / `slbctl status` all read an instance through this module, so they
 * cannot disagree. Pure: the latest routing decision, the audit trail, the config, recent health
 * scores and alerts in; one answer out.
 *
 * - state, weight and reason are the instance's entry in the latest decision. For an ejected
 *   instance the controller writes the ejection's cause there, the same sentence as its
 *   `instance.eject` audit record and its INSTANCE_EJECTED alert.
 * - the audit trail gives the last ejection (the newest `instance.eject`), the return that ended
 *   it (an `instance.return` at or after it) and the instance's history.
 */
import type { Alert, AuditLog, ConfigUpdate, Evidence, HealthScore, InstanceConfig, InstanceDecision, InstanceState, RoutingDecision } from '../contracts/generated.js';

/** The audit entity id of an instance, which is also its records' key on `audit-logs`. */
export function instanceEntityId(serviceId: string, instanceId: string): string {
  return `${serviceId}/${instanceId}`;
}

/** An audit record about the instance: entity `serviceId/instanceId`, or the bare instance id. */
export function isInstanceRecord(record: AuditLog, serviceId: string, instanceId: string): boolean {
  return record.entityId === instanceEntityId(serviceId, instanceId) || record.entityId === instanceId;
}

/** One instance's entry in a routing decision, as every surface reads it. */
export interface InstanceRoute {
  readonly state: InstanceState;
  readonly weight: number;
  readonly reason: string;
  readonly stateUntilMs: number | null;
  /**
   * The newest window score the decision's evidence cites for the instance: for an ejected one,
   * the last window that ejected it (its latest window has next to no traffic and says nothing
   * about why it is out). null when the evidence cites none.
   */
  readonly citedScore: number | null;
}

/** The instance's entry in the decision; null when there is no decision or it does not name the instance. */
export function instanceRoute(decision: RoutingDecision | null | undefined, instanceId: string): InstanceRoute | null {
  const entry = decision?.instances.find((i) => i.instanceId === instanceId);
  if (decision === null || decision === undefined || entry === undefined) return null;
  let cited: { readonly windowEndMs: number; readonly score: number } | null = null;
  for (const s of decision.evidence.scores) if (s.instanceId === instanceId && (cited === null || s.windowEndMs >= cited.windowEndMs)) cited = s;
  return { state: entry.state, weight: entry.weight, reason: entry.reason, stateUntilMs: entry.stateUntilMs, citedScore: cited?.score ?? null };
}

/**
 * The decision's evidence narrowed to one instance: its scores, the windows and source offsets,
 * and the notes about it or about the whole service (a note `<other instance>: ...` is left out).
 */
export function instanceEvidence(decision: RoutingDecision, instanceId: string): Evidence {
  const others = decision.instances.map((i) => i.instanceId).filter((id) => id !== instanceId);
  return {
    scores: decision.evidence.scores.filter((s) => s.instanceId === instanceId),
    windows: decision.evidence.windows,
    sources: decision.evidence.sources,
    notes: decision.evidence.notes.filter((n) => !others.some((id) => n.startsWith(`${id}:`))),
  };
}

export interface WhyInput {
  readonly serviceId: string;
  readonly instanceId: string;
  /** The service's latest routing decision. */
  readonly decision?: RoutingDecision | null;
  /** The service's latest (good) config. */
  readonly config?: ConfigUpdate | null;
  /** Audit records, any order, any entity: the instance's are picked out. */
  readonly audit: readonly AuditLog[];
  /** Health scores in time order (window end). */
  readonly scores?: readonly HealthScore[];
  readonly alerts?: readonly Alert[];
  /** Where the audit records came from, for the sentence (default: "the audit records read"). */
  readonly auditSource?: string;
}

/** The decision's own fields, with the instance's entry and its evidence narrowed to it. */
export type DecisionAbout = Readonly<Omit<RoutingDecision, 'serviceId' | 'instances'>> & { readonly instance: InstanceDecision | null };

export interface InstanceWhy {
  readonly serviceId: string;
  readonly instanceId: string;
  /** The instance's entry in the config; null when the config does not list it. */
  readonly config: InstanceConfig | null;
  readonly decision: DecisionAbout | null;
  /** From the latest decision; null when none names the instance. */
  readonly state: InstanceState | null;
  readonly weight: number | null;
  readonly reason: string | null;
  readonly stateUntilMs: number | null;
  /** The newest `instance.eject` record. */
  readonly lastEjection: AuditLog | null;
  /** The `instance.return` that ended the last ejection; null while it lasts (or when there is none). */
  readonly lastReturn: AuditLog | null;
  /** The instance's audit records, oldest first. */
  readonly history: readonly AuditLog[];
  /** The latest health score, and up to the last 10 (oldest first) for the trend. */
  readonly score: HealthScore | null;
  readonly recentScores: readonly { readonly score: number; readonly windowEndMs: number }[];
  /** Alerts about the instance, or about its whole service. */
  readonly alerts: readonly Alert[];
  /** One sentence: what happened and why. */
  readonly answer: string;
}

const RECENT_SCORES = 10;
const iso = (ms: number): string => new Date(ms).toISOString();

export function whyInstance(input: WhyInput): InstanceWhy {
  const { serviceId, instanceId } = input;
  const decision = input.decision ?? null;
  const history = input.audit.filter((r) => isInstanceRecord(r, serviceId, instanceId)).sort((a, b) => a.atMs - b.atMs);
  const lastEjection = history.findLast((r) => r.action === 'instance.eject') ?? null;
  const lastReturn = lastEjection === null ? null : (history.findLast((r) => r.action === 'instance.return' && r.atMs >= lastEjection.atMs) ?? null);
  const route = instanceRoute(decision, instanceId);
  const entry = decision?.instances.find((i) => i.instanceId === instanceId) ?? null;
  const scores = (input.scores ?? []).filter((s) => s.serviceId === serviceId && s.instanceId === instanceId);
  const answer = sentence({ serviceId, instanceId, decision, route, lastEjection, lastReturn, auditSource: input.auditSource ?? 'the audit records read' });
  return {
    serviceId,
    instanceId,
    config: input.config?.instances.find((i) => i.id === instanceId) ?? null,
    decision:
      decision === null
        ? null
        : {
            version: decision.version,
            issuedAtMs: decision.issuedAtMs,
            expiresAtMs: decision.expiresAtMs,
            issuedBy: decision.issuedBy,
            configVersion: decision.configVersion,
            panic: decision.panic,
            instance: entry,
            evidence: instanceEvidence(decision, instanceId),
          },
    state: route?.state ?? null,
    weight: route?.weight ?? null,
    reason: route?.reason ?? null,
    stateUntilMs: route?.stateUntilMs ?? null,
    lastEjection,
    lastReturn,
    history,
    score: scores.at(-1) ?? null,
    recentScores: scores.slice(-RECENT_SCORES).map((s) => ({ score: s.score, windowEndMs: s.windowEndMs })),
    alerts: (input.alerts ?? []).filter((a) => a.serviceId === serviceId && (a.instanceId === instanceId || a.instanceId === null)),
    answer,
  };
}

function sentence(a: {
  serviceId: string;
  instanceId: string;
  decision: RoutingDecision | null;
  route: InstanceRoute | null;
  lastEjection: AuditLog | null;
  lastReturn: AuditLog | null;
  auditSource: string;
}): string {
  const { instanceId, route, lastEjection, lastReturn } = a;
  const state = route?.state ?? null;
  if (lastEjection !== null) {
    const offsets = lastEjection.evidence?.sources.slice(0, 3).map((s) => `${s.topic}[${s.partition}]@${s.offset}`) ?? [];
    return (
      `${instanceId} was ejected at ${iso(lastEjection.atMs)} by ${lastEjection.actor}: ${lastEjection.reason}` +
      (offsets.length > 0 ? ` (scores from ${offsets.join(', ')})` : '') +
      (lastReturn === null
        ? `; it is ${state === null ? 'not in the latest decision' : `now ${state}`}`
        : `; it returned at ${iso(lastReturn.atMs)} (${lastReturn.reason}) and is now ${state ?? 'unknown'}`)
    );
  }
  if (route === null) return `no decision for ${a.serviceId} names ${instanceId}`;
  if (state === 'EJECTED') {
    return `${instanceId} is ejected in decision ${a.decision?.version}: ${route.reason} (the ejection predates ${a.auditSource}; see audit-logs key ${instanceEntityId(a.serviceId, instanceId)})`;
  }
  return `${instanceId} has not been ejected recently; it is ${state} in decision ${a.decision?.version}`;
}
