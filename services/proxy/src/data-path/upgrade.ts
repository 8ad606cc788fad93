/**
 * WebSocket upgrades proxied to the instance the balancer picks: the handshake goes through
 * undici (`upgrade: 'websocket'`), then the two sockets are spliced. Only `Upgrade: websocket`
 * is forwarded; any other upgrade token is refused (400), so h2c and friends cannot tunnel.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { upstreamRequestHeaders } from './headers.js';
import { forwardedValues, peerAddress } from './forwarding-headers.js';
import type { ForwardContext } from './proxied-request.js';
import { newRequestId } from './proxied-request.js';
import type { RoutedService } from '../control/routed-service.js';

function reject(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
}

export function proxyUpgrade(ctx: ForwardContext, svc: RoutedService | undefined, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  socket.on('error', () => socket.destroy());
  if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') return reject(socket, 400, 'Bad Request');
  if (svc === undefined) return reject(socket, 404, 'Not Found');
  if (ctx.draining) return reject(socket, 503, 'Service Unavailable');
  const ep = svc.balancer.pick({}, ctx.clock.now());
  const inst = ep === undefined ? undefined : svc.instances.get(ep.id);
  if (inst === undefined) return reject(socket, 503, 'Service Unavailable');
  const requestId = newRequestId(req, ctx);
  const peer = peerAddress(req.socket.remoteAddress);
  // Connection and Upgrade are hop-by-hop, so dropped here: undici adds the pair itself from `upgrade`.
  const headers = upstreamRequestHeaders(req.rawHeaders, forwardedValues(peer, req.rawHeaders, req.headers.host ?? '', ctx.trust, requestId));
  const started = ctx.clock.now();
  inst.inFlight++;
  svc.balancer.onStart(inst.id, started);
  let ended = false;
  const end = (ok: boolean) => {
    if (ended) return;
    ended = true;
    inst.inFlight--;
    svc.balancer.onEnd(inst.id, ctx.clock.now() - started, ok, ctx.clock.now());
  };
  inst.pool.dispatch(
    { path: req.url!, method: 'GET', headers, upgrade: 'websocket', headersTimeout: svc.perTryTimeoutMs },
    {
      onConnect: () => undefined,
      onUpgrade: (status: number, rawHeaders: Buffer[], upstream: Duplex) => {
        let text = `HTTP/1.1 ${status} Switching Protocols\r\n`;
        for (let i = 0; i < rawHeaders.length; i += 2) text += `${rawHeaders[i]!.toString('latin1')}: ${rawHeaders[i + 1]!.toString('latin1')}\r\n`;
        socket.write(`${text}\r\n`);
        if (head.length > 0) upstream.write(head);
        upstream.on('error', () => socket.destroy());
        socket.on('close', () => {
          upstream.destroy();
          end(true);
        });
        upstream.on('close', () => socket.destroy());
        upstream.pipe(socket);
        socket.pipe(upstream);
      },
      onError: () => {
        end(false);
        reject(socket, 502, 'Bad Gateway');
      },
      onHeaders: () => false,
      onData: () => false,
      onComplete: () => undefined,
    } as never,
  );
}
