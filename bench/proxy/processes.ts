/**
 * Process plumbing for the benchmarks: start programs pinned to CPUs (taskset exec's the
 * program, so the pid we hold is the program's own and /proc/<pid>/status is its memory),
 * wait until they answer, sample their RSS, stop them.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { request } from 'node:http';
import { promisify } from 'node:util';
import { once } from 'node:events';

const execFileP = promisify(execFile);

/** Every child this harness started and that still runs (killed on Ctrl-C). */
const live = new Set<ChildProcess>();

/** On SIGINT/SIGTERM: SIGKILL every child we started (by its own pid), then exit. */
export function killChildrenOnSignal(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const c of live) c.kill('SIGKILL');
      process.exit(130);
    });
  }
}

export interface Started {
  readonly name: string;
  readonly child: ChildProcess;
  /** stdout + stderr, last 64 KiB, for "why did it not start" messages. */
  output(): string;
}

/** Spawns `cmd args` under `taskset -c cpus` (no pinning when cpus is empty). */
export function spawnPinned(name: string, cpus: string, cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Started {
  const [file, argv] = cpus === '' ? [cmd, [...args]] : ['taskset', ['-c', cpus, cmd, ...args]];
  const child = spawn(file, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString('utf8')).slice(-65_536);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { name, child, output: () => out };
}

/** Resolves once the process has exited (at once when it already has). */
export async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await once(child, 'exit');
}

/** SIGTERM, then SIGKILL after `graceMs`; only ever the process we started. */
export async function stopProcess(child: ChildProcess, graceMs = 3_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited(child);
  clearTimeout(timer);
}

/** A free loopback port (bound and released; the small race is acceptable for a benchmark). */
export async function freePort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address() as { port: number };
  s.close();
  await once(s, 'close');
  return port;
}

export async function freePorts(n: number): Promise<number[]> {
  const out: number[] = [];
  while (out.length < n) {
    const p = await freePort();
    if (!out.includes(p)) out.push(p);
  }
  return out;
}

export interface HttpResult {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

export function httpGet(url: string, timeoutMs = 2_000, headers: Record<string, string> = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers: { connection: 'close', ...headers }, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Polls `url` until it answers `wantStatus`, the process dies, or the deadline passes. Polling
 * is the only signal an external program gives that it is ready.
 */
export async function waitForHttp(started: Started, url: string, timeoutMs = 15_000, wantStatus = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  for (;;) {
    const { child } = started;
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${started.name} exited (${child.exitCode ?? child.signalCode}) before it answered: ${tail(started.output(), 4_000)}`);
    }
    try {
      const r = await httpGet(url, 1_000);
      if (r.status === wantStatus) return;
      last = `status ${r.status}: ${r.body.slice(0, 200)}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`${started.name} not ready after ${timeoutMs} ms (${last}): ${tail(started.output(), 4_000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until a TCP port accepts connections (for listeners that are not HTTP yet). */
export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`port ${port} not accepting after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function tail(text: string, n = 600): string {
  const t = text.trim();
  return t.length <= n ? t : `…${t.slice(-n)}`;
}

/** kB values of VmRSS and VmHWM from /proc/<pid>/status; undefined once the process is gone. */
export function readMemory(pid: number): { rssKb: number; hwmKb: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /^VmRSS:\s+(\d+) kB/m.exec(text);
    const hwm = /^VmHWM:\s+(\d+) kB/m.exec(text);
    if (rss === null || hwm === null) return undefined;
    return { rssKb: Number(rss[1]), hwmKb: Number(hwm[1]) };
  } catch {
    return undefined;
  }
}

/** Samples a process's RSS every `everyMs` while running; reports the max seen and the HWM. */
export class RssSampler {
  private maxRssKb = 0;
  private hwmKb = 0;
  private readonly timer: NodeJS.Timeout;
  constructor(
    private readonly pid: number,
    everyMs = 250,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }
  private sample(): void {
    const m = readMemory(this.pid);
    if (m === undefined) return;
    this.maxRssKb = Math.max(this.maxRssKb, m.rssKb);
    this.hwmKb = Math.max(this.hwmKb, m.hwmKb);
  }
  stop(): { maxRssMb: number; hwmMb: number } {
    this.sample();
    clearInterval(this.timer);
    return { maxRssMb: round(this.maxRssKb / 1024, 1), hwmMb: round(this.hwmKb / 1024, 1) };
  }
}

export function round(v: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** First line of `cmd args` output (stdout or stderr), for tool versions in the results. */
export async function versionOf(cmd: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout, stderr } = await execFileP(cmd, [...args]);
    return (stdout.trim() || stderr.trim()).split('\n')[0] ?? '';
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return ((e.stdout ?? '').trim() || (e.stderr ?? '').trim() || e.message).split('\n')[0] ?? '';
  }
}

/** Pins this process (the orchestrator) to `cpus`, so it stays off the proxy's core. */
export async function pinSelf(cpus: string): Promise<void> {
  if (cpus === '') return;
  await execFileP('taskset', ['-a', '-p', '-c', cpus, String(process.pid)]);
}
