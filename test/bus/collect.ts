/** Await-able collectors for bus tests: wait for events, never for time. */
import { setTimeout as delay } from 'node:timers/promises';

export interface Collector<T> {
  readonly items: T[];
  push(item: T): void;
  /** Resolves with the items once at least `count` arrived (rejects after `timeoutMs`). */
  until(count: number, timeoutMs?: number): Promise<T[]>;
}

export function collector<T>(label = 'collector'): Collector<T> {
  const items: T[] = [];
  const waiters: { count: number; resolve: (v: T[]) => void }[] = [];
  return {
    items,
    push(item: T) {
      items.push(item);
      for (const w of [...waiters]) {
        if (items.length >= w.count) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(items);
        }
      }
    },
    until(count: number, timeoutMs = 30_000) {
      if (items.length >= count) return Promise.resolve(items);
      return new Promise<T[]>((resolve, reject) => {
        const waiter = { count, resolve };
        waiters.push(waiter);
        // A deadline so a broken bus fails the test with a message instead of hanging it.
        void delay(timeoutMs, undefined, { ref: false }).then(() => {
          if (!waiters.includes(waiter)) return;
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`${label}: ${items.length} of ${count} items after ${timeoutMs} ms`));
        });
      });
    },
  };
}

/** Resolve when `predicate` holds (checked every `pollMs`); for state that has no event to await. */
export async function eventually(predicate: () => boolean | Promise<boolean>, label: string, timeoutMs = 30_000, pollMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`${label}: not true after ${timeoutMs} ms`);
    await delay(pollMs);
  }
}
