/**
 * "Why was instance X ejected?" from the audit trail: the instance's current state in the
 * latest decision, the last ejection record (reason, before/after, evidence with the scores
 * and their source offsets) and the history of changes. The same answer can be built by anyone
 * reading the `audit-logs` topic (docs/controller.md, "Why was it ejected?"). Pure.
 */
import type { AuditLog, Evidence, RoutingDecision as WireDecision } from '@slb/core';
import { instanceEntityId } from './audit-records.js';

export interface WhyAnswer {
  readonly serviceId: string;
  readonly instanceId: string;
  /** ACTIVE / EJECTED / SLOW_START / DRAINING in the latest decision; null when none names it. */
  readonly state: string | null;
  readonly decisionVersion: number | null;
  readonly stateUntilMs: number | null;
  /** One sentence: what happened and why. */
  readonly answer: string;
  readonly lastEjection: AuditLog | null;
  readonly currentEvidence: Evidence | null;
  /** This instance's audit records, oldest first. */
  readonly history: readonly AuditLog[];
}

export function explainInstance(serviceId: string, instanceId: string, audit: readonly AuditLog[], decision: WireDecision | undefined): WhyAnswer {
  const entityId = instanceEntityId(serviceId, instanceId);
  const history = audit.filter((r) => r.entityId === entityId).sort((a, b) => a.atMs - b.atMs);
  const lastEjection = [...history].reverse().find((r) => r.action === 'instance.eject') ?? null;
  const route = decision?.instances.find((i) => i.instanceId === instanceId);
  const state = route?.state ?? null;
  const currentEvidence =
    decision === undefined || route === undefined
      ? null
      : {
          scores: decision.evidence.scores.filter((s) => s.instanceId === instanceId),
          windows: decision.evidence.windows,
          sources: decision.evidence.sources,
          notes: decision.evidence.notes.filter((n) => n.startsWith(`${instanceId}:`)),
        };
  let answer: string;
  if (lastEjection !== null) {
    const returned = history.find((r) => r.action === 'instance.return' && r.atMs >= lastEjection.atMs);
    const offsets = lastEjection.evidence?.sources.slice(0, 3).map((s) => `${s.topic}[${s.partition}]@${s.offset}`) ?? [];
    answer =
      `${instanceId} was ejected at ${new Date(lastEjection.atMs).toISOString()} by ${lastEjection.actor}: ${lastEjection.reason}` +
      (offsets.length > 0 ? ` (scores from ${offsets.join(', ')})` : '') +
      (returned === undefined ? `; it is ${state === null ? 'not in the latest decision' : `now ${state}`}` : `; it returned at ${new Date(returned.atMs).toISOString()} (${returned.reason}) and is now ${state ?? 'unknown'}`);
  } else if (state === 'EJECTED') {
    answer = `${instanceId} is ejected in decision ${decision?.version}: ${route?.reason ?? ''} (the ejection predates this controller's audit memory; see audit-logs key ${entityId})`;
  } else if (state === null) {
    answer = `no decision for ${serviceId} names ${instanceId}`;
  } else {
    answer = `${instanceId} has not been ejected recently; it is ${state} in decision ${decision?.version}`;
  }
  return {
    serviceId,
    instanceId,
    state,
    decisionVersion: decision?.version ?? null,
    stateUntilMs: route?.stateUntilMs ?? null,
    answer,
    lastEjection,
    currentEvidence,
    history,
  };
}
