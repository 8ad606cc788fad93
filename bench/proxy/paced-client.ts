/**
 * An open-loop HTTP client at a fixed request rate (wrk2 is not packaged here): requests are
 * sent on schedule whether or not earlier ones have answered, so a stalled instance shows up
 * as latency and errors instead of silently lowering the rate. Every request is recorded with
 * its send time, status, the instance that answered (`x-upstream-id`) and any socket error.
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface RequestRecord {
  /** performance.now() at send and at the end of the response (or the error). */
  readonly sentMs: number;
  readonly doneMs: number;
  /** 0 when no response arrived. */
  readonly status: number;
  readonly instance: string | undefined;
  readonly error: string | undefined;
}

export interface PacedRun {
  /** Resolves when every request sent has ended. */
  readonly done: Promise<RequestRecord[]>;
}

export interface PacedOptions {
  readonly url: string;
  readonly ratePerSec: number;
  readonly durationMs: number;
  readonly timeoutMs: number;
}

export function runPaced(o: PacedOptions): PacedRun {
  const agent = new Agent({ keepAlive: true, maxSockets: 512, keepAliveMsecs: 1_000 });
  const records: RequestRecord[] = [];
  const pending = new Set<Promise<void>>();
  const start = performance.now();
  let sent = 0;
  const total = Math.floor((o.ratePerSec * o.durationMs) / 1_000);

  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const sentMs = performance.now();
      let finished = false;
      const finish = (status: number, instance: string | undefined, error: string | undefined) => {
        if (finished) return;
        finished = true;
        records.push({ sentMs, doneMs: performance.now(), status, instance, error });
        resolve();
      };
      const req = request(o.url, { agent, method: 'GET', timeout: o.timeoutMs }, (res) => {
        const id = res.headers['x-upstream-id'];
        res.resume();
        res.on('end', () => finish(res.statusCode ?? 0, typeof id === 'string' ? id : undefined, undefined));
        res.on('error', (err: NodeJS.ErrnoException) => finish(res.statusCode ?? 0, undefined, err.code ?? err.message));
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('client timeout'), { code: 'TIMEOUT' })));
      req.on('error', (err: NodeJS.ErrnoException) => finish(0, undefined, err.code ?? err.message));
      req.end();
    });

  const done = new Promise<RequestRecord[]>((resolve) => {
    // setImmediate-driven pacing: sends whatever is due, so the achieved rate is exact even
    // when timers fire late on a loaded machine.
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * o.ratePerSec) / 1_000));
      while (sent < due) {
        sent++;
        const p = one().then(() => void pending.delete(p));
        pending.add(p);
      }
      if (sent < total) setTimeout(tick, 1);
      else
        void Promise.all([...pending]).then(() => {
          agent.destroy();
          resolve(records.sort((a, b) => a.sentMs - b.sentMs));
        });
    };
    tick();
  });
  return { done };
}

export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
