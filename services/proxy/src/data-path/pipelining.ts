/**
 * HTTP/1.1 pipelining, one request at a time per connection, as HAProxy and nginx serve it.
 * Node parses ahead: a request pipelined behind one whose answer is still being written gets
 * its own ServerResponse at once, queued until the connection is free. Forwarding it at once
 * (as the proxy did) let an upstream execute a request whose answer the client never got: the
 * connection could be closed before its turn by a parse error, a refusal with `Connection:
 * close`, or a CONNECT/upgrade that took the socket over (found by test/proxy/fuzz.test.ts).
 * So a pipelined request waits for its turn (`whenResponseHasSocket`), and whatever writes on
 * the raw socket (CONNECT and upgrade answers, the parse-error answer) waits until the answers
 * before it are written (`whenSocketIdle`).
 */
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

type HttpSocket = Duplex & { _httpMessage?: ServerResponse | null };

/**
 * The answer node is writing on `socket` now, if any: its `_httpMessage`, the one field node
 * itself uses to queue pipelined answers (lib/_http_server.js), unchanged since Node 0.x.
 */
export function responseInProgress(socket: Duplex): ServerResponse | undefined {
  return (socket as HttpSocket)._httpMessage ?? undefined;
}

/**
 * Calls `turn` when `res` is the answer the connection is writing: at once for the usual,
 * unpipelined request (one property check), else when node hands it the socket. A connection
 * that closes before that never calls it: the request was never forwarded.
 */
export function whenResponseHasSocket(res: ServerResponse, turn: () => void): void {
  if (res.socket !== null) turn();
  else res.once('socket', turn);
}

/**
 * Calls `fn` once no answer is in progress on `socket`: at once, or after every answer queued
 * before (each one's end hands the socket to the next). Not at all if the socket closes first.
 */
export function whenSocketIdle(socket: Duplex, fn: () => void): void {
  const res = responseInProgress(socket);
  if (res === undefined) {
    if (!socket.destroyed) fn();
    return;
  }
  let waited = false;
  const next = () => {
    if (waited) return;
    waited = true;
    // Node's own 'finish' listener ran first: the socket is detached from `res`, and passed
    // to the next queued answer if there is one.
    whenSocketIdle(socket, fn);
  };
  res.once('finish', next);
  res.once('close', next);
}
