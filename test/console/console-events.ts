/**
 * Builders of valid events for the console's tests (the unit tests in
 * services/controller/src/console and the tests here), each starting from the contract's example
 * so every field stays schema-valid.
 */
import { exampleEvents, type Alert, type AlertState, type AuditLog, type ConfigStatus, type ConfigUpdate, type HealthScore, type InstanceState, type MetricsAggregated, type RoutingDecision } from '@slb/core';

export const WINDOW_MS = 10_000;

export function score(serviceId: string, instanceId: string, windowEndMs: number, value: number): HealthScore {
  return { ...exampleEvents()['health-scores'], serviceId, instanceId, score: value, windowStartMs: windowEndMs - WINDOW_MS, windowEndMs, computedAtMs: windowEndMs + 500 };
}

export function metrics(serviceId: string, instanceId: string, windowEndMs: number, rps: number, errorRate = 0, p95LatencyMs: number | null = 20): MetricsAggregated {
  return { ...exampleEvents()['metrics-aggregated'], serviceId, instanceId, rps, errorRate, p95LatencyMs, windowStartMs: windowEndMs - WINDOW_MS, windowEndMs, computedAtMs: windowEndMs + 500 };
}

export function decision(serviceId: string, version: number, instances: ReadonlyArray<readonly [string, InstanceState, number, string?]>, issuedAtMs = 1_000 * version, notes: string[] = []): RoutingDecision {
  const base = exampleEvents()['routing-decisions'];
  return {
    ...base,
    serviceId,
    version,
    issuedAtMs,
    expiresAtMs: issuedAtMs + 30_000,
    instances: instances.map(([instanceId, state, weight, reason]) => ({ instanceId, state, weight, reason: reason ?? `${state.toLowerCase()}`, stateUntilMs: state === 'EJECTED' ? issuedAtMs + 30_000 : null })),
    evidence: { ...base.evidence, notes },
  };
}

export function alert(serviceId: string, instanceId: string, state: AlertState, alertId: string, startsAtMs: number, endsAtMs: number | null = null): Alert {
  return {
    ...exampleEvents().alerts,
    alertId,
    dedupKey: `INSTANCE_EJECTED/${serviceId}/${instanceId}`,
    name: 'INSTANCE_EJECTED',
    state,
    serviceId,
    instanceId,
    summary: `${instanceId} ejected`,
    startsAtMs,
    endsAtMs,
  };
}

export function auditRecord(auditId: string, atMs: number, action = 'config.apply'): AuditLog {
  return { ...exampleEvents()['audit-logs'], auditId, atMs, action };
}

export function configStatus(proxyId: string, appliedVersions: Record<string, number>, decisionVersions: Record<string, number>, updatedAtMs: number): ConfigStatus {
  return { ...exampleEvents()['config-status'], proxyId, appliedVersions, decisionVersions, updatedAtMs, lastRejected: null };
}

export function configUpdate(serviceId: string, version: number, instanceIds: readonly string[], deleted = false): ConfigUpdate {
  return {
    ...exampleEvents()['config-updates'],
    serviceId,
    version,
    previousVersion: version > 1 ? version - 1 : null,
    deleted,
    instances: instanceIds.map((id, n) => ({ id, address: `127.0.0.1:${9000 + n}`, weight: 1, zone: null, tags: {} })),
  };
}
