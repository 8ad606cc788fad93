/**
 * Gentle background traffic through the proxy so the demo's scores, charts and decisions move
 * without anyone running a load tool. Paced (not closed-loop), so a slow instance does not slow
 * the generator; bounded by `close()`.
 */
import { Agent, request } from 'undici';

export interface DemoTrafficOptions {
  /** The proxy's base URL, e.g. http://127.0.0.1:8080 */
  readonly target: string;
  /** Paths to cycle through (one per demo service route). */
  readonly paths: readonly string[];
  readonly requestsPerSecond: number;
}

export interface DemoTraffic {
  readonly stats: Readonly<{ sent: number; ok: number; failed: number }>;
  close(): Promise<void>;
}

export function startDemoTraffic(options: DemoTrafficOptions): DemoTraffic {
  const agent = new Agent({ keepAliveTimeout: 10_000, connections: 16 });
  const stats = { sent: 0, ok: 0, failed: 0 };
  const inFlight = new Set<Promise<void>>();
  let next = 0;
  const fire = (): void => {
    const path = options.paths[next++ % options.paths.length] ?? '/';
    stats.sent += 1;
    const p = request(new URL(path, options.target), { dispatcher: agent, headersTimeout: 10_000, bodyTimeout: 10_000 })
      .then(async (res) => {
        await res.body.dump();
        if (res.statusCode < 500) stats.ok += 1;
        else stats.failed += 1;
      })
      .catch(() => {
        stats.failed += 1;
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  const timer = setInterval(fire, Math.max(1, Math.round(1000 / options.requestsPerSecond)));
  timer.unref();
  return {
    stats,
    async close() {
      clearInterval(timer);
      await Promise.allSettled([...inFlight]);
      await agent.close();
    },
  };
}
