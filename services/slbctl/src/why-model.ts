/**
 * "Why does this instance have the weight it has?" (pure): which service the instance id names,
 * then core's fleet read model (`whyInstance`), the same answer the controller's /api/why and
 * the console give (rule 6, docs/architecture.md): the routing decision that set the weight with
 * its evidence narrowed to the instance, the last ejection and return on the audit trail, the
 * health score behind it with its components, and the alerts and audit records about it.
 */
import { SlbError, whyInstance, type Alert, type AuditLog, type ConfigUpdate, type DecisionAbout, type HealthScore, type InstanceConfig, type InstanceState, type RoutingDecision } from '@slb/core';

export interface WhyInput {
  readonly instanceId: string;
  readonly serviceId?: string;
  readonly configs: ReadonlyMap<string, ConfigUpdate>;
  readonly decisions: ReadonlyMap<string, RoutingDecision>;
  /** In time order. */
  readonly scores: readonly HealthScore[];
  readonly alerts: readonly Alert[];
  readonly audits: readonly AuditLog[];
}

export interface WhyReport {
  readonly serviceId: string;
  readonly instanceId: string;
  readonly config: InstanceConfig | null;
  /** The decision's own fields, with this instance's entry and its evidence narrowed to it. */
  readonly decision: DecisionAbout | null;
  /** State, weight and reason in the decision (an ejected instance's reason is the ejection's cause). */
  readonly state: InstanceState | null;
  readonly reason: string | null;
  /** The newest instance.eject record read, and one sentence: what happened and why. */
  readonly lastEjection: AuditLog | null;
  readonly answer: string;
  readonly score: HealthScore | null;
  /** Recent scores of the instance (oldest first), to show the trend. */
  readonly recentScores: readonly { readonly score: number; readonly windowEndMs: number }[];
  readonly alerts: readonly Alert[];
  /** The instance's audit records, oldest first. */
  readonly audits: readonly AuditLog[];
}

function servicesOf(input: WhyInput): string[] {
  const found = new Set<string>();
  for (const [id, c] of input.configs) if (c.instances.some((i) => i.id === input.instanceId)) found.add(id);
  for (const [id, d] of input.decisions) if (d.instances.some((i) => i.instanceId === input.instanceId)) found.add(id);
  for (const s of input.scores) if (s.instanceId === input.instanceId) found.add(s.serviceId);
  return [...found].sort();
}

export function explainInstance(input: WhyInput): WhyReport {
  const { instanceId } = input;
  const candidates = servicesOf(input);
  let serviceId = input.serviceId;
  if (serviceId === undefined) {
    if (candidates.length > 1) throw new SlbError('SLB_CLI_USAGE', `instance ${instanceId} is in services ${candidates.join(', ')}: say which with --service`);
    serviceId = candidates[0];
  }
  if (serviceId === undefined || !candidates.includes(serviceId)) {
    throw new SlbError('SLB_CLI_NOT_FOUND', `instance ${instanceId} is not in any config, routing decision or recent health score${input.serviceId === undefined ? '' : ` of service ${input.serviceId}`}`);
  }
  const why = whyInstance({
    serviceId,
    instanceId,
    decision: input.decisions.get(serviceId) ?? null,
    config: input.configs.get(serviceId) ?? null,
    audit: input.audits,
    scores: input.scores,
    alerts: input.alerts,
    auditSource: 'the audit records read (--since)',
  });
  return {
    serviceId,
    instanceId,
    config: why.config,
    decision: why.decision,
    state: why.state,
    reason: why.reason,
    lastEjection: why.lastEjection,
    answer: why.answer,
    score: why.score,
    recentScores: why.recentScores,
    alerts: why.alerts,
    audits: why.history,
  };
}
