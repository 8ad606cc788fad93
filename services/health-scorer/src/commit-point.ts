/**
 * Which input offset is safe to commit (docs/health-scorer.md, "Exactly once").
 *
 * The scorer's state is not stored anywhere: it is rebuilt by re-reading the inputs from the
 * committed offsets. So a committed offset must never pass a record the state still needs:
 *
 * - service-metrics: the oldest record merged into a window that is still open. Committing past
 *   it would lose that record's counts if the partition moved before the window closed.
 * - health-status: the oldest verdict that can still count for a window not yet emitted, i.e.
 *   one at most `maxAgeMs` older than the watermark (verdicts are state, not window content).
 *
 * With nothing held, the commit point is the next offset to read. Pure: offsets in, offset out.
 */

export type InputKind = 'metrics' | 'status';

export class CommitPoint {
  private readonly next: Record<InputKind, number | null> = { metrics: null, status: null };
  /** windowStart -> smallest offset merged into that (open) window. */
  private readonly openWindows = new Map<number, number>();
  /** Verdicts in offset order (arrival order within one partition). */
  private readonly verdicts: { atMs: number; offset: number }[] = [];
  private verdictHead = 0;

  /** The offset a rebuilt state starts reading from (the committed one). */
  restore(kind: InputKind, committedOffset: number): void {
    this.next[kind] = committedOffset;
  }

  /** Every consumed record, whatever happened to it. */
  consumed(kind: InputKind, offset: number): void {
    const n = this.next[kind];
    if (n === null || offset + 1 > n) this.next[kind] = offset + 1;
  }

  /** A service-metrics record merged into the window starting at `windowStartMs`. */
  holdWindow(windowStartMs: number, offset: number): void {
    const held = this.openWindows.get(windowStartMs);
    if (held === undefined || offset < held) this.openWindows.set(windowStartMs, offset);
  }

  /** A health-status verdict the aggregator accepted. */
  holdVerdict(atMs: number, offset: number): void {
    this.verdicts.push({ atMs, offset });
  }

  /** After the watermark moved: windows ending at or before it are emitted, old verdicts no longer count. */
  release(watermarkMs: number, windowSizeMs: number, verdictMaxAgeMs: number): void {
    for (const start of this.openWindows.keys()) if (start + windowSizeMs <= watermarkMs) this.openWindows.delete(start);
    const cutoff = watermarkMs - verdictMaxAgeMs;
    while (this.verdictHead < this.verdicts.length && this.verdicts[this.verdictHead]!.atMs < cutoff) this.verdictHead += 1;
    if (this.verdictHead > 1024 && this.verdictHead * 2 > this.verdicts.length) {
      this.verdicts.splice(0, this.verdictHead);
      this.verdictHead = 0;
    }
  }

  /** The offset to commit for `kind`, or null when nothing was ever read or restored. */
  offset(kind: InputKind): number | null {
    if (kind === 'metrics') {
      let min: number | null = null;
      for (const o of this.openWindows.values()) if (min === null || o < min) min = o;
      return min ?? this.next.metrics;
    }
    return this.verdicts[this.verdictHead]?.offset ?? this.next.status;
  }

  /** The next offset to read for `kind` (what the commit metadata records as `n`). */
  position(kind: InputKind): number | null {
    return this.next[kind];
  }
}

/**
 * Stored with each committed offset (Kafka offset-commit metadata, written in the same
 * transaction): the watermark up to which windows were emitted, and the read position at that
 * moment. A new owner resumes its watermark from `w` (so emitted windows are never emitted
 * again) and knows every record below `n` was already handled once (so it is not counted
 * late or dead-lettered a second time).
 */
export interface CommitMetadata {
  readonly w: number;
  readonly n: number;
}

export function encodeCommitMetadata(m: CommitMetadata): string {
  return JSON.stringify({ v: 1, w: m.w, n: m.n });
}

/** null for missing or foreign metadata (another tool committed): then nothing is resumed. */
export function decodeCommitMetadata(text: string | null | undefined): CommitMetadata | null {
  if (text === null || text === undefined || text === '') return null;
  try {
    const parsed = JSON.parse(text) as { v?: unknown; w?: unknown; n?: unknown };
    if (parsed.v === 1 && typeof parsed.w === 'number' && Number.isFinite(parsed.w) && Number.isInteger(parsed.n) && (parsed.n as number) >= 0) {
      return { w: parsed.w, n: parsed.n as number };
    }
  } catch {
    // not ours
  }
  return null;
}
