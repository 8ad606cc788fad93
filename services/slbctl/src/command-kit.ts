/**
 * What every command action shares: its settings from the global flags and the environment,
 * its output, and a session opened for the topics it reads or writes (closed afterwards).
 */
import type { Command } from 'commander';
import { PROXY_GONE_AFTER_MS, SlbError, type TopicName } from '@slb/core';
import { parseDuration } from './duration.js';
import { Output, type Io } from './io.js';
import { Session } from './session.js';
import { resolveSettings, type GlobalOptions, type Settings } from './settings.js';

export interface Invocation {
  readonly io: Io;
  readonly settings: Settings;
  readonly out: Output;
  /** The command's own options (global ones included). */
  readonly options: Readonly<Record<string, unknown>>;
}

/** Exit code of an action: nothing returned means success. */
export type ActionResult = number | void;

export function invocation(cmd: Command, io: Io): Invocation {
  const options = cmd.optsWithGlobals<GlobalOptions & Record<string, unknown>>();
  const settings = resolveSettings(options, io.env);
  return { io, settings, out: new Output(io, settings.json), options };
}

export async function withSession<T>(inv: Invocation, topics: readonly TopicName[], fn: (session: Session) => Promise<T>): Promise<T> {
  const session = await Session.open(inv.settings, topics);
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}

/** `--live-within`: a proxy is live while its last config-status is this recent (core's fleet rule, 5m). */
export const DEFAULT_LIVE_WITHIN = `${PROXY_GONE_AFTER_MS / 60_000}m`;

export function durationOption(value: unknown, flag: string): number {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') throw new SlbError('SLB_CLI_USAGE', `${flag} is required`);
  return parseDuration(value, flag);
}

export function intOption(value: unknown, flag: string, min = 0): number {
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new SlbError('SLB_CLI_USAGE', `${flag}: "${String(value)}" is not an integer >= ${min}`);
  return n;
}

/** Commander passes (args..., options, command) to an action; this wraps one with its invocation. */
export type Args = readonly (string | string[] | undefined)[];

export function action(io: Io, fn: (inv: Invocation, args: Args) => Promise<ActionResult>, setExit: (code: number) => void) {
  return async (...params: unknown[]): Promise<void> => {
    const cmd = params[params.length - 1] as Command;
    const code = await fn(invocation(cmd, io), params.slice(0, -2) as Args);
    setExit(code ?? 0);
  };
}
