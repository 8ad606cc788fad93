/**
 * Publishing a config and watching it land: the update goes to config-updates (signed when a
 * key is given), the change is recorded on audit-logs (that is what keeps history past
 * compaction), and config-status is watched until every live proxy applied exactly the version,
 * one rejected it or dropped it (it runs a newer version, or ran this version number before the
 * push), or --timeout passed.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { eventToJson, signConfigUpdate, SlbError, type ConfigStatus, type ConfigUpdate } from '@slb/core';
import { convergence, type Verdict } from './convergence.js';
import { formatDuration } from './duration.js';
import type { Io } from './io.js';
import { withTimeout, type Session } from './session.js';

export interface PushRequest {
  readonly update: ConfigUpdate;
  readonly previous: ConfigUpdate | undefined;
  readonly action: 'config.push' | 'config.rollback';
  readonly reason: string;
  readonly signKeyFile: string | undefined;
  readonly wait: boolean;
  readonly liveWindowMs: number;
  readonly minProxies: number;
}

export interface PushResult {
  readonly serviceId: string;
  readonly version: number;
  readonly previousVersion: number | null;
  readonly signed: boolean;
  readonly pushedAtMs: number;
  /** From the broker's ack of the update to the status showing the last live proxy applied it. */
  readonly convergenceMs: number | null;
  readonly verdict: Verdict | null;
  /** When slbctl saw each proxy report the version applied, ms after the push. */
  readonly appliedAfterMs: Readonly<Record<string, number>>;
  /** The wait was cut short (Ctrl-C). */
  readonly interrupted: boolean;
}

