/**
 * The data listener: fastify on a node server we create ourselves (serverFactory), so its
 * limits and slow-client timeouts are exactly the configured ones. A request that matches a
 * route goes from node's request event straight to the forwarder; fastify's handler gets only
 * what no route matches (its not-found handler answers SLB_PROXY_NO_ROUTE). fastify's
 * per-request lifecycle (request/reply objects, hooks, router, hijack) cost about 9% of the
 * proxy's CPU per forwarded request, for nothing a proxy uses (docs/proxy.md, "Hot path").
 * Requests the proxy answers itself (limits, no route) are decided here, before any instance
 * is involved. The forwarded ones are kept in a list while in flight, so that when an instance is
 * ejected as stalled the tries waiting on it can be cut short (`cutWaitingTries`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { ProxiedRequest, hasRequestBody, newRequestId, type ForwardContext } from './proxied-request.js';
import { RequestsInFlight } from './requests-in-flight.js';
import { transferCodingProblem } from './headers.js';
import { sendError } from './http-errors.js';
import type { ProxyLimits } from '../options.js';
import type { RouteTable } from './route-table.js';
import type { RoutedService } from '../control/routed-service.js';

const REASON: Readonly<Record<number, string>> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

export interface DataServer {
  readonly app: FastifyInstance;
  readonly server: Server;
  /**
   * `instanceId` of `serviceId` was just ejected as stalled, and the balancer has taken it out:
   * the tries waiting on it are cut short (retried elsewhere, or answered 504). Walks every
   * request in flight; only such an ejection calls it.
   */
  cutWaitingTries(serviceId: string, instanceId: string): void;
}

export function createDataServer(ctx: ForwardContext, limits: ProxyLimits, table: () => RouteTable<RoutedService>): DataServer {
  const requests = new RequestsInFlight<ProxiedRequest>();
  /**
   * Requests answered by the proxy itself, before any instance is involved. They are written
   * at once, so they never count as in flight (drain waits only for forwarded requests).
   */
  const answer = (res: ServerResponse, code: Parameters<typeof sendError>[1], message: string, requestId: string, close: boolean): true => {
    sendError(res, code, message, requestId, close);
    return true;
  };

  /** Answers or forwards `req`; false when no route matches (fastify's handler takes it). */
  const forward = (req: IncomingMessage, res: ServerResponse): boolean => {
    const requestId = newRequestId(req, ctx);
    if (req.rawHeaders.length > limits.maxHeaders * 2) return answer(res, 'SLB_PROXY_HEADERS_TOO_LARGE', `more than ${limits.maxHeaders} header fields`, requestId, true);
    const url = req.url ?? '/';
    if (url.length > limits.maxUrlLength) return answer(res, 'SLB_PROXY_URL_TOO_LONG', `request target longer than ${limits.maxUrlLength}`, requestId, true);
    const te = req.headers['transfer-encoding'];
    if (te !== undefined) {
      const problem = transferCodingProblem(te);
      if (problem === 'not-implemented') return answer(res, 'SLB_PROXY_NOT_IMPLEMENTED', `transfer coding not implemented: ${te}`, requestId, true);
      if (problem === 'malformed') return answer(res, 'SLB_PROXY_BAD_REQUEST', `malformed transfer-encoding: ${te}`, requestId, true);
    }
    const cl = req.headers['content-length'];
    if (cl !== undefined && limits.maxBodyBytes > 0 && Number(cl) > limits.maxBodyBytes) {
      return answer(res, 'SLB_PROXY_BODY_TOO_LARGE', `request body exceeds ${limits.maxBodyBytes} bytes`, requestId, true);
    }
    const svc = table().match(req.headers.host, url);
    if (svc === undefined) return false;
    ctx.inFlight++;
    if (ctx.draining) res.shouldKeepAlive = false;
    new ProxiedRequest(ctx, svc, req, res, hasRequestBody(req), requestId, requests).start();
    return true;
  };

  let server: Server | undefined;
  const dataApp = Fastify({
    logger: false,
    // Node's limits do the slowloris and size work; fastify must not add a body parser.
    serverFactory: (fastifyHandler: (req: IncomingMessage, res: ServerResponse) => void) => {
      const s = createServer(
        {
          maxHeaderSize: limits.maxHeaderBytes,
          headersTimeout: limits.headersTimeoutMs,
          requestTimeout: limits.requestTimeoutMs,
          keepAliveTimeout: limits.keepAliveTimeoutMs,
          // Node checks the two timeouts above only this often (default 30 s).
          connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
          requireHostHeader: true,
        },
        (req, res) => {
          if (!forward(req, res)) fastifyHandler(req, res);
        },
      );
      // Count one extra header so "too many" is detectable (node silently drops the rest).
      s.maxHeadersCount = limits.maxHeaders + 1;
      // fastify calls the factory synchronously while it is being built.
      server = s;
      return s;
    },
    clientErrorHandler: (err: NodeJS.ErrnoException, socket: Socket) => {
      if (err.code === 'ECONNRESET' || socket.destroyed) return;
      const [status, code] =
        err.code === 'HPE_HEADER_OVERFLOW'
          ? [431, 'SLB_PROXY_HEADERS_TOO_LARGE']
          : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? [408, 'SLB_PROXY_REQUEST_TIMEOUT']
            : [400, 'SLB_PROXY_BAD_REQUEST'];
      const body = JSON.stringify({ code, message: err.code ?? 'malformed request' });
      if (socket.writable) {
        socket.write(`HTTP/1.1 ${status} ${REASON[status]}\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
      }
      socket.destroy();
    },
  } as never) as unknown as FastifyInstance;
  dataApp.removeAllContentTypeParsers();
  // Leave bodies unread: an unrouted request is answered without reading what it sent.
  dataApp.addContentTypeParser('*', (_req, _payload, done) => done(null));
  dataApp.setNotFoundHandler((request, reply) => {
    reply.hijack();
    const req = request.raw;
    const url = req.url ?? '/';
    answer(reply.raw, 'SLB_PROXY_NO_ROUTE', `no route for ${req.headers.host ?? ''}${url.split('?')[0]}`, newRequestId(req, ctx), ctx.draining);
  });

  return { app: dataApp, server: server!, cutWaitingTries: (serviceId, instanceId) => requests.forEach((r) => r.cutTryTo(serviceId, instanceId)) };
}
