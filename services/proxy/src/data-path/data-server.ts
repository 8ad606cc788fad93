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
import { createServer, ServerResponse, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { ProxiedRequest, hasRequestBody, newRequestId, type ForwardContext } from './proxied-request.js';
import { RequestsInFlight } from './requests-in-flight.js';
import { transferCodingProblem } from './headers.js';
import { sendError } from './http-errors.js';
import { allowedMethods, createRequestScreen, type RequestHygiene, type Refusal } from './request-hygiene.js';
import { proxyUpgrade } from './upgrade.js';
import { responseInProgress, whenResponseHasSocket, whenSocketIdle } from './pipelining.js';
import type { ProxyLimits } from '../options.js';
import type { RouteTable } from './route-table.js';
import type { RoutedService } from '../control/routed-service.js';

const KEEP_ALIVE = /(?:^|,)\s*keep-alive\s*(?:,|$)/i;

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
  /** The server's 'upgrade' event: the same hygiene checks as a request, then the WebSocket proxying. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

/**
 * An upgrade request that is not a WebSocket opening handshake, which is a GET without content
 * (RFC 6455 §4.1): forwarding it as one would send the upstream another request than the
 * client's, and its body into the tunnel as if it were the new protocol's bytes.
 */
const NOT_A_HANDSHAKE: Refusal = { code: 'SLB_PROXY_BAD_REQUEST', message: 'an upgrade request must be a GET without a body (RFC 6455 §4.1)' };

/** How long a refused CONNECT/upgrade socket may stay half-closed waiting for the client's FIN. */
const LINGER_MS = 2_000;

/**
 * A JSON error answer on a socket node has handed over ('connect', 'upgrade'): through a
 * ServerResponse on it, so it is the same answer sendError gives everywhere. The socket is ended
 * (so the client reads the answer before the FIN) and destroyed if the client lingers.
 */
function refuseOnSocket(req: IncomingMessage, socket: Duplex, refusal: Refusal, requestId: string): void {
  socket.on('error', () => socket.destroy());
  const res = new ServerResponse(req);
  res.assignSocket(socket as Socket);
  res.shouldKeepAlive = false;
  res.on('finish', () => {
    res.detachSocket(socket as Socket);
    socket.end();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  });
  if (refusal.allow !== undefined) res.setHeader('allow', refusal.allow);
  sendError(res, refusal.code, refusal.message, requestId, true);
}

/** How often every request in flight has its timeouts checked (proxied-request.ts checkTimers). */
const TIMER_SWEEP_MS = 10;

/**
 * One interval for every timeout of every request in flight, with one clock read per sweep:
 * timeouts fire within a sweep (plus event-loop lag) of their setting, at a cost that does not
 * grow per request the way a timer per request (or undici's coarse ones) would.
 */
function sweepTimers(ctx: ForwardContext, requests: RequestsInFlight<ProxiedRequest>): NodeJS.Timeout {
  const check = (r: ProxiedRequest) => r.checkTimers(sweepNow);
  let sweepNow = 0;
  const timer = setInterval(() => {
    sweepNow = ctx.clock.monotonic();
    requests.forEach(check);
  }, TIMER_SWEEP_MS);
  timer.unref();
  return timer;
}

export function createDataServer(ctx: ForwardContext, limits: ProxyLimits, table: () => RouteTable<RoutedService>, hygiene: RequestHygiene): DataServer {
  const requests = new RequestsInFlight<ProxiedRequest>();
  const sweep = sweepTimers(ctx, requests);
  const screen = createRequestScreen(hygiene);
  const connectRefusal: Refusal = { code: 'SLB_PROXY_METHOD_NOT_ALLOWED', message: 'CONNECT is not forwarded', allow: allowedMethods(hygiene.allowTrace) };
  /**
   * Requests answered by the proxy itself, before any instance is involved. They are written
   * at once, so they never count as in flight (drain waits only for forwarded requests).
   */
  const answer = (res: ServerResponse, code: Parameters<typeof sendError>[1], message: string, requestId: string, close: boolean): true => {
    sendError(res, code, message, requestId, close);
    return true;
  };
  /** A hygiene refusal closes the connection: whatever body the request has is left unread. */
  const refuse = (res: ServerResponse, refusal: Refusal, requestId: string): true => {
    if (refusal.allow !== undefined) res.setHeader('allow', refusal.allow);
    return answer(res, refusal.code, refusal.message, requestId, true);
  };

  /** Answers or forwards `req`; false when no route matches (fastify's handler takes it). */
  const forward = (req: IncomingMessage, res: ServerResponse): boolean => {
    const requestId = newRequestId(req, ctx);
    if (req.rawHeaders.length > limits.maxHeaders * 2) return answer(res, 'SLB_PROXY_HEADERS_TOO_LARGE', `more than ${limits.maxHeaders} header fields`, requestId, true);
    const url = req.url ?? '/';
    if (url.length > limits.maxUrlLength) return answer(res, 'SLB_PROXY_URL_TOO_LONG', `request target longer than ${limits.maxUrlLength}`, requestId, true);
    const te = req.headers['transfer-encoding'];
    if (te !== undefined) {
      // RFC 9112 §6.1: its framing must be treated as faulty (a hop reading HTTP/1.0 sees other
      // request boundaries): refused, and the connection closed.
      if (req.httpVersionMinor === 0 && req.httpVersionMajor === 1) return answer(res, 'SLB_PROXY_BAD_REQUEST', 'Transfer-Encoding in an HTTP/1.0 request', requestId, true);
      const problem = transferCodingProblem(te);
      if (problem === 'not-implemented') return answer(res, 'SLB_PROXY_NOT_IMPLEMENTED', `transfer coding not implemented: ${te}`, requestId, true);
      if (problem === 'malformed') return answer(res, 'SLB_PROXY_BAD_REQUEST', `malformed transfer-encoding: ${te}`, requestId, true);
    }
    const cl = req.headers['content-length'];
    if (cl !== undefined && limits.maxBodyBytes > 0 && Number(cl) > limits.maxBodyBytes) {
      return answer(res, 'SLB_PROXY_BODY_TOO_LARGE', `request body exceeds ${limits.maxBodyBytes} bytes`, requestId, true);
    }
    const refusal = screen(req);
    if (refusal !== undefined) return refuse(res, refusal, requestId);
    const svc = table().match(req.headers.host, req.url!);
    if (svc === undefined) return false;
    ctx.inFlight++;
    if (ctx.draining) res.shouldKeepAlive = false;
    new ProxiedRequest(ctx, svc, req, res, hasRequestBody(req), requestId, requests).start();
    return true;
  };

  /** Connections whose parser failed behind answers still being written: closed after those. */
  const failedSockets = new WeakSet<Socket>();
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
        (req, res) => whenResponseHasSocket(res, () => handle(req, res, false)),
      );
      const handle = (req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): void => {
        // The connection is closing (the answer before said `Connection: close`), but node's
        // parser read on: nothing more can be answered on it, so nothing more is forwarded.
        if (!req.socket.writable) return;
        if (expectsContinue) res.writeContinue();
        // An HTTP/1.0 connection persists only with `Connection: keep-alive` (RFC 9112 §9.3);
        // node's parser also takes the obsolete `Proxy-Connection: keep-alive` for it.
        if (req.httpVersionMinor === 0 && !KEEP_ALIVE.test(req.headers.connection ?? '')) res.shouldKeepAlive = false;
        if (!forward(req, res)) fastifyHandler(req, res);
      };
      // `Expect: 100-continue`: the 100 is written when the request's turn comes. Node's own
      // would go out at once, into the middle of the answer before it on a pipelined connection.
      s.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => whenResponseHasSocket(res, () => handle(req, res, true)));
      // CONNECT asks for a tunnel, which a reverse proxy does not give. Node emits it as
      // 'connect' and, with no listener, destroys the socket without a status line.
      s.on('connect', (req: IncomingMessage, socket: Duplex) => whenSocketIdle(socket, () => refuseOnSocket(req, socket, connectRefusal, newRequestId(req, ctx))));
      // Count one extra header so "too many" is detectable (node silently drops the rest).
      s.maxHeadersCount = limits.maxHeaders + 1;
      // fastify calls the factory synchronously while it is being built.
      server = s;
      s.once('close', () => clearInterval(sweep));
      return s;
    },
    clientErrorHandler: (err: NodeJS.ErrnoException, socket: Socket) => {
      if (err.code === 'ECONNRESET' || socket.destroyed) return;
      const current = responseInProgress(socket);
      if (current !== undefined && current.req.complete) {
        // A request pipelined behind answers still being written is malformed: those answers
        // go out whole (their requests were executed), then the connection closes. An error
        // answer now would be read as theirs. (When the answer in progress is the malformed
        // request's own, its body is what failed: answered below, as any malformed request.)
        if (!failedSockets.has(socket)) {
          failedSockets.add(socket);
          whenSocketIdle(socket, () => socket.destroy());
        }
        return;
      }
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

  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    whenSocketIdle(socket, () => {
      const refusal = screen(req) ?? (req.method !== 'GET' || hasRequestBody(req) ? NOT_A_HANDSHAKE : undefined);
      if (refusal !== undefined) return refuseOnSocket(req, socket, refusal, newRequestId(req, ctx));
      proxyUpgrade(ctx, table().match(req.headers.host, req.url ?? '/'), req, socket, head);
    });
  };

  return { app: dataApp, server: server!, upgrade, cutWaitingTries: (serviceId, instanceId) => requests.forEach((r) => r.cutTryTo(serviceId, instanceId)) };
}
