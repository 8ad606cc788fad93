/**
 * What the proxy tells the rest of the system about config it applied or refused:
 * config-status (latest per proxy), audit-logs (config.apply with before/after, config.reject
 * with the reason) and a CONFIG_REJECTED alert, resolved by the next valid config of that
 * service. Reliable publishes, never awaited: failures are logged, nothing waits on them.
 */
import { randomUUID } from 'node:crypto';
import type { ConfigStatus, ConfigUpdate, EventBus, EventOf, SlbError } from '@slb/core';
import type { Logger } from 'pino';

export function configToJson(u: ConfigUpdate): unknown {
  return { ...u, signature: u.signature === null ? null : u.signature.toString('base64') };
}

export interface ControlReporter {
  status(status: ConfigStatus): void;
  rejected(serviceId: string, version: number, error: SlbError): void;
  applied(update: ConfigUpdate, previous: ConfigUpdate | undefined): void;
}

export function createControlReporter(deps: { bus: EventBus | undefined; proxyId: string; now: () => number; logger: Logger; isClosed: () => boolean }): ControlReporter {
  const { bus, proxyId, now, logger } = deps;
  const firing = new Set<string>();
  const publish = <T extends 'alerts' | 'audit-logs' | 'config-status'>(topic: T, key: string, value: EventOf<T>) => {
    if (bus === undefined || deps.isClosed()) return;
    bus.publish(topic, key, value).catch((err: unknown) => logger.warn({ err, topic }, 'publish failed'));
  };
  const audit = (action: string, serviceId: string, before: string | null, after: string | null, reason: string) =>
    publish('audit-logs', serviceId, { auditId: randomUUID(), atMs: now(), actor: proxyId, role: 'proxy', action, entityType: 'service', entityId: serviceId, before, after, reason, evidence: null });
  const alert = (serviceId: string, dedupKey: string, state: 'FIRING' | 'RESOLVED', summary: string, description: string, labels: Record<string, string>) => {
    const at = now();
    publish('alerts', serviceId, {
      alertId: randomUUID(),
      dedupKey,
      name: 'CONFIG_REJECTED',
      state,
      severity: 'WARNING',
      serviceId,
      instanceId: null,
      summary,
      description,
      labels,
      startsAtMs: at,
      endsAtMs: state === 'RESOLVED' ? at : null,
      evidence: { scores: [], windows: [], sources: [], notes: state === 'FIRING' ? [description] : [] },
    });
  };
  const json = (u: ConfigUpdate) => JSON.stringify(configToJson(u));
  return {
    status: (status) => publish('config-status', proxyId, status),
    rejected(serviceId, version, error) {
      const id = serviceId === '' ? 'unknown' : serviceId;
      audit('config.reject', id, null, null, `${error.code}: ${error.message}`);
      const dedupKey = `CONFIG_REJECTED/${id}/${proxyId}`;
      firing.add(dedupKey);
      alert(id, dedupKey, 'FIRING', `proxy ${proxyId} rejected config ${id}@${version}`, error.message, { proxyId, errorCode: error.code });
    },
    applied(update, previous) {
      audit('config.apply', update.serviceId, previous === undefined ? null : json(previous), update.deleted ? null : json(update), `version ${update.version}`);
      const dedupKey = `CONFIG_REJECTED/${update.serviceId}/${proxyId}`;
      if (firing.delete(dedupKey)) {
        alert(update.serviceId, dedupKey, 'RESOLVED', `proxy ${proxyId} applied config ${update.serviceId}@${update.version}`, 'a valid config was applied after a rejection', { proxyId });
      }
    },
  };
}
