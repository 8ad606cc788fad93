/**
 * Last-known-good state on disk (rule 2, docs/architecture.md): the applied config of every service and
 * the latest routing decisions, written atomically (temp file + rename, so a crash leaves
 * either the old or the new file, never half of one) after every change, and read at boot.
 * Writes are serialized and coalesced: a burst of changes costs one write.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SlbError, type ConfigUpdate, type RoutingDecision } from '@slb/core';

export interface Snapshot {
  readonly savedAtMs: number;
  readonly configs: readonly unknown[];
  readonly decisions: readonly unknown[];
}

export const SNAPSHOT_FILE = 'proxy-snapshot.json';

/** JSON with Buffers as base64 (the ConfigUpdate plain-JSON convention for `signature`). */
function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v !== null && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
      return Buffer.from((v as { data: number[] }).data).toString('base64');
    }
    return v;
  }, 2);
}

export class SnapshotStore {
  private pending: Snapshot | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly dir: string) {}

  get file(): string {
    return join(this.dir, SNAPSHOT_FILE);
  }

  /** Undefined when there is no snapshot; throws SLB_SNAPSHOT_UNREADABLE when it is corrupt. */
  async load(): Promise<Snapshot | undefined> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new SlbError('SLB_SNAPSHOT_UNREADABLE', `cannot read ${this.file}: ${(err as Error).message}`, { cause: err });
    }
    try {
      const doc = JSON.parse(text) as Snapshot;
      if (!Array.isArray(doc.configs) || !Array.isArray(doc.decisions)) throw new Error('configs and decisions must be arrays');
      return doc;
    } catch (err) {
      throw new SlbError('SLB_SNAPSHOT_UNREADABLE', `cannot parse ${this.file}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Schedules a write of this state; resolves when it (or a later one) is on disk. */
  save(configs: readonly ConfigUpdate[], decisions: readonly RoutingDecision[], nowMs: number): Promise<void> {
    const first = this.pending === undefined;
    this.pending = { savedAtMs: nowMs, configs, decisions };
    if (first) {
      this.writing = this.writing.then(async () => {
        const snap = this.pending;
        this.pending = undefined;
        if (snap === undefined) return;
        await mkdir(this.dir, { recursive: true });
        const tmp = `${this.file}.${process.pid}.tmp`;
        await writeFile(tmp, toJson(snap), { mode: 0o600 });
        await rename(tmp, this.file);
      });
    }
    return this.writing;
  }

  flush(): Promise<void> {
    return this.writing;
  }
}
