/**
 * Running slbctl in tests: in-process through run(argv, io) (fast; output captured), or as a
 * child process through tsx (the real executable: exit codes, one-line errors). Both talk to
 * the shared test broker and registry under a namespace of their own.
 */
import { fileURLToPath } from 'node:url';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { run } from '@slb/slbctl';
import { kafkaNamespace, type KafkaNamespace } from '../bus/kafka-fixture.js';
import { spawnTsx, type CliResult } from '../support/cli.js';

export type { CliResult };

export interface SlbctlNamespace extends KafkaNamespace {
  /** Global flags that point slbctl at this namespace. */
  readonly flags: string[];
  /** slbctl in-process; `signal` stops long-running commands (tail). */
  cli(args: readonly string[], options?: { signal?: AbortSignal; onStderr?: (text: string) => void; now?: () => number }): Promise<CliResult>;
  /** slbctl as a child process (tsx on the sources). */
  spawn(args: readonly string[], env?: Record<string, string>): Promise<CliResult>;
  /** Parsed JSON stdout of a --json command. */
  json<T = Record<string, unknown>>(args: readonly string[]): Promise<T>;
}

const MAIN = fileURLToPath(new URL('../../services/slbctl/src/main.ts', import.meta.url));

export async function runInProcess(args: readonly string[], env: Record<string, string | undefined>, options: { signal?: AbortSignal; onStderr?: (text: string) => void; now?: () => number } = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => {
      stderr += t;
      options.onStderr?.(t);
    },
    env,
    now: options.now ?? Date.now,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  return { code, stdout, stderr };
}

export function spawnCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  return spawnTsx(MAIN, args, { env });
}

export async function slbctlNamespace(label: string): Promise<SlbctlNamespace> {
  const ns = await kafkaNamespace(label);
  const env = { KAFKA_BROKERS: ns.brokers.join(','), SCHEMA_REGISTRY_URL: ns.registryUrl, SLB_TOPIC_PREFIX: ns.prefix, SLBCTL_ACTOR: 'tester' };
  const flags = ['--topic-prefix', ns.prefix, '--timeout', '20s'];
  const cli: SlbctlNamespace['cli'] = (args, options) => runInProcess([...flags, ...args], env, options);
  return {
    ...ns,
    flags,
    cli,
    spawn: (args, extra = {}) => spawnCli([...flags, ...args], { ...env, ...extra }),
    async json<T>(args: readonly string[]): Promise<T> {
      const r = await cli(['--json', ...args]);
      if (r.code !== 0) throw new Error(`slbctl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
      return JSON.parse(r.stdout) as T;
    },
  };
}

/** A service config file (YAML) in a fresh temp dir; returns its path. */
export async function configFile(content: Record<string, unknown>, name = 'service.yaml'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slbctl-'));
  const path = join(dir, name);
  await writeFile(path, name.endsWith('.json') ? JSON.stringify(content) : stringify(content));
  return path;
}

export function serviceConfig(serviceId: string, instances: readonly { id: string; address: string; weight?: number }[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { serviceId, routes: [{ pathPrefix: `/${serviceId}` }], instances: instances.map((i) => ({ weight: 1, ...i })), ...extra };
}
