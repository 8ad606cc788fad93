/**
 * One lane per receiver: its sends run one after another. This keeps a periodic re-post of a
 * firing alert from overtaking (and so undoing) the RESOLVED posted for it a moment earlier.
 */
export class SerialLane {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
