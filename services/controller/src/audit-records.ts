/**
 * The controller's audit-logs records: who (the member or the operator), what (action on an
 * entity), before/after (JSON text) and why (reason + evidence with the scores' source
 * offsets). Pure builders: ids and times come in as arguments.
 */
import { instanceEntityId, type AuditLog, type ConfigUpdate, type Evidence } from '@slb/core';
import type { DecisionChange, ServiceDecision } from './decisions/index.js';
import type { AlertEvent } from './alerts/index.js';
import { wireEvidence } from './decision-wire.js';

export const CONTROLLER_ROLE = 'controller';

export interface AuditContext {
  readonly actor: string;
  readonly atMs: number;
  readonly newId: () => string;
}

const ACTION_BY_KIND: Readonly<Record<DecisionChange['kind'], string>> = {
  added: 'instance.add',
  removed: 'instance.remove',
  ejected: 'instance.eject',
  returned: 'instance.return',
  weight: 'instance.weight',
  'slow-start-complete': 'instance.slow-start-complete',
  'panic-engaged': 'service.panic-engage',
  'panic-released': 'service.panic-release',
  refresh: 'decision.refresh',
};

/** before/after of one change as JSON text, with the field the change is about. */
function beforeAfter(c: DecisionChange): { before: Record<string, unknown> | null; after: Record<string, unknown> | null } {
  switch (c.kind) {
    case 'ejected':
      return { before: { weight: c.before, ejected: false }, after: { weight: 0, ejected: true } };
    case 'returned':
      return { before: { weight: 0, ejected: true }, after: { weight: 0, ejected: false, slowStart: true } };
    case 'panic-engaged':
    case 'panic-released':
      return { before: { panic: c.before }, after: { panic: c.after } };
    default:
      return { before: c.before === null ? null : { weight: c.before }, after: c.after === null ? null : { weight: c.after } };
  }
}

/**
 * One record per change of a published decision. A refresh re-issues the same routing and
 * changes nothing, so it is not audited (the decision itself is on routing-decisions).
 */
export function decisionAuditRecords(decision: ServiceDecision, changes: readonly DecisionChange[], ctx: AuditContext): AuditLog[] {
  const out: AuditLog[] = [];
  for (const c of changes) {
    if (c.kind === 'refresh') continue;
    const { before, after } = beforeAfter(c);
    const scoped = c.instanceId === null ? {} : { instanceId: c.instanceId };
    out.push({
      auditId: ctx.newId(),
      atMs: ctx.atMs,
      actor: ctx.actor,
      role: CONTROLLER_ROLE,
      action: ACTION_BY_KIND[c.kind],
      entityType: c.instanceId === null ? 'service' : 'instance',
      entityId: c.instanceId === null ? decision.serviceId : instanceEntityId(decision.serviceId, c.instanceId),
      before: before === null ? null : JSON.stringify({ ...scoped, ...before, decisionVersion: decision.previousVersion }),
      after: after === null ? null : JSON.stringify({ ...scoped, ...after, decisionVersion: decision.version }),
      reason: c.reason,
      evidence: wireEvidence(decision, c.instanceId ?? undefined, [`decision ${decision.serviceId}@${decision.version} (previous ${decision.previousVersion})`]),
    });
  }
  return out;
}

/** A compact, readable form of a config for before/after (the signature is left out). */
export function configSummary(c: ConfigUpdate | undefined): string | null {
  if (c === undefined) return null;
  const { signature: _signature, ...rest } = c;
  return JSON.stringify(rest);
}

export function configAuditRecord(
  outcome:
    | { readonly kind: 'accepted'; readonly config: ConfigUpdate; readonly before: ConfigUpdate | undefined }
    | { readonly kind: 'rejected'; readonly serviceId: string; readonly version: number | null; readonly code: string; readonly reason: string; readonly before: ConfigUpdate | undefined },
  source: { readonly topic: string; readonly partition: number; readonly offset: string },
  ctx: AuditContext,
): AuditLog {
  const evidence: Evidence = { scores: [], windows: [], sources: [{ topic: source.topic, partition: source.partition, offset: Number(source.offset) }], notes: [] };
  if (outcome.kind === 'accepted') {
    const c = outcome.config;
    return {
      auditId: ctx.newId(),
      atMs: ctx.atMs,
      actor: ctx.actor,
      role: CONTROLLER_ROLE,
      action: c.deleted ? 'config.delete' : 'config.apply',
      entityType: 'service',
      entityId: c.serviceId,
      before: configSummary(outcome.before),
      after: configSummary(c),
      reason: `version ${c.version} by ${c.issuedBy} accepted${outcome.before === undefined ? '' : ` (replaces ${outcome.before.version})`}`,
      evidence: { ...evidence, notes: [`issuedBy ${c.issuedBy}`, `issuedAtMs ${c.issuedAtMs}`] },
    };
  }
  return {
    auditId: ctx.newId(),
    atMs: ctx.atMs,
    actor: ctx.actor,
    role: CONTROLLER_ROLE,
    action: 'config.reject',
    entityType: 'service',
    entityId: outcome.serviceId === '' ? '_unknown' : outcome.serviceId,
    before: configSummary(outcome.before),
    // Rejected: the last good config stays, so "after" is the same as "before".
    after: configSummary(outcome.before),
    reason: `${outcome.code}: ${outcome.reason}`,
    evidence: { ...evidence, notes: [`rejected version ${outcome.version ?? 'n/a'}`, 'last good config kept'] },
  };
}

export function operatorAuditRecord(action: string, before: ConfigUpdate, after: ConfigUpdate, instanceId: string, operator: string, ctx: AuditContext): AuditLog {
  return {
    auditId: ctx.newId(),
    atMs: ctx.atMs,
    actor: operator,
    role: 'operator',
    action,
    entityType: 'instance',
    entityId: instanceEntityId(before.serviceId, instanceId),
    before: JSON.stringify(before.instances.find((i) => i.id === instanceId) ?? null),
    after: JSON.stringify(after.instances.find((i) => i.id === instanceId) ?? null),
    reason: `operator action through the admin API of ${ctx.actor}; config ${after.serviceId}@${after.version} (replaces ${before.version})`,
    evidence: { scores: [], windows: [], sources: [], notes: [`config version ${after.version}`] },
  };
}

export function alertAuditRecord(e: AlertEvent, ctx: AuditContext): AuditLog {
  return {
    auditId: ctx.newId(),
    atMs: ctx.atMs,
    actor: ctx.actor,
    role: CONTROLLER_ROLE,
    action: e.status === 'firing' ? 'alert.fire' : 'alert.resolve',
    entityType: 'alert',
    entityId: e.dedupKey,
    before: e.status === 'firing' ? null : JSON.stringify({ status: 'firing', startsAtMs: e.startsAtMs }),
    after: e.status === 'firing' ? JSON.stringify({ status: 'firing', startsAtMs: e.startsAtMs }) : null,
    reason: e.summary,
    evidence: null,
  };
}
