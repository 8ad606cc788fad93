/** Runs wrk (`--latency`) and parses its report. */
import { execFile } from 'node:child_process';

export interface WrkResult {
  readonly requests: number;
  readonly requestsPerSec: number;
  readonly p50Ms: number | null;
  readonly p75Ms: number | null;
  readonly p90Ms: number | null;
  readonly p99Ms: number | null;
  readonly non2xx3xx: number;
  readonly socketErrors: { connect: number; read: number; write: number; timeout: number };
  /** non-2xx/3xx responses plus every socket error. */
  readonly errors: number;
}

export interface WrkOptions {
  readonly url: string;
  readonly threads: number;
  readonly connections: number;
  readonly durationSec: number;
  /** taskset CPU list for wrk; '' = unpinned. */
  readonly cpus: string;
  /** A wrk Lua script (`-s`), e.g. postScript's. */
  readonly script?: string;
  readonly timeoutSec?: number;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1_000, m: 60_000 };

function toMs(value: string, unit: string): number {
  return Number(value) * (UNIT_MS[unit] ?? Number.NaN);
}

/** Parses wrk's text report (wrk 4.x with --latency). */
export function parseWrkOutput(text: string): WrkResult {
  const pct = (p: string): number | null => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(text);
    return m === null ? null : toMs(m[1]!, m[2]!);
  };
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(text);
  const total = /^\s*(\d+) requests in /m.exec(text);
  if (rps === null || total === null) throw new Error(`unexpected wrk output: ${text.slice(0, 400)}`);
  const non = /Non-2xx or 3xx responses:\s+(\d+)/.exec(text);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const socketErrors = {
    connect: Number(sock?.[1] ?? 0),
    read: Number(sock?.[2] ?? 0),
    write: Number(sock?.[3] ?? 0),
    timeout: Number(sock?.[4] ?? 0),
  };
  const non2xx3xx = Number(non?.[1] ?? 0);
  return {
    requests: Number(total[1]),
    requestsPerSec: Number(rps[1]),
    p50Ms: pct('50'),
    p75Ms: pct('75'),
    p90Ms: pct('90'),
    p99Ms: pct('99'),
    non2xx3xx,
    socketErrors,
    errors: non2xx3xx + socketErrors.connect + socketErrors.read + socketErrors.write + socketErrors.timeout,
  };
}

export function wrkArgs(o: WrkOptions): string[] {
  const script = o.script === undefined ? [] : ['-s', o.script];
  const wrk = ['wrk', `-t${o.threads}`, `-c${o.connections}`, `-d${o.durationSec}s`, `--timeout`, `${o.timeoutSec ?? 5}s`, '--latency', ...script, o.url];
  return o.cpus === '' ? wrk : ['taskset', '-c', o.cpus, ...wrk];
}

/** A wrk script making every request a POST with a `bytes`-byte body (Content-Length framed). */
export function postScript(bytes: number): string {
  return `wrk.method = "POST"\nwrk.body = string.rep("x", ${bytes})\nwrk.headers["Content-Type"] = "application/octet-stream"\n`;
}

export function runWrk(o: WrkOptions): Promise<{ result: WrkResult; raw: string; command: string }> {
  const [file, ...args] = wrkArgs(o);
  return new Promise((resolve, reject) => {
    execFile(file!, args, { timeout: (o.durationSec + 30) * 1_000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err !== null) return reject(new Error(`wrk failed: ${err.message} ${stderr}`));
      try {
        resolve({ result: parseWrkOutput(stdout), raw: stdout, command: [file, ...args].join(' ') });
      } catch (e) {
        reject(e as Error);
      }
    });
  });
}
