/**
 * Misbehaving clients, over raw sockets (node:http would refuse to send most of this), in
 * turn: a malformed header line, a request the client aborts right after sending, and a POST
 * whose body stops short before the client hangs up. Each is the client's fault; none may
 * count against an upstream instance.
 */
import { connect } from 'node:net';

const KINDS = [
  // Not a header line at all: the proxy must answer 400 itself.
  (host: string) => `GET /bad HTTP/1.1\r\nHost: ${host}\r\nthis is not a header\r\n\r\n`,
  // A fine request whose client goes away before the answer.
  (host: string) => `GET /aborted HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
  // A body promised (100 bytes) and not delivered: the client hangs up after 10.
  (host: string) => `POST /short-body HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 100\r\n\r\n0123456789`,
] as const;

export interface BadClients {
  stop(): { sent: number };
}

export function startBadClients(port: number, perSec: number): BadClients {
  let sent = 0;
  const host = `127.0.0.1:${port}`;
  const timer = setInterval(() => {
    const kind = KINDS[sent % KINDS.length]!;
    const aborts = sent % KINDS.length !== 0;
    sent++;
    const s = connect(port, '127.0.0.1', () => {
      s.write(kind(host));
      // The malformed one waits for the proxy's 400; the others hang up almost at once.
      setTimeout(() => s.destroy(), aborts ? 2 : 500);
    });
    s.on('error', () => undefined);
    s.resume();
  }, 1_000 / perSec);
  return {
    stop() {
      clearInterval(timer);
      return { sent };
    },
  };
}
