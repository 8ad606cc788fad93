/**
 * The console plugin's options, checked once: every problem reported together in one
 * SLB_CONFIG_INVALID, defaults in DEFAULT_* constants, the result frozen.
 */
import { SlbError, type EventBus } from '@slb/core';
import { DEFAULT_LIMITS } from './console-model.js';

export interface ConsoleOptions {
  readonly bus: EventBus;
  /**
   * Consumer group of the console's subscription. Must be unique per process: every console
   * needs every partition, and members of one group would share them out.
   */
  readonly groupId: string;
  /** Points kept per instance history series (default 120 windows). */
  readonly historyWindows?: number;
  readonly recentDecisions?: number;
  readonly recentAlerts?: number;
  readonly recentAudit?: number;
  /** Clock (ms since epoch), injected for tests. */
  readonly now?: () => number;
  /** Changes are coalesced this long before a delta goes out (a window's burst becomes one). */
  readonly flushDelayMs?: number;
  /** SSE comment sent this often so idle proxies and load balancers keep the stream open. */
  readonly heartbeatMs?: number;
  /** Concurrent SSE streams served; more are answered 503. */
  readonly maxClients?: number;
  /** A client whose unsent output exceeds this is disconnected (it reconnects to a fresh snapshot). */
  readonly maxClientBufferBytes?: number;
}

export const DEFAULT_FLUSH_DELAY_MS = 200;
export const DEFAULT_HEARTBEAT_MS = 15_000;
export const DEFAULT_MAX_CLIENTS = 100;
export const DEFAULT_MAX_CLIENT_BUFFER_BYTES = 4 * 1024 * 1024;

export interface ResolvedConsoleOptions {
  readonly bus: EventBus;
  readonly groupId: string;
  readonly historyWindows: number;
  readonly recentDecisions: number;
  readonly recentAlerts: number;
  readonly recentAudit: number;
  readonly now: () => number;
  readonly flushDelayMs: number;
  readonly heartbeatMs: number;
  readonly maxClients: number;
  readonly maxClientBufferBytes: number;
}

export function resolveConsoleOptions(raw: ConsoleOptions): ResolvedConsoleOptions {
  const problems: string[] = [];
  const bus = raw.bus as Partial<EventBus> | undefined;
  if (bus === undefined || bus === null || typeof bus.subscribe !== 'function' || typeof bus.watchLatest !== 'function') {
    problems.push('bus: must be an EventBus (subscribe and watchLatest)');
  }
  if (typeof raw.groupId !== 'string' || raw.groupId.trim() === '') problems.push('groupId: must be a non-empty string');
  if (raw.now !== undefined && typeof raw.now !== 'function') problems.push('now: must be a function returning ms since epoch');
  const int = (field: keyof ConsoleOptions, fallback: number, min: number, max: number): number => {
    const value = raw[field];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      problems.push(`${field}: must be an integer in [${min}, ${max}], got ${JSON.stringify(value)}`);
      return fallback;
    }
    return value;
  };
  const resolved: ResolvedConsoleOptions = {
    bus: raw.bus,
    groupId: raw.groupId,
    historyWindows: int('historyWindows', DEFAULT_LIMITS.historyWindows, 2, 10_000),
    recentDecisions: int('recentDecisions', DEFAULT_LIMITS.recentDecisions, 1, 10_000),
    recentAlerts: int('recentAlerts', DEFAULT_LIMITS.recentAlerts, 1, 10_000),
    recentAudit: int('recentAudit', DEFAULT_LIMITS.recentAudit, 1, 10_000),
    now: raw.now ?? Date.now,
    flushDelayMs: int('flushDelayMs', DEFAULT_FLUSH_DELAY_MS, 0, 60_000),
    heartbeatMs: int('heartbeatMs', DEFAULT_HEARTBEAT_MS, 100, 3_600_000),
    maxClients: int('maxClients', DEFAULT_MAX_CLIENTS, 1, 100_000),
    maxClientBufferBytes: int('maxClientBufferBytes', DEFAULT_MAX_CLIENT_BUFFER_BYTES, 1024, 1024 * 1024 * 1024),
  };
  if (problems.length > 0) {
    throw new SlbError('SLB_CONFIG_INVALID', `invalid console options: ${problems.join('; ')}`, { details: { problems } });
  }
  return Object.freeze(resolved);
}
