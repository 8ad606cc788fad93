/**
 * The scorecard's client: OPEN loop at a scheduled rate. Requests leave on schedule whether or
 * not earlier ones were answered (a closed-loop client would slow down exactly when an
 * instance hangs, and hide the damage). The rate may change over time (a 10× burst). Each
 * request has a timeout; a timeout, a socket error or a non-2xx status is a client error.
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface ClientRecord {
  /** Epoch ms when the request was sent: comparable with the instances' buckets. */
  readonly sentAtMs: number;
  readonly latencyMs: number;
  /** 0 when no response arrived. */
  readonly status: number;
  readonly instance: string | undefined;
  readonly error: string | undefined;
}

export interface OpenLoopOptions {
  /** Entry points (one per proxy), used in turn. */
  readonly urls: readonly string[];
  readonly durationMs: number;
  readonly timeoutMs: number;
  /** Requests per second at `elapsedMs` into the run. */
  readonly rateAt: (elapsedMs: number) => number;
}

export function isClientError(r: ClientRecord): boolean {
  return r.error !== undefined || r.status < 200 || r.status > 299;
}

export function runOpenLoop(o: OpenLoopOptions): Promise<ClientRecord[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1_024 });
  const records: ClientRecord[] = [];
  let open = 0;
  const startMono = performance.now();
  const startEpoch = Date.now();

  let turn = 0;
  const one = () => {
    const url = o.urls[turn++ % o.urls.length]!;
    const sentMono = performance.now();
    const sentAtMs = startEpoch + (sentMono - startMono);
    let finished = false;
    open++;
    const finish = (status: number, instance: string | undefined, error: string | undefined) => {
      if (finished) return;
      finished = true;
      open--;
      records.push({ sentAtMs, latencyMs: performance.now() - sentMono, status, instance, error });
    };
    const req = request(url, { agent, method: 'GET' }, (res) => {
      const id = res.headers['x-upstream-id'];
      res.resume();
      res.on('end', () => finish(res.statusCode ?? 0, typeof id === 'string' ? id : undefined, undefined));
      res.on('error', (err: NodeJS.ErrnoException) => finish(res.statusCode ?? 0, undefined, err.code ?? err.message));
    });
    // A timer of our own, not the socket's idle timeout: a request still waiting for a socket
    // (or for a proxy that is gone) must end on time too.
    const timer = setTimeout(() => req.destroy(Object.assign(new Error('client timeout'), { code: 'TIMEOUT' })), o.timeoutMs);
    req.on('close', () => clearTimeout(timer));
    req.on('error', (err: NodeJS.ErrnoException) => finish(0, undefined, err.code ?? err.message));
    req.end();
  };

  return new Promise((resolve) => {
    // Integrate the rate over time so a changing rate is followed exactly, and send whatever is
    // due on each tick (timers fire late on a loaded machine; the schedule must not drift).
    let due = 0;
    let sent = 0;
    let lastMono = startMono;
    const tick = () => {
      const now = performance.now();
      const elapsed = now - startMono;
      if (elapsed < o.durationMs) {
        due += ((now - lastMono) * o.rateAt(elapsed)) / 1_000;
        lastMono = now;
        while (sent < Math.floor(due)) {
          sent++;
          one();
        }
        setTimeout(tick, 1);
        return;
      }
      const wait = () => {
        if (open > 0) return void setTimeout(wait, 20);
        agent.destroy();
        resolve(records.sort((a, b) => a.sentAtMs - b.sentAtMs));
      };
      wait();
    };
    tick();
  });
}
