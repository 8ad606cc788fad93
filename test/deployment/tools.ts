/**
 * Runs the real operator tools (docker-compose, promtool, amtool) on the files in deployment/.
 * A missing tool fails the test with what to install: CI installs them, and a check that
 * silently skips would let a broken file through.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** The Debian package each tool comes from, for the error message. */
const PACKAGES: Record<string, string> = {
  'docker-compose': 'docker-compose',
  promtool: 'prometheus',
  prometheus: 'prometheus',
  amtool: 'prometheus-alertmanager',
  alertmanager: 'prometheus-alertmanager',
};

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Throws a one-line, actionable error when `tool` is not on PATH. */
export function requireTool(tool: string): void {
  const probe = spawnSync(tool, ['--version'], { encoding: 'utf8' });
  if (probe.error && (probe.error as NodeJS.ErrnoException).code === 'ENOENT') {
    const pkg = PACKAGES[tool] ?? tool;
    throw new Error(`${tool} is not installed: run \`apt-get install ${pkg}\` (.ci/run installs it in CI)`);
  }
}

export function run(tool: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): RunResult {
  requireTool(tool);
  const result = spawnSync(tool, args, {
    cwd: options.cwd ?? repoRoot,
    env: options.env ?? process.env,
    encoding: 'utf8',
    timeout: 30_000,
    ...(options.input === undefined ? {} : { input: options.input }),
  });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Formats a failed run so the assertion message shows what the tool said. */
export function describeRun(result: RunResult): string {
  return `exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}
