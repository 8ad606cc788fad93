/** Child processes for the deployment tests: started on free ports, awaited by their own log lines. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { repoRoot } from './tools.js';

export interface Started {
  readonly child: ChildProcess;
  /** Every line the process printed so far (stdout and stderr). */
  readonly lines: string[];
  /** Resolves with the first line (already printed or still to come) that matches. */
  waitForLine(match: (line: string) => boolean, what: string, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

export function start(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Started {
  const child = spawn(command, args, { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters: { match: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  const onLine = (line: string) => {
    lines.push(line);
    for (const waiter of [...waiters]) {
      if (waiter.match(line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  };
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', onLine);
  const exited = once(child, 'exit');

  return {
    child,
    lines,
    waitForLine(match, what, timeoutMs = 20_000) {
      const seen = lines.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${command}: no ${what} within ${timeoutMs} ms; output:\n${lines.join('\n')}`)), timeoutMs);
        waiters.push({ match, resolve: (line) => { clearTimeout(timer); resolve(line); } });
        void exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`${command} exited (${child.exitCode}) before ${what}; output:\n${lines.join('\n')}`));
        });
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A free TCP port on loopback, for programs that cannot be told to pick one themselves. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** Starts one of deployment/docker/*.mjs on a free port and returns it with that port. */
export async function startScript(script: string, env: NodeJS.ProcessEnv = {}): Promise<Started & { port: number }> {
  const started = start(process.execPath, [`deployment/docker/${script}`], { PORT: '0', ...env });
  const line = await started.waitForLine((l) => l.includes('listening'), 'listening line');
  const { port } = JSON.parse(line) as { port: number };
  return Object.assign(started, { port });
}

/** The demo upstream the compose file runs (built services/standalone), on a free port. */
export async function startDemoUpstream(env: NodeJS.ProcessEnv = {}): Promise<Started & { port: number }> {
  const started = start(process.execPath, ['services/standalone/dist/demo/demo-upstream-main.js'], { PORT: '0', HOST: '127.0.0.1', ...env });
  const line = await started.waitForLine((l) => l.includes('listening'), 'listening line');
  const { port } = JSON.parse(line) as { port: number };
  return Object.assign(started, { port });
}
