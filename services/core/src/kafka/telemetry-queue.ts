/**
 * The bounded telemetry queue: push never blocks and never fails; when full, the oldest entry is
 * evicted (rule 1 of docs/architecture.md: drop old telemetry, never delay a request). Reports when the
 * fill ratio enters seed 001's backpressure levels. Pure: no timers, no I/O.
 */
export type BackpressureLevel = 'normal' | 'warning' | 'critical' | 'emergency';

export interface BackpressureThresholds {
  readonly warning: number;
  readonly critical: number;
  readonly emergency: number;
}

/** Seed 001: warn at 75 %, critical at 90 %, emergency at 95 %. */
export const DEFAULT_BACKPRESSURE: BackpressureThresholds = Object.freeze({ warning: 0.75, critical: 0.9, emergency: 0.95 });

export interface PushResult<T> {
  readonly evicted: readonly T[];
  /** Set when this push moved the queue into a higher level. */
  readonly enteredLevel?: BackpressureLevel;
}

export function levelFor(utilization: number, thresholds: BackpressureThresholds = DEFAULT_BACKPRESSURE): BackpressureLevel {
  if (utilization >= thresholds.emergency) return 'emergency';
  if (utilization >= thresholds.critical) return 'critical';
  if (utilization >= thresholds.warning) return 'warning';
  return 'normal';
}

const RANK: Readonly<Record<BackpressureLevel, number>> = { normal: 0, warning: 1, critical: 2, emergency: 3 };

export class TelemetryQueue<T> {
  // A ring buffer: O(1) push/evict/take regardless of capacity.
  readonly #items: (T | undefined)[];
  #head = 0;
  #size = 0;
  #level: BackpressureLevel = 'normal';
  readonly capacity: number;
  readonly #thresholds: BackpressureThresholds;

  constructor(capacity: number, thresholds: BackpressureThresholds = DEFAULT_BACKPRESSURE) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`queue capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.#items = new Array<T | undefined>(capacity);
    this.#thresholds = thresholds;
  }

  get size(): number {
    return this.#size;
  }

  get utilization(): number {
    return this.#size / this.capacity;
  }

  get level(): BackpressureLevel {
    return this.#level;
  }

  push(item: T): PushResult<T> {
    const evicted: T[] = [];
    if (this.#size === this.capacity) evicted.push(this.#shift() as T);
    this.#items[(this.#head + this.#size) % this.capacity] = item;
    this.#size += 1;
    const enteredLevel = this.#updateLevel();
    return enteredLevel === undefined ? { evicted } : { evicted, enteredLevel };
  }

  /** Remove and return up to `max` oldest entries. */
  take(max: number): T[] {
    const out: T[] = [];
    while (out.length < max && this.#size > 0) out.push(this.#shift() as T);
    this.#updateLevel();
    return out;
  }

  /**
   * Put a batch that failed to send back at the front, oldest first, so it is retried before
   * newer data; whatever no longer fits is the oldest and is returned as evicted.
   */
  requeue(batch: readonly T[]): T[] {
    const room = this.capacity - this.#size;
    const keep = batch.slice(Math.max(0, batch.length - room));
    const evicted = batch.slice(0, batch.length - keep.length);
    for (let i = keep.length - 1; i >= 0; i -= 1) {
      this.#head = (this.#head - 1 + this.capacity) % this.capacity;
      this.#items[this.#head] = keep[i];
      this.#size += 1;
    }
    this.#updateLevel();
    return evicted;
  }

  #shift(): T | undefined {
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.capacity;
    this.#size -= 1;
    return item;
  }

  #updateLevel(): BackpressureLevel | undefined {
    const next = levelFor(this.utilization, this.#thresholds);
    const previous = this.#level;
    this.#level = next;
    return RANK[next] > RANK[previous] ? next : undefined;
  }
}
