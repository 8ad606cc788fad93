/**
 * A demo upstream instance: answers every request with who it is, after an optional added
 * latency and with an optional error rate. Both knobs change while it runs, so a failure can be
 * injected live from the console, curl or a test:
 *   curl -X POST 'http://127.0.0.1:<port>/_demo/knobs?latencyMs=200&errorRate=0.5'
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DemoKnobs {
  latencyMs: number;
  errorRate: number;
}

export interface DemoUpstream {
  readonly name: string;
  readonly knobs: Readonly<DemoKnobs>;
  /** host:port once listening. */
  readonly address: string;
  setKnobs(next: Partial<DemoKnobs>): void;
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

/** Checks knob values; returns the problems (empty when valid). */
export function knobProblems(next: Partial<Record<keyof DemoKnobs, number>>): string[] {
  const problems: string[] = [];
  if (next.latencyMs !== undefined && !(Number.isFinite(next.latencyMs) && next.latencyMs >= 0)) problems.push('latencyMs must be a number >= 0');
  if (next.errorRate !== undefined && !(Number.isFinite(next.errorRate) && next.errorRate >= 0 && next.errorRate <= 1)) problems.push('errorRate must be a number in [0, 1]');
  return problems;
}

export function createDemoUpstream(name: string, initial: Partial<DemoKnobs> = {}, random: () => number = Math.random): DemoUpstream {
  const knobs: DemoKnobs = { latencyMs: initial.latencyMs ?? 0, errorRate: initial.errorRate ?? 0 };
  let address = '';
  const send = (res: import('node:http').ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json', 'x-demo-instance': name });
    res.end(JSON.stringify(body));
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://demo');
    if (url.pathname === '/healthz') return send(res, 200, { instance: name, status: 'ok' });
    if (url.pathname === '/_demo/knobs') {
      if (req.method !== 'POST') return send(res, 200, { instance: name, knobs });
      const next: Partial<DemoKnobs> = {};
      for (const key of ['latencyMs', 'errorRate'] as const) {
        const raw = url.searchParams.get(key);
        if (raw !== null) next[key] = Number(raw);
      }
      const problems = knobProblems(next);
      if (problems.length > 0) return send(res, 400, { instance: name, code: 'SLB_DEMO_KNOB_INVALID', message: problems.join('; ') });
      Object.assign(knobs, next);
      return send(res, 200, { instance: name, knobs });
    }
    req.resume();
    const answer = (): void => {
      if (random() < knobs.errorRate) return send(res, 503, { instance: name, error: 'injected failure' });
      send(res, 200, { instance: name, method: req.method, path: url.pathname });
    };
    if (knobs.latencyMs > 0) setTimeout(answer, knobs.latencyMs);
    else answer();
  });
  return {
    name,
    get knobs() {
      return knobs;
    },
    get address() {
      return address;
    },
    setKnobs(next) {
      const problems = knobProblems(next);
      if (problems.length > 0) throw new RangeError(problems.join('; '));
      Object.assign(knobs, next);
    },
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const a = server.address() as AddressInfo;
          address = `${host}:${a.port}`;
          resolve(address);
        });
      });
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