export async function loadSigningKey(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new SlbError('SLB_CLI_USAGE', `--sign-key: cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
}

export function sign(update: ConfigUpdate, key: string, path: string): ConfigUpdate {
  try {
    return signConfigUpdate(update, key);
  } catch (error) {
    throw new SlbError('SLB_CLI_USAGE', `--sign-key: ${path} is not an Ed25519 private key (PEM or base64 of 32 raw bytes): ${(error as Error).message}`, { cause: error });
  }
}

export async function pushConfig(session: Session, io: Io, request: PushRequest): Promise<PushResult> {
  const { settings } = session;
  let update = request.update;
  if (request.signKeyFile !== undefined) update = sign(update, await loadSigningKey(request.signKeyFile), request.signKeyFile);
  const target = { serviceId: update.serviceId, version: update.version };

  // Watch statuses from before the push so no report is missed.
  let statuses: ConfigStatus[] = [];
  let wake: () => void = () => undefined;
  const appliedAfterMs: Record<string, number> = {};
  let pushedAtMs = Number.NaN;
  // Proxies already at this version or newer before the push cannot have applied it; proxies
  // seen reporting exactly this version once the push left did (even if superseded since).
  const alreadyAt = new Set<string>();
  const seenApplied = new Set<string>();
  let publishing = false;
  const view = request.wait
    ? await session.bus.watchLatest('config-status', (_key, s) => {
        if (publishing && s.appliedVersions[target.serviceId] === target.version && !alreadyAt.has(s.proxyId)) {
          seenApplied.add(s.proxyId);
          if (!Number.isNaN(pushedAtMs)) appliedAfterMs[s.proxyId] ??= io.now() - pushedAtMs;
        }
        wake();
      })
    : undefined;
  try {
    if (view !== undefined) {
      await withTimeout(view.caughtUp, settings.timeoutMs, 'reading config-status');
      for (const s of view.entries().values()) if ((s.appliedVersions[target.serviceId] ?? -1) >= target.version) alreadyAt.add(s.proxyId);
    }
    publishing = true;
    await session.bus.publish('config-updates', update.serviceId, update);
    pushedAtMs = io.now();
    await session.bus.publish('audit-logs', update.serviceId, {
      auditId: randomUUID(),
      atMs: pushedAtMs,
      actor: update.issuedBy,
      role: 'slbctl',
      action: request.action,
      entityType: 'service',
      entityId: update.serviceId,
      before: request.previous === undefined ? null : JSON.stringify(eventToJson('config-updates', request.previous)),
      after: JSON.stringify(eventToJson('config-updates', update)),
      reason: request.reason,
      evidence: null,
    });
    const base = { ...target, previousVersion: update.previousVersion, signed: update.signature !== null, pushedAtMs };
    if (view === undefined) return { ...base, convergenceMs: null, verdict: null, appliedAfterMs, interrupted: false };

    const goal = { ...target, pushedAtMs, liveWindowMs: request.liveWindowMs, minProxies: request.minProxies, alreadyAt, seenApplied };
    const deadline = pushedAtMs + settings.timeoutMs;
    // Proxies that had applied it before we looked (a fast proxy) count from the push.
    const judge = (): Verdict => {
      statuses = [...view.entries().values()];
      const verdict = convergence(statuses, goal);
      for (const p of verdict.proxies) if (p.state === 'applied') appliedAfterMs[p.proxyId] ??= io.now() - pushedAtMs;
      return verdict;
    };
    let verdict = judge();
    while (verdict.state === 'waiting' && io.now() < deadline && io.signal?.aborted !== true) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - io.now()));
        const stop = () => {
          clearTimeout(timer);
          resolve();
        };
        wake = stop;
        io.signal?.addEventListener('abort', stop, { once: true });
      });
      verdict = judge();
    }
    const applied = verdict.proxies.filter((p) => p.state === 'applied').map((p) => appliedAfterMs[p.proxyId] ?? 0);
    const convergenceMs = verdict.state === 'converged' ? Math.max(0, ...applied) : null;
    return { ...base, convergenceMs, verdict, appliedAfterMs, interrupted: verdict.state === 'waiting' && io.signal?.aborted === true };
  } finally {
    await view?.close();
  }
}

/** Throws the push's failure (rejected, not converged) as an SlbError; returns when it converged. */
export function assertConverged(result: PushResult, timeoutMs: number): void {
  const v = result.verdict;
  if (v === null || v.state === 'converged') return;
  const label = `${result.serviceId}@${result.version}`;
  if (v.state === 'stale') {
    // The fleet runs something else: nothing this push wrote is running. Say what is.
    const dropped = v.proxies.filter((p) => p.state === 'stale');
    const running = Math.max(...dropped.map((p) => p.appliedVersion ?? 0));
    throw new SlbError(
      'SLB_CONFIG_REJECTED',
      `${label} was not applied: the fleet dropped it as stale or a replay and runs ${result.serviceId}@${running} (${dropped.map((p) => `${p.proxyId} ${p.reason ?? ''}`.trim()).join('; ')}); ` +
        `check \`slbctl config history ${result.serviceId}\` and \`slbctl dlq list --topic config-updates\`, then push with version ${running + 1}`,
      { details: { proxies: dropped, runningVersion: running } },
    );
  }
  if (v.state === 'rejected') {
    const r = v.proxies.filter((p) => p.state === 'rejected');
    throw new SlbError('SLB_CONFIG_REJECTED', `${label} was rejected by ${r.map((p) => `${p.proxyId} (${p.errorCode}: ${p.reason})`).join(', ')}`, { details: { proxies: r } });
  }
  const pending = v.proxies.filter((p) => p.state !== 'applied');
  const what = pending.length === 0 ? `fewer live proxies than --min-proxies (${v.proxies.length})` : `${pending.length} of ${v.proxies.length} live proxies: ${pending.map((p) => `${p.proxyId} (at ${p.appliedVersion === null ? 'none' : `v${p.appliedVersion}`})`).join(', ')}`;
  const when = result.interrupted ? 'interrupted before it was applied' : `not applied within ${formatDuration(timeoutMs)}`;
  throw new SlbError('SLB_CONFIG_NOT_CONVERGED', `${label} was pushed but ${when} by ${what}`, { details: { pending } });
}
