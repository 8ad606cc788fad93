/**
 * Running one of the project's executables as a child process through tsx (the real thing:
 * exit codes, stdout, stderr), and the check every executable's error path shares.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Runs `main` (a .ts file) with `args` from the repository root; only PATH, HOME and `env` are set. */
export function spawnTsx(main: string, args: readonly string[], options: { env?: Record<string, string>; onSpawn?: (child: ChildProcess) => void } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    options.onSpawn?.(child);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Exit `code`, exactly one stderr line `<program>: ...` matching `text`, nothing on stdout. */
export function expectOneLineError(r: CliResult, program: string, code: number, text: string | RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]!.startsWith(`${program}: `), lines[0]).toBe(true);
  expect(lines[0]).toMatch(text);
  expect(r.stdout).toBe('');
}
