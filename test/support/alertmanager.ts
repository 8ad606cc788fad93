/**
 * A real Alertmanager (Debian's prometheus-alertmanager) on a free port with its own storage
 * directory, and an HTTP sink that records what webhooks post to it. For the alert-router's
 * integration tests; awaited by log lines and received requests, never by sleeping.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, start } from '../deployment/processes.js';
import { requireTool } from '../deployment/tools.js';

export interface RunningAlertmanager {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts Alertmanager with `config` (YAML text); resolves once it listens. The free port is
 * found before Alertmanager binds it, so another process may take it in between: a start that
 * fails is tried again on a new port (three times in all) before the error is reported.
 */
export async function startAlertmanager(config: string): Promise<RunningAlertmanager> {
  requireTool('prometheus-alertmanager');
  const scratch = mkdtempSync(path.join(tmpdir(), 'slb-am-'));
  writeFileSync(path.join(scratch, 'alertmanager.yml'), config);
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    const process = start('prometheus-alertmanager', [
      `--config.file=${path.join(scratch, 'alertmanager.yml')}`,
      `--storage.path=${scratch}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=', // a single instance: no gossip port
    ]);
    try {
      await process.waitForLine((l) => l.includes('msg="Listening on"'), 'listening line');
    } catch (error) {
      await process.stop();
      if (attempt < 3) continue;
      rmSync(scratch, { recursive: true, force: true });
      throw error;
    }
    return {
      url: `http://127.0.0.1:${port}`,
      async stop() {
        await process.stop();
        rmSync(scratch, { recursive: true, force: true });
      },
    };
  }
}

export interface SinkRequest {
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: unknown;
  /** The status the sink answered with. */
  readonly status: number;
}

export interface HttpSink {
  readonly url: string;
  readonly requests: SinkRequest[];
  /** The status for the n-th (0-based) request to `path`; default 200. */
  respond(answer: (path: string, n: number) => number): void;
  /** Resolves with the first request (already received or still to come) that matches. */
  waitFor(match: (r: SinkRequest) => boolean, what: string, timeoutMs?: number): Promise<SinkRequest>;
  close(): Promise<void>;
}

export async function startHttpSink(): Promise<HttpSink> {
  const requests: SinkRequest[] = [];
  const counts = new Map<string, number>();
  const waiters: { match: (r: SinkRequest) => boolean; resolve: (r: SinkRequest) => void }[] = [];
  let answer: (path: string, n: number) => number = () => 200;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const p = new URL(req.url ?? '/', 'http://sink').pathname;
      const n = counts.get(p) ?? 0;
      counts.set(p, n + 1);
      const status = answer(p, n);
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = Buffer.concat(chunks).toString('utf8');
      }
      const entry: SinkRequest = { path: p, headers: req.headers, body, status };
      requests.push(entry);
      res.writeHead(status).end();
      for (const w of [...waiters]) {
        if (w.match(entry)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(entry);
        }
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    respond(fn) {
      answer = fn;
    },
    waitFor(match, what, timeoutMs = 30_000) {
      const seen = requests.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = {
          match,
          resolve: (r: SinkRequest) => {
            clearTimeout(timer);
            resolve(r);
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`sink: no ${what} within ${timeoutMs} ms; received:\n${requests.map((r) => `${r.path} ${r.status} ${JSON.stringify(r.body)}`).join('\n')}`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * An Alertmanager config with one webhook receiver (resolved notifications on) and every alert
 * its own group, flushed after 1 s, so a test sees each firing and resolved quickly.
 */
export function webhookAlertmanagerConfig(webhookUrl: string): string {
  return `
route:
  receiver: sink
  group_by: ['...']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: sink
    webhook_configs:
      - url: ${webhookUrl}
        send_resolved: true
`;
}
