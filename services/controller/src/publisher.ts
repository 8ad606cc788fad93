/**
 * Everything the controller writes, in one place: events on the bus (a failed publish is counted
 * and logged, never thrown into a decision step), its audit records (also kept in memory for
 * /api/why), and alert transitions from the alert book (published, then audited).
 */
import { randomUUID } from 'node:crypto';
import type { AuditLog, EventBus, Logger, TopicName } from '@slb/core';
import { adoptEjectionAlerts, createAlertBook, updateAlerts, type AdoptedDecision, type AlertBookState, type AlertPolicy, type AlertScope, type AlertSignal } from './alerts/index.js';
import { toWireAlert } from './alert-wire.js';
import { alertAuditRecord, type AuditContext } from './audit-records.js';
import type { ControllerMetrics } from './metrics.js';

export interface PublisherDeps {
  readonly bus: EventBus;
  readonly member: string;
  readonly metrics: ControllerMetrics;
  readonly logger: Logger;
  readonly now: () => number;
  readonly alertPolicy: AlertPolicy;
  /** How many of its own recent audit records the member keeps (oldest dropped first). */
  readonly auditMemory: number;
}

export interface Publisher {
  /** Publishes one event; false when the bus gave up (counted and logged). */
  publish<T extends TopicName>(topic: T, key: string, value: Parameters<EventBus['publish']>[2] & object): Promise<boolean>;
  publishAudit(records: readonly AuditLog[]): Promise<void>;
  /** Feeds signals to the alert book and publishes the transitions (and audits them). */
  raise(signals: readonly AlertSignal[], scopes?: readonly AlertScope[]): Promise<void>;
  /** Takes over the INSTANCE_EJECTED alerts of another member's decision without publishing them. */
  adoptEjections(decision: AdoptedDecision): void;
  auditContext(): AuditContext;
  /** This member's recent audit records, oldest first (optionally of one entity). */
  recentAudit(entityId?: string): AuditLog[];
}

export function createPublisher(deps: PublisherDeps): Publisher {
  const { bus, member, metrics, logger, now, alertPolicy, auditMemory } = deps;
  let book: AlertBookState = createAlertBook();
  const recent: AuditLog[] = [];
  const auditContext = (): AuditContext => ({ actor: member, atMs: now(), newId: randomUUID });

  async function publish<T extends TopicName>(topic: T, key: string, value: Parameters<EventBus['publish']>[2] & object): Promise<boolean> {
    try {
      await bus.publish(topic, key, value as never);
      return true;
    } catch (error) {
      metrics.publishFailures.inc({ topic });
      logger.error({ topic, key, err: error }, 'publish failed');
      return false;
    }
  }

  async function publishAudit(records: readonly AuditLog[]): Promise<void> {
    for (const r of records) {
      recent.push(r);
      metrics.audits.inc({ action: r.action });
    }
    if (recent.length > auditMemory) recent.splice(0, recent.length - auditMemory);
    await Promise.all(records.map((r) => publish('audit-logs', r.entityId, r)));
  }

  async function raise(signals: readonly AlertSignal[], scopes: readonly AlertScope[] = []): Promise<void> {
    const r = updateAlerts(book, { signals, scopes }, now(), alertPolicy);
    book = r.state;
    if (r.events.length === 0) return;
    const ctx = auditContext();
    await Promise.all(
      r.events.map(async (e) => {
        metrics.alerts.inc({ type: e.type, status: e.status });
        logger.info({ dedupKey: e.dedupKey, status: e.status }, e.summary);
        await publish('alerts', e.serviceId, toWireAlert(e, { alertId: randomUUID(), member }));
      }),
    );
    await publishAudit(r.events.map((e) => alertAuditRecord(e, ctx)));
  }

  return {
    publish,
    publishAudit,
    raise,
    adoptEjections: (decision) => {
      book = adoptEjectionAlerts(book, decision, now(), alertPolicy);
    },
    auditContext,
    recentAudit: (entityId) => (entityId === undefined ? [...recent] : recent.filter((r) => r.entityId === entityId)),
  };
}
