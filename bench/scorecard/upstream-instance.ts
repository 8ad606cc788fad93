/**
 * One upstream instance of the scorecard, in its own process (so "killed" is a real SIGKILL
 * and a hung instance cannot stall the others):
 *
 *   node --import tsx bench/scorecard/upstream-instance.ts <id> <port>
 *
 * Every data request is counted per 100 ms bucket of wall-clock time, at the instance itself:
 * that count, not the proxy's own view, is what "no new request reaches the bad instance"
 * is measured on. Health checks (/healthz) and control calls (/__sc/*) are not counted.
 *
 * Faults are switched by the orchestrator at known times through POST /__sc/fault?mode=…:
 *   ok | hung | slow&ms=200 | errors&rate=0.5 | throttle (429 + Retry-After) | down | up
 *   | refuse&from=127.0.0.3 (every connection from that address reset, open ones at once: a
 *     firewall's REJECT on one proxy's path)
 * `down` closes the listener and every open connection (a crash as clients see it: refused);
 * `up` listens again on the same port. While down the control endpoint is unreachable, so the
 * orchestrator sends `up` as a signal instead (SIGUSR2), which works without a socket.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { once } from 'node:events';

export type FaultMode = 'ok' | 'hung' | 'slow' | 'errors' | 'throttle' | 'down' | 'refuse';

export interface Fault {
  readonly mode: FaultMode;
  /** slow: added latency; errors: share answered 503; throttle: Retry-After seconds. */
  readonly value: number;
}

const [id = 'u?', portText = '0'] = process.argv.slice(2);
const port = Number(portText);
const BUCKET_MS = 100;
/** bucket start (epoch ms) -> data requests received. */
const buckets = new Map<number, number>();
let fault: Fault = { mode: 'ok', value: 0 };
/** refuse: the source address whose connections are reset. */
let refusedFrom: string | undefined;
const sockets = new Set<Socket>();
/** Requests held open by a hung instance: kept only so they are not garbage collected. */
const held = new Set<ServerResponse>();

function count(): void {
  const b = Math.floor(Date.now() / BUCKET_MS) * BUCKET_MS;
  buckets.set(b, (buckets.get(b) ?? 0) + 1);
}

function answer(res: ServerResponse, status: number, extra: Record<string, string> = {}): void {
  const body = `${id} ${status}\n`;
  res.writeHead(status, { 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(body)), 'x-upstream-id': id, ...extra });
  res.end(body);
}

function control(req: IncomingMessage, res: ServerResponse, url: URL): void {
  if (url.pathname === '/__sc/fault') {
    const mode = (url.searchParams.get('mode') ?? 'ok') as FaultMode;
    fault = { mode, value: Number(url.searchParams.get('value') ?? 0) };
    refusedFrom = mode === 'refuse' ? (url.searchParams.get('from') ?? undefined) : undefined;
    if (refusedFrom !== undefined) for (const s of sockets) if (s.remoteAddress === refusedFrom) s.resetAndDestroy();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id, fault }));
    if (mode === 'down') setImmediate(goDown);
    return;
  }
  if (url.pathname === '/__sc/counts') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id, bucketMs: BUCKET_MS, buckets: [...buckets] }));
    return;
  }
  answer(res, 404);
}

function serve(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://instance');
  if (url.pathname.startsWith('/__sc/')) return control(req, res, url);
  const isCheck = url.pathname === '/healthz';
  if (!isCheck) count();
  req.resume();
  switch (fault.mode) {
    case 'hung':
      // Accepts and reads the request, never answers: health checks hang as well.
      held.add(res);
      res.on('close', () => held.delete(res));
      return;
    case 'slow':
      // The whole process is slow, checks included (they still pass: below their timeout).
      setTimeout(() => answer(res, 200), fault.value);
      return;
    case 'errors':
      // A gray failure: the health endpoint still says 200, as it usually does in real life.
      if (!isCheck && Math.random() < fault.value) return answer(res, 503);
      return answer(res, 200);
    case 'throttle':
      if (!isCheck) return answer(res, 429, { 'retry-after': String(fault.value || 1) });
      return answer(res, 200);
    default:
      return answer(res, 200);
  }
}

const server = createServer(serve);
server.keepAliveTimeout = 120_000;
server.headersTimeout = 121_000;
server.on('connection', (s: Socket) => {
  if (refusedFrom !== undefined && s.remoteAddress === refusedFrom) return void s.resetAndDestroy();
  sockets.add(s);
  s.once('close', () => sockets.delete(s));
});

function goDown(): void {
  server.close();
  for (const s of sockets) s.destroy();
}

async function goUp(): Promise<void> {
  fault = { mode: 'ok', value: 0 };
  if (server.listening) return;
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  process.stdout.write('up\n');
}

process.on('SIGUSR2', () => void goUp());
// While down nothing else holds the event loop open; the process must live on to come back.
setInterval(() => undefined, 60_000);
server.listen(port, '127.0.0.1');
await once(server, 'listening');
process.stdout.write('ready\n');
