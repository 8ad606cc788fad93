/**
 * The trace of the admin API (issue 11): every change and every refused authentication is one
 * structured log line (actor, peer, route, result; never a credential), every change is one
 * `audit-logs` record when the proxy has a bus, and refusals are counted
 * (slb_proxy_admin_auth_failures_total).
 *
 * Who acted: the proxy has one shared bearer token, so the only verified identity is "whoever
 * holds the admin token": the actor is `admin-token` (a token name, as AuditLog.actor allows).
 * What the caller says about itself, the `X-SLB-Operator` header (the same header the
 * controller's console takes), is recorded beside it as `claimed-by`, never as the actor: it is
 * not authenticated. The peer address is recorded too.
 *
 * Refused logins are logged and counted, not written to audit-logs: they change nothing, and
 * anyone who can reach the listener could otherwise fill the topic. Their alerting signal is the
 * counter.
 *
 * The audit publish is never awaited: a slow or absent bus neither delays nor fails the change.
 * A record the bus did not take is logged in full at error (`admin.audit-unwritten`) and counted
 * (slb_proxy_admin_audit_unwritten_total), so it is never lost silently.
 */
import { randomUUID } from 'node:crypto';
import { Counter, type Registry } from 'prom-client';
import type { AuditLog, EventBus } from '@slb/core';
import type { Logger } from 'pino';

/** The actor of every authorized change: the one shared credential that authenticated it. */
export const ADMIN_ACTOR = 'admin-token';
/** The actor of a refused request: nothing authenticated it. */
export const ANONYMOUS_ACTOR = 'anonymous';
/** The role of admin-API records on audit-logs (as the controller's operator actions). */
export const OPERATOR_ROLE = 'operator';

/** Why a change was refused: no token configured, no Authorization header, or a wrong one. */
export type AuthRefusal = 'disabled' | 'missing' | 'invalid';

/** What is known of the request, whatever its outcome. */
export interface AdminRequestInfo {
  readonly peer: string;
  readonly method: string;
  /** The route pattern (`/admin/services/:service/instances/:instance/drain`), not the URL. */
  readonly route: string;
  /** The X-SLB-Operator header when well-formed; unauthenticated. */
  readonly claimedBy: string | undefined;
}

export type AdminChange =
  | { readonly kind: 'proxy.drain' }
  | { readonly kind: 'instance.drain' | 'instance.undrain'; readonly serviceId: string; readonly instanceId: string; readonly found: boolean; readonly wasDrained: boolean }
  | { readonly kind: 'config.push'; readonly serviceId: string; readonly version: number; readonly applied: true }
  | { readonly kind: 'config.push'; readonly serviceId: string; readonly version: number; readonly applied: false; readonly code: string; readonly message: string };

const REFUSAL_TEXT: Readonly<Record<AuthRefusal, string>> = { missing: 'no bearer token', invalid: 'wrong bearer token', disabled: 'changes are disabled (no SLB_ADMIN_TOKEN)' };

const OPERATOR_NAME = /^[\w.@-]{1,64}$/;

/** The X-SLB-Operator header if it is one well-formed name (the controller's rule); else undefined. */
export function claimedOperator(header: string | readonly string[] | undefined): string | undefined {
  return typeof header === 'string' && OPERATOR_NAME.test(header) ? header : undefined;
}

/** The entity a change is about: `serviceId/instanceId`, a service, or this proxy. */
export function changeTarget(change: AdminChange, proxyId: string): string {
  switch (change.kind) {
    case 'proxy.drain':
      return proxyId;
    case 'instance.drain':
    case 'instance.undrain':
      return `${change.serviceId}/${change.instanceId}`;
    case 'config.push':
      return change.serviceId === '' ? '_unknown' : change.serviceId;
  }
}

/** The log line's result and the HTTP status the caller got. */
export function changeResult(change: AdminChange): { readonly result: 'accepted' | 'ok' | 'not-found' | 'applied' | 'rejected'; readonly status: number } {
  switch (change.kind) {
    case 'proxy.drain':
      return { result: 'accepted', status: 202 };
    case 'instance.drain':
    case 'instance.undrain':
      return change.found ? { result: 'ok', status: 200 } : { result: 'not-found', status: 404 };
    case 'config.push':
      return change.applied ? { result: 'applied', status: 200 } : { result: 'rejected', status: 422 };
  }
}

/**
 * The audit-logs record of a change; undefined when nothing was attempted on an existing entity
 * (an unknown instance: logged, not audited). Pure: id and time are arguments.
 */
