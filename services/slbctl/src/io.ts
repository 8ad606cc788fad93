/**
 * What a command talks to: two output streams, the environment, a clock and a stop signal.
 * main.ts wires the process; tests pass their own to run commands in-process.
 */
import type { Env } from './settings.js';

export interface Io {
  /** Text written as given (commands add their own newlines). */
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Env;
  readonly now: () => number;
  /** Aborted on Ctrl-C: long-running commands (tail, push waiting) stop cleanly. */
  readonly signal?: AbortSignal;
}

/** Writes either human text or JSON, never both, so `--json` output is always parseable. */
export class Output {
  constructor(
    private readonly io: Io,
    readonly json: boolean,
  ) {}

  /** A human line (suppressed in --json mode). */
  line(text = ''): void {
    if (!this.json) this.io.stdout(`${text}\n`);
  }

  /** The command's JSON result (only in --json mode). */
  result(value: unknown): void {
    if (this.json) this.io.stdout(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** One JSON object per line (streams: tail). */
  jsonLine(value: unknown): void {
    this.io.stdout(`${JSON.stringify(value)}\n`);
  }

  table(header: readonly string[], rows: readonly (readonly string[])[]): void {
    if (!this.json) this.io.stdout(formatTable(header, rows));
  }

  /** Progress and notes: stderr, so stdout stays clean for pipes. */
  note(text: string): void {
    this.io.stderr(`${text}\n`);
  }
}

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}

export function isoTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms <= 0) return '-';
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
