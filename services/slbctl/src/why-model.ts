/**
 * "Why does this instance have the weight it has?" (pure): the routing decision that set it
 * and the evidence recorded with it (rule 6, docs/architecture.md), the health score behind that with
 * its components, and the alerts and audit records about the instance.
 */
import { SlbError, type Alert, type AuditLog, type ConfigUpdate, type HealthScore, type InstanceConfig, type InstanceDecision, type RoutingDecision } from '@slb/core';

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
  readonly decision:
    | (Readonly<Omit<RoutingDecision, 'serviceId' | 'instances'>> & {
        readonly instance: InstanceDecision | null;
      })
    | null;
  readonly score: HealthScore | null;
  /** Recent scores of the instance (oldest first), to show the trend. */
  readonly recentScores: readonly { readonly score: number; readonly windowEndMs: number }[];
  readonly alerts: readonly Alert[];
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
  const config = input.configs.get(serviceId)?.instances.find((i) => i.id === instanceId) ?? null;
  const d = input.decisions.get(serviceId);
  const scores = input.scores.filter((s) => s.serviceId === serviceId && s.instanceId === instanceId);
  return {
    serviceId,
    instanceId,
    config,
    decision:
      d === undefined
        ? null
        : {
            version: d.version,
            issuedAtMs: d.issuedAtMs,
            expiresAtMs: d.expiresAtMs,
            issuedBy: d.issuedBy,
            configVersion: d.configVersion,
            panic: d.panic,
            instance: d.instances.find((i) => i.instanceId === instanceId) ?? null,
            evidence: { ...d.evidence, scores: d.evidence.scores.filter((s) => s.instanceId === instanceId) },
          },
    score: scores.at(-1) ?? null,
    recentScores: scores.slice(-10).map((s) => ({ score: s.score, windowEndMs: s.windowEndMs })),
    alerts: input.alerts.filter((a) => a.serviceId === serviceId && (a.instanceId === instanceId || a.instanceId === null)),
    audits: input.audits.filter((a) => a.entityId === instanceId || a.entityId === `${serviceId}/${instanceId}`),
  };
}
