/**
 * The admin listener (loopback by default): /healthz, /readyz, /metrics, and the admin API.
 * Reads are open to whoever can reach the listener; changes need `Authorization: Bearer
 * <SLB_ADMIN_TOKEN>`, compared in constant time, and are refused outright when no token is
 * configured.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ErrorCode } from '@slb/core';
import { ERROR_CODES } from '@slb/core';
import type { ApplyResult } from '../control/control-plane.js';

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

function send(reply: FastifyReply, code: ErrorCode, message: string): FastifyReply {
  const status = (ERROR_CODES[code] as { httpStatus?: number }).httpStatus ?? 500;
  return reply.code(status).header('x-slb-reason', code).send({ code, message });
}

export function createAdminApp(backend: AdminBackend): FastifyInstance {
  const app = Fastify({ logger: false });
  const guard = async (req: FastifyRequest, reply: FastifyReply) => {
    if (backend.token === undefined) return send(reply, 'SLB_PROXY_UNAUTHORIZED', 'admin changes are disabled: SLB_ADMIN_TOKEN is not set');
    if (!bearerMatches(req.headers.authorization, backend.token)) {
      reply.header('www-authenticate', 'Bearer');
      return send(reply, 'SLB_PROXY_UNAUTHORIZED', 'a valid bearer token is required');
    }
    return undefined;
  };

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
  app.post('/admin/drain', { preHandler: guard }, async (_req, reply) => {
    backend.drain();
    return reply.code(202).send({ draining: true });
  });
  for (const [method, drained] of [['POST', true], ['DELETE', false]] as const) {
    app.route<{ Params: { service: string; instance: string } }>({
      method,
      url: '/admin/services/:service/instances/:instance/drain',
      preHandler: guard,
      handler: async (req, reply) => {
        const ok = backend.drainInstance(req.params.service, req.params.instance, drained);
        if (!ok) return send(reply, 'SLB_PROXY_NOT_FOUND', `no instance ${req.params.instance} in service ${req.params.service}`);
        return { service: req.params.service, instance: req.params.instance, drained };
      },
    });
  }
  app.post('/admin/config', { preHandler: guard }, async (req, reply) => {
    const r = backend.applyConfig(req.body);
    if (r.applied) return { applied: true, serviceId: r.serviceId, version: r.version };
    return reply.code(422).send({ applied: false, code: r.error.code, message: r.error.message, issues: r.error.details?.issues });
  });
  return app;
}
