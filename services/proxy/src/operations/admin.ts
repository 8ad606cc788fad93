/**
 * The admin listener (loopback by default): /healthz, /readyz, /metrics, and the admin API.
 * Reads are open to whoever can reach the listener; changes need `Authorization: Bearer
 * <SLB_ADMIN_TOKEN>`, compared in constant time, and are refused outright when no token is
 * configured. Every change and every refusal leaves a trace (admin-audit.ts): a log line, an
 * audit-logs record for changes, a counter for refusals. Any route other than GET/HEAD is a
 * change and passes the guard, so a new mutating route cannot skip authentication.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ErrorCode } from '@slb/core';
import { ERROR_CODES } from '@slb/core';
import type { ApplyResult } from '../control/control-plane.js';
import { claimedOperator, type AdminAudit, type AdminChange, type AdminRequestInfo, type AuthRefusal } from './admin-audit.js';

export interface AdminBackend {
  readonly token: string | undefined;
  metricsText(): Promise<string>;
  metricsContentType: string;
  live(): boolean;
  ready(): { ready: boolean; reason?: string };
  state(): unknown;
  config(): unknown;
  instances(serviceId: string): unknown;
  drain(): void;
  drainInstance(serviceId: string, instanceId: string, drained: boolean): boolean;
  /** Whether an instance is drained through this API now (the audit record's "before"). */
  isInstanceDrained(serviceId: string, instanceId: string): boolean;
  applyConfig(raw: unknown): ApplyResult;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time bearer check: both sides hashed first so lengths never leak either. */
export function bearerMatches(header: string | undefined, token: string | undefined): boolean {
  if (token === undefined || header === undefined) return false;
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (m === null) return false;
  return timingSafeEqual(digest(m[1]!), digest(token));
}

/** Why a change request is refused; undefined when its bearer token is the configured one. */
export function authRefusal(header: string | undefined, token: string | undefined): AuthRefusal | undefined {
  if (token === undefined) return 'disabled';
  if (header === undefined || header.trim() === '') return 'missing';
  return bearerMatches(header, token) ? undefined : 'invalid';
}

/** Peer, method, route pattern and claimed operator of a request (never its credentials). */
export function requestInfo(req: FastifyRequest): AdminRequestInfo {
  return { peer: req.ip, method: req.method, route: req.routeOptions.url ?? req.url.split('?')[0]!, claimedBy: claimedOperator(req.headers['x-slb-operator']) };
}

function send(reply: FastifyReply, code: ErrorCode, message: string): FastifyReply {
  const status = (ERROR_CODES[code] as { httpStatus?: number }).httpStatus ?? 500;
  return reply.code(status).header('x-slb-reason', code).send({ code, message });
}

export function createAdminApp(backend: AdminBackend, audit: AdminAudit): FastifyInstance {
  const app = Fastify({ logger: false });
  // Every method but GET/HEAD changes something: authenticated here, for every route.
  app.addHook('preHandler', async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.method === 'GET' || req.method === 'HEAD') return undefined;
    const auth = req.headers.authorization;
    const refusal = authRefusal(auth, backend.token);
    if (refusal === undefined) return undefined;
    audit.refused(refusal, requestInfo(req));
    if (refusal === 'disabled') return send(reply, 'SLB_PROXY_UNAUTHORIZED', 'admin changes are disabled: SLB_ADMIN_TOKEN is not set');
    reply.header('www-authenticate', 'Bearer');
    return send(reply, 'SLB_PROXY_UNAUTHORIZED', 'a valid bearer token is required');
  });
  const changed = (req: FastifyRequest, change: AdminChange) => audit.change(change, requestInfo(req));

  app.get('/healthz', async (_req, reply) => (backend.live() ? { status: 'ok' } : reply.code(503).send({ status: 'down' })));
  app.get('/readyz', async (_req, reply) => {
    const r = backend.ready();
    return r.ready ? { status: 'ready' } : reply.code(503).send({ status: 'not-ready', reason: r.reason });
  });
  app.get('/metrics', async (_req, reply) => reply.header('content-type', backend.metricsContentType).send(await backend.metricsText()));
  app.get('/admin/state', async () => backend.state());
  app.get('/admin/config', async () => backend.config());
  app.get<{ Params: { service: string } }>('/admin/services/:service/instances', async (req, reply) => {
    const r = backend.instances(req.params.service);
    return r === undefined ? send(reply, 'SLB_PROXY_NOT_FOUND', `no service ${req.params.service}`) : r;
  });
  app.post('/admin/drain', async (req, reply) => {
    // Logged and audited first: the drain closes this listener.
    changed(req, { kind: 'proxy.drain' });
    backend.drain();
    return reply.code(202).send({ draining: true });
  });
  for (const [method, drained] of [['POST', true], ['DELETE', false]] as const) {
    app.route<{ Params: { service: string; instance: string } }>({
      method,
      url: '/admin/services/:service/instances/:instance/drain',
      handler: async (req, reply) => {
        const { service, instance } = req.params;
        const wasDrained = backend.isInstanceDrained(service, instance);
        const found = backend.drainInstance(service, instance, drained);
        changed(req, { kind: drained ? 'instance.drain' : 'instance.undrain', serviceId: service, instanceId: instance, found, wasDrained });
        if (!found) return send(reply, 'SLB_PROXY_NOT_FOUND', `no instance ${instance} in service ${service}`);
        return { service, instance, drained };
      },
    });
  }
  app.post('/admin/config', async (req, reply) => {
    const r = backend.applyConfig(req.body);
    changed(req, r.applied ? { kind: 'config.push', serviceId: r.serviceId, version: r.version, applied: true } : { kind: 'config.push', serviceId: r.serviceId, version: r.version, applied: false, code: r.error.code, message: r.error.message });
    if (r.applied) return { applied: true, serviceId: r.serviceId, version: r.version };
    return reply.code(422).send({ applied: false, code: r.error.code, message: r.error.message, issues: r.error.details?.issues });
  });
  return app;
}
