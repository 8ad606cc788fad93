/**
 * The load generator as a child process (tsx on the sources: the real executable, exit codes
 * and all) and a real node:http target on port 0 that counts what it receives.
 */
import type { ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { spawnTsx, type CliResult } from '../support/cli.js';

export type { CliResult };

const MAIN = fileURLToPath(new URL('../../bench/loadtest/main.ts', import.meta.url));

/** `onSpawn` gets the child process (to signal it). */
export function spawnLoadtest(args: readonly string[], onSpawn?: (child: ChildProcess) => void): Promise<CliResult> {
  return spawnTsx(MAIN, args, onSpawn === undefined ? {} : { onSpawn });
}

export interface CountingServer {
  readonly url: string;
  /** Requests received, by path. */
  readonly received: Map<string, number>;
  /** Resolves at the first request received. */
  readonly firstRequest: Promise<void>;
  total(): number;
  close(): Promise<void>;
}

/** Answers 200 'ok', or 503 for paths starting with /fail. */
export async function startCountingServer(): Promise<CountingServer> {
  const received = new Map<string, number>();
  let first: () => void = () => {};
  const firstRequest = new Promise<void>((resolve) => (first = resolve));
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    first();
    const path = req.url ?? '/';
    received.set(path, (received.get(path) ?? 0) + 1);
    res.statusCode = path.startsWith('/fail') ? 503 : 200;
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    firstRequest,
    total: () => [...received.values()].reduce((a, b) => a + b, 0),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The JSON report's shape, as far as the tests read it. */
export interface JsonCounts {
  requestedRate: number;
  achievedRate: number;
  plannedSeconds: number;
  sent: number;
  responses: number;
  unanswered: number;
  ok2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
}
export interface JsonReport {
  url: string;
  interrupted: boolean;
  phases: Array<JsonCounts & { name: string; kind: string }>;
  total: JsonCounts;
}
