/**
 * `/api/why`: "why was instance X ejected?" from this member's recent audit records and its
 * latest decision. The answer itself is core's fleet read model (`whyInstance`), the same one
 * slbctl and the console read, so the surfaces cannot disagree (rule 6, docs/architecture.md);
 * this module only shapes it for the API. Pure.
 */
import { whyInstance, type AuditLog, type Evidence, type InstanceState, type RoutingDecision } from '@slb/core';

export interface WhyAnswer {
  readonly serviceId: string;
  readonly instanceId: string;
  /** ACTIVE / EJECTED / SLOW_START / DRAINING in the latest decision; null when none names it. */
  readonly state: InstanceState | null;
  /** The instance's weight and reason in the latest decision (an ejected one's reason is the ejection's cause). */
  readonly weight: number | null;
  readonly reason: string | null;
  readonly decisionVersion: number | null;
  readonly stateUntilMs: number | null;
  /** One sentence: what happened and why. */
  readonly answer: string;
  readonly lastEjection: AuditLog | null;
  /** The instance's evidence in the latest decision; null when the decision does not name it. */
  readonly currentEvidence: Evidence | null;
  /** This instance's audit records, oldest first. */
  readonly history: readonly AuditLog[];
}

export function explainInstance(serviceId: string, instanceId: string, audit: readonly AuditLog[], decision: RoutingDecision | undefined): WhyAnswer {
  const why = whyInstance({ serviceId, instanceId, decision, audit, auditSource: "this controller's audit memory" });
  return {
    serviceId,
    instanceId,
    state: why.state,
    weight: why.weight,
    reason: why.reason,
    decisionVersion: why.decision?.version ?? null,
    stateUntilMs: why.stateUntilMs,
    answer: why.answer,
    lastEjection: why.lastEjection,
    currentEvidence: why.state === null ? null : (why.decision?.evidence ?? null),
    history: why.history,
  };
}
