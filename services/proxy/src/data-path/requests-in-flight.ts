/**
 * The requests in flight through one proxy, as an intrusive doubly linked list: each request
 * carries its own two links, so adding and removing one costs a few pointer writes, with no
 * allocation and no hashing on the hot path. Walked only when an instance is ejected as stalled,
 * to cut short the tries waiting on it (resilience/stalled-tries.ts), which is rare.
 */
export interface InFlightLinks<T> {
  prevInFlight: T | undefined;
  nextInFlight: T | undefined;
}

export class RequestsInFlight<T extends InFlightLinks<T>> {
  private head: T | undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(r: T): void {
    const head = this.head;
    r.prevInFlight = undefined;
    r.nextInFlight = head;
    if (head !== undefined) head.prevInFlight = r;
    this.head = r;
    this.count++;
  }

  /** Removes `r`; a request not in the list (never added, or removed already) is left alone. */
  remove(r: T): void {
    const prev = r.prevInFlight;
    const next = r.nextInFlight;
    if (prev !== undefined) prev.nextInFlight = next;
    else if (this.head === r) this.head = next;
    else return;
    if (next !== undefined) next.prevInFlight = prev;
    r.prevInFlight = undefined;
    r.nextInFlight = undefined;
    this.count--;
  }

  /** Calls `fn` on each request, newest first; `fn` may remove the request it is given. */
  forEach(fn: (r: T) => void): void {
    let r = this.head;
    while (r !== undefined) {
      const next = r.nextInFlight;
      fn(r);
      r = next;
    }
  }
}
