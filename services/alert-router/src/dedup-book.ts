/**
 * Dedup per receiver: an event whose dedupKey was last delivered to that receiver in the same
 * state (FIRING again, RESOLVED again) is not sent again; a change of state is (FIRING after
 * RESOLVED is a new page). Kept per receiver so that when one receiver failed and the event is
 * replayed (dead-letters), only the receivers that missed it get it.
 *
 * Pure and bounded: time is a parameter; resolved entries are forgotten after `resolvedTtlMs`
 * and the oldest entries beyond `maxEntries` are dropped (a forgotten key is simply sent again).
 */
import type { Alert } from '@slb/core';

export interface DedupOptions {
  /** How long a RESOLVED key is remembered, to absorb replays of its resolve (default 1 h). */
  readonly resolvedTtlMs?: number;
  /** Upper bound of remembered (receiver, dedupKey) pairs (default 50,000). */
  readonly maxEntries?: number;
}

export const DEFAULT_RESOLVED_TTL_MS = 60 * 60_000;
export const DEFAULT_MAX_DEDUP_ENTRIES = 50_000;

export interface DeliveredEntry {
  readonly receiver: string;
  /** The latest event of this key (a duplicate FIRING still refreshes its annotations). */
  readonly alert: Alert;
  readonly atMs: number;
}

export class DedupBook {
  private readonly resolvedTtlMs: number;
  private readonly maxEntries: number;
  // Insertion order is delivery order (entries are re-inserted on update): the oldest go first.
  private readonly entries = new Map<string, DeliveredEntry>();

  constructor(options: DedupOptions = {}) {
    this.resolvedTtlMs = options.resolvedTtlMs ?? DEFAULT_RESOLVED_TTL_MS;
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_DEDUP_ENTRIES;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * True when `alert` was already delivered to `receiver` in this state. A duplicate FIRING
   * replaces the remembered event, so periodic re-posts carry its newest annotations.
   */
  isDuplicate(receiver: string, alert: Alert): boolean {
    const k = entryKey(receiver, alert.dedupKey);
    const entry = this.entries.get(k);
    if (entry === undefined || entry.alert.state !== alert.state) return false;
    if (alert.state === 'FIRING') this.entries.set(k, { ...entry, alert });
    return true;
  }

  delivered(receiver: string, alert: Alert, nowMs: number): void {
    const k = entryKey(receiver, alert.dedupKey);
    this.entries.delete(k);
    this.entries.set(k, { receiver, alert, atMs: nowMs });
    // Only the cheap bound here; the TTL sweep is prune(), run on the router's refresh tick.
    this.trim();
  }

  /** Forget a key for a receiver (its next event of either state is sent). */
  forget(receiver: string, dedupKey: string): void {
    this.entries.delete(entryKey(receiver, dedupKey));
  }

  /** The alerts last delivered as FIRING to `receiver` (what Alertmanager must keep seeing). */
  firing(receiver: string): Alert[] {
    const out: Alert[] = [];
    for (const entry of this.entries.values()) if (entry.receiver === receiver && entry.alert.state === 'FIRING') out.push(entry.alert);
    return out;
  }

  prune(nowMs: number): void {
    for (const [k, entry] of this.entries) {
      if (entry.alert.state === 'RESOLVED' && nowMs - entry.atMs >= this.resolvedTtlMs) this.entries.delete(k);
    }
    this.trim();
  }

  private trim(): void {
    const excess = this.entries.size - this.maxEntries;
    if (excess > 0) {
      let n = 0;
      for (const k of this.entries.keys()) {
        if (n++ >= excess) break;
        this.entries.delete(k);
      }
    }
  }
}

function entryKey(receiver: string, dedupKey: string): string {
  // NUL cannot occur in a receiver name, so the pair is unambiguous.
  return `${receiver}\u0000${dedupKey}`;
}
