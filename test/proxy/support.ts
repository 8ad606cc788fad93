/**
 * Shared fixtures of the proxy integration tests: real upstream node:http servers on port 0
 * that record what they received, and a proxy on port 0 with a silent logger.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { pino } from 'pino';
import { request } from 'undici';
import { createProxy, type Proxy, type ProxyAddresses, type ProxyOptions } from '@slb/proxy';

export interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly rawHeaders: string[];
  readonly body: string;
}

export interface Upstream {
  readonly id: string;
  readonly port: number;
  readonly address: string;
  readonly received: Received[];
  /** Replaces the request handler (the default answers 200 with the upstream id). */
  handler: (req: IncomingMessage, res: ServerResponse, body: string) => void;
  close(): Promise<void>;
  /** Listen again on the same port after close(). */
  restart(): Promise<void>;
  readonly server: Server;
}

export async function startUpstream(id: string, port = 0): Promise<Upstream> {
  const received: Received[] = [];
  const sockets = new Set<import('node:net').Socket>();
  let server: Server;
  const up: Upstream = {
    id,
    port: 0,
    address: '',
    received,
    handler: (_req, res) => {
      res.setHeader('x-upstream', id);
      res.end(id);
    },
    server: undefined as unknown as Server,
    async close() {
      // Upgraded (WebSocket) sockets are not the http server's any more: destroy them too.
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
    async restart() {
      server = make();
      server.listen(up.port, '127.0.0.1');
      await once(server, 'listening');
      (up as { server: Server }).server = server;
    },
  };
  const make = () => {
    const s = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        received.push({ method: req.method!, url: req.url!, headers: req.headers, rawHeaders: req.rawHeaders, body });
        up.handler(req, res, body);
      });
    });
    s.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    return s;
  };
  server = make();
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const p = (server.address() as AddressInfo).port;
  Object.assign(up, { port: p, address: `127.0.0.1:${p}`, server });
  return up;
}

export function service(id: string, upstreams: readonly Upstream[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    serviceId: id,
    version: 1,
    routes: [{ pathPrefix: `/${id}` }],
    instances: upstreams.map((u) => ({ id: u.id, address: u.address })),
    policy: { type: 'ROUND_ROBIN' },
    ...extra,
  };
}

export const silentLogger = () => pino({ level: 'silent' });

export async function startProxy(options: Partial<ProxyOptions> = {}): Promise<{ proxy: Proxy; addr: ProxyAddresses }> {
  const proxy = createProxy({ proxyId: 'test-proxy', host: '127.0.0.1', port: 0, adminPort: 0, telemetryWindowMs: 0, logger: silentLogger(), ...options });
  const addr = await proxy.listen();
  return { proxy, addr };
}

export async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  const r = await request(url, { headers });
  return { status: r.statusCode, body: await r.body.text(), headers: r.headers };
}

/** Counts of each body over `n` sequential GETs. */
export async function hits(url: string, n: number, headers: Record<string, string> = {}): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const r = await get(url, headers);
    counts.set(r.body, (counts.get(r.body) ?? 0) + 1);
  }
  return counts;
}

/** Runs `concurrency` loops of GETs until stop() resolves; returns statuses seen. */
export function load(url: string, concurrency: number, headers: Record<string, string> = {}): { stop(): Promise<{ total: number; errors: Array<{ status: number; body: string }> }> } {
  let running = true;
  let total = 0;
  const errors: Array<{ status: number; body: string }> = [];
  const loops = Array.from({ length: concurrency }, async () => {
    while (running) {
      try {
        const r = await get(url, headers);
        total++;
        if (r.status !== 200) errors.push({ status: r.status, body: r.body });
      } catch (err) {
        total++;
        errors.push({ status: 0, body: String(err) });
      }
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return { total, errors };
    },
  };
}

export interface RawOptions {
  /** Give up (and resolve with what came) after this long (default 3 s). */
  readonly waitMs?: number;
  /** Pause between the parts of a payload given as several (default 0). */
  readonly gapMs?: number;
  /** Resolve as soon as a status line has come, instead of waiting for the proxy to close. */
  readonly statusLineOnly?: boolean;
  /** Close the connection this long after the last part was written (a client walking away). */
  readonly closeAfterMs?: number;
}

/** Sends raw bytes on a fresh connection; resolves with everything the proxy answered until it closed (or timeout). */
export function rawExchange(port: number, payload: string | readonly string[], opts: RawOptions = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    const timer = setTimeout(() => socket.destroy(), opts.waitMs ?? 3_000);
    socket.on('data', (d) => {
      out += d.toString('latin1');
      if (opts.statusLineOnly === true && out.includes('\r\n')) socket.destroy();
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    socket.on('error', () => undefined);
    const parts = typeof payload === 'string' ? [payload] : payload;
    let i = 0;
    const next = (): void => {
      if (i >= parts.length || socket.destroyed) return;
      socket.write(parts[i++]!);
      if (i < parts.length) setTimeout(next, opts.gapMs ?? 0);
      else if (opts.closeAfterMs !== undefined) setTimeout(() => socket.destroy(), opts.closeAfterMs);
    };
    next();
  });
}

/** The status code of a raw HTTP/1.1 answer (0: none). */
export const statusOf = (response: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
