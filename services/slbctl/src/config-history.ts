/**
 * A service's config history, merged from the two places it survives: the config-updates log
 * (compacted, so older versions disappear once the broker compacts the segment they are in)
 * and the config changes recorded on audit-logs (kept 30 days, with the full config in `after`).
 * Pure: records in, one entry per version out, oldest first.
 */
import { normalizeConfigUpdate, type AuditLog, type ConfigUpdate } from '@slb/core';

export interface ConfigRecord {
  readonly value: ConfigUpdate;
  readonly partition: number;
  readonly offset: number;
}

export interface HistoryEntry {
  readonly version: number;
  readonly update: ConfigUpdate;
  /** Where this version was found: `config-updates p/o`, `audit-logs <action> by <actor>`. */
  readonly sources: readonly string[];
}

/** The ConfigUpdate an audit record carries in `after`, when it is a config change of `serviceId`. */
export function auditedConfig(audit: AuditLog, serviceId: string): ConfigUpdate | undefined {
  if (audit.entityType !== 'service' || audit.entityId !== serviceId || !audit.action.startsWith('config.') || audit.after === null) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(audit.after);
  } catch {
    return undefined;
  }
  const { value, issues } = normalizeConfigUpdate(parsed);
  return issues.length === 0 && value.serviceId === serviceId ? value : undefined;
}

export function configHistory(serviceId: string, records: readonly ConfigRecord[], audits: readonly AuditLog[]): HistoryEntry[] {
  const byVersion = new Map<number, { update: ConfigUpdate; sources: string[] }>();
  for (const r of records) {
    if (r.value.serviceId !== serviceId) continue;
    const entry = byVersion.get(r.value.version);
    const source = `config-updates ${r.partition}/${r.offset}`;
    // The log is what proxies read: it wins over an audit copy of the same version.
    if (entry === undefined) byVersion.set(r.value.version, { update: r.value, sources: [source] });
    else {
      entry.update = r.value;
      entry.sources.unshift(source);
    }
  }
  for (const audit of audits) {
    const update = auditedConfig(audit, serviceId);
    if (update === undefined) continue;
    const source = `audit-logs ${audit.action} by ${audit.actor}`;
    const entry = byVersion.get(update.version);
    if (entry === undefined) byVersion.set(update.version, { update, sources: [source] });
    else entry.sources.push(source);
  }
  return [...byVersion.entries()].sort(([a], [b]) => a - b).map(([version, e]) => ({ version, update: e.update, sources: e.sources }));
}
