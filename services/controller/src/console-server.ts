/**
 * The controller's HTTP surface on SLB_CONSOLE_PORT (loopback unless configured otherwise):
 * GET /metrics, GET /healthz, and the admin API under /api. Reads are open to whoever can reach
 * the listener; mutations need `Authorization: Bearer <SLB_ADMIN_TOKEN>` (constant-time compare)
 * and are refused outright when no token is configured. Errors answer `{ code, message }` with
 * the code's HTTP status from the registry.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { Registry } from 'prom-client';
import { ERROR_CODES, isSlbError, SlbError } from '@slb/core';
import type { Controller } from './create-controller.js';
import type { OperatorAction } from './operator-actions.js';

export interface ConsoleServerOptions {
  readonly controller: Controller;
  readonly registry: Registry;
  readonly host: string;
  readonly port: number;
  /** Bearer token of mutations; undefined disables them. */
  readonly adminToken: string | undefined;
  /** Mounts more on the same server before it listens (e.g. the console page plugin). */
  readonly extend?: (app: FastifyInstance) => Promise<void> | void;
}

export interface ConsoleServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/** Constant-time bearer check: both sides hashed first so lengths never leak either. */
export function bearerMatches(header: string | undefined, token: string | undefined): boolean {
  if (token === undefined || token === '' || header === undefined) return false;
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (m === null) return false;
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(m[1]!), digest(token));
}

function sendError(reply: FastifyReply, error: unknown): FastifyReply {
  if (isSlbError(error)) {
    const status = (ERROR_CODES[error.code] as { httpStatus?: number }).httpStatus ?? 500;
    return reply.code(status).send({ code: error.code, message: error.message });
  }
  return reply.code(500).send({ code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) });
}

export function buildConsole(options: Omit<ConsoleServerOptions, 'host' | 'port' | 'extend'>): FastifyInstance {
  const { controller, registry, adminToken } = options;
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });

  app.get('/healthz', async (_req, reply) => reply.code(controller.running ? 200 : 503).send({ status: controller.running ? 'ok' : 'unavailable', member: controller.member }));
  app.get('/metrics', async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()));

  app.get('/api/services', async () => ({ member: controller.member, services: controller.services() }));
  app.get<{ Params: { serviceId: string } }>('/api/services/:serviceId', async (req, reply) => {
    const { serviceId } = req.params;
    const config = controller.config(serviceId);
    const decision = controller.decision(serviceId);
    if (config === undefined && decision === undefined) return sendError(reply, new SlbError('SLB_CONTROLLER_NOT_FOUND', `no config or decision for ${serviceId}`));
    const { signature: _signature, ...plain } = config ?? { signature: null };
    return { serviceId, config: config === undefined ? null : plain, decision: decision ?? null };
  });
  app.get<{ Params: { serviceId: string; instanceId: string } }>('/api/why/:serviceId/:instanceId', async (req) => controller.why(req.params.serviceId, req.params.instanceId));
  app.get<{ Querystring: { entityId?: string } }>('/api/audit', async (req) => ({ records: controller.audit(req.query.entityId) }));

  // --- mutations ---------------------------------------------------------------------------------
  const mutate = async (
    headers: Record<string, string | string[] | undefined>,
    reply: FastifyReply,
    serviceId: string,
    action: OperatorAction,
  ): Promise<FastifyReply> => {
    const auth = headers['authorization'];
    if (!bearerMatches(typeof auth === 'string' ? auth : undefined, adminToken)) {
      reply.header('www-authenticate', 'Bearer');
      return sendError(reply, new SlbError('SLB_CONTROLLER_UNAUTHORIZED', adminToken === undefined ? 'admin mutations are disabled (no SLB_ADMIN_TOKEN)' : 'a valid bearer token is required'));
    }
    const who = headers['x-slb-operator'];
    const operator = typeof who === 'string' && /^[\w.@-]{1,64}$/.test(who) ? who : 'operator';
    try {
      const next = await controller.operatorAction(serviceId, action, operator);
      return reply.code(202).send({ serviceId, version: next.version, previousVersion: next.previousVersion, instance: next.instances.find((i) => i.id === action.instanceId) });
    } catch (error) {
      return sendError(reply, error);
    }
  };
  type InstanceParams = { Params: { serviceId: string; instanceId: string } };
  app.post<InstanceParams>('/api/services/:serviceId/instances/:instanceId/drain', async (req, reply) =>
    mutate(req.headers, reply, req.params.serviceId, { kind: 'drain', instanceId: req.params.instanceId }),
  );
  app.post<InstanceParams>('/api/services/:serviceId/instances/:instanceId/undrain', async (req, reply) =>
    mutate(req.headers, reply, req.params.serviceId, { kind: 'undrain', instanceId: req.params.instanceId }),
  );
  app.put<InstanceParams & { Body: unknown }>('/api/services/:serviceId/instances/:instanceId/weight', async (req, reply) => {
    const weight = typeof req.body === 'object' && req.body !== null ? (req.body as { weight?: unknown }).weight : undefined;
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
      // Authorization first: an unauthenticated caller learns nothing about the body rules.
      if (!bearerMatches(req.headers.authorization, adminToken)) return mutate(req.headers, reply, req.params.serviceId, { kind: 'set-weight', instanceId: req.params.instanceId, weight: 0 });
      return sendError(reply, new SlbError('SLB_CONTROLLER_BAD_REQUEST', 'body must be {"weight": <number >= 0>}'));
    }
    return mutate(req.headers, reply, req.params.serviceId, { kind: 'set-weight', instanceId: req.params.instanceId, weight });
  });
  return app;
}

export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const app = buildConsole(options);
  if (options.extend !== undefined) await options.extend(app);
  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return { port, url: `http://${host}:${port}`, close: () => app.close() };
}