export function adminAuditRecord(change: AdminChange, req: AdminRequestInfo, ctx: { readonly proxyId: string; readonly atMs: number; readonly auditId: string }): AuditLog | undefined {
  const notes = [`peer ${req.peer}`, ...(req.claimedBy === undefined ? [] : [`claimed-by ${req.claimedBy}`]), `route ${req.method} ${req.route}`, `proxy ${ctx.proxyId}`];
  const base = { auditId: ctx.auditId, atMs: ctx.atMs, actor: ADMIN_ACTOR, role: OPERATOR_ROLE, evidence: { scores: [], windows: [], sources: [], notes } };
  const via = `through the admin API of proxy ${ctx.proxyId}`;
  switch (change.kind) {
    case 'proxy.drain':
      return { ...base, action: 'proxy.drain', entityType: 'proxy', entityId: ctx.proxyId, before: JSON.stringify({ draining: false }), after: JSON.stringify({ draining: true }), reason: `drain requested ${via}` };
    case 'instance.drain':
    case 'instance.undrain': {
      if (!change.found) return undefined;
      const drained = change.kind === 'instance.drain';
      return {
        ...base,
        action: change.kind,
        entityType: 'instance',
        entityId: changeTarget(change, ctx.proxyId),
        before: JSON.stringify({ drained: change.wasDrained, proxyId: ctx.proxyId }),
        after: JSON.stringify({ drained, proxyId: ctx.proxyId }),
        reason: `${drained ? 'drained' : 'undrained'} ${via} (local to that proxy)`,
      };
    }
    case 'config.push':
      return {
        ...base,
        action: 'config.push',
        entityType: 'service',
        entityId: changeTarget(change, ctx.proxyId),
        before: null,
        after: change.applied ? JSON.stringify({ version: change.version, proxyId: ctx.proxyId }) : null,
        reason: change.applied ? `applied version ${change.version} ${via}` : `rejected: ${change.code}: ${change.message} (version ${change.version} ${via})`,
      };
  }
}

export interface AdminAudit {
  /** A change that passed authentication, whatever its outcome: logged, and audited if it touched something. */
  change(change: AdminChange, req: AdminRequestInfo): void;
  /** A refused authentication: logged (warn) and counted; never audited. */
  refused(reason: AuthRefusal, req: AdminRequestInfo): void;
}

export interface AdminAuditDeps {
  readonly proxyId: string;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly bus: EventBus | undefined;
  readonly now: () => number;
  readonly newId?: () => string;
}

export function createAdminAudit(deps: AdminAuditDeps): AdminAudit {
  const { proxyId, bus, now } = deps;
  const logger = deps.logger.child({ component: 'admin' });
  const newId = deps.newId ?? randomUUID;
  const failures = new Counter({ name: 'slb_proxy_admin_auth_failures_total', help: 'Admin API requests refused authentication, by reason (missing, invalid, disabled).', labelNames: ['reason'], registers: [deps.registry] });
  for (const reason of ['missing', 'invalid', 'disabled'] as const) failures.labels(reason);
  const unwritten = new Counter({ name: 'slb_proxy_admin_audit_unwritten_total', help: 'Admin audit records the bus did not take (each logged in full as admin.audit-unwritten).', registers: [deps.registry] });
  const line = (req: AdminRequestInfo) => ({ peer: req.peer, method: req.method, route: req.route, ...(req.claimedBy === undefined ? {} : { claimedBy: req.claimedBy }) });

  return {
    change(change, req) {
      const { result, status } = changeResult(change);
      const record = adminAuditRecord(change, req, { proxyId, atMs: now(), auditId: newId() });
      const rejected = change.kind === 'config.push' && !change.applied ? { code: change.code } : {};
      logger.info({ event: 'admin.change', actor: ADMIN_ACTOR, ...line(req), action: change.kind, target: changeTarget(change, proxyId), result, status, ...rejected, ...(record === undefined ? {} : { auditId: record.auditId }) }, `admin ${change.kind} ${result}`);
      if (record === undefined || bus === undefined) return;
      let sent: Promise<void>;
      try {
        sent = bus.publish('audit-logs', record.entityId, record);
      } catch (err) {
        sent = Promise.reject(err);
      }
      sent.catch((err: unknown) => {
        unwritten.inc();
        logger.error({ event: 'admin.audit-unwritten', err, record }, 'admin audit record not written to audit-logs');
      });
    },
    refused(reason, req) {
      failures.labels(reason).inc();
      logger.warn({ event: 'admin.auth-refused', actor: ANONYMOUS_ACTOR, ...line(req), result: 'refused', reason, status: 401 }, `admin change refused: ${REFUSAL_TEXT[reason]}`);
    },
  };
}
