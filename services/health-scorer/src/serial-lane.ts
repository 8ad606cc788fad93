/**
 * Tasks of one lane run one after another. One lane per owned partition: a batch, the idle
 * tick and a rebuild of that partition's window state never interleave.
 */
export class SerialLane {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T> | T): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves once everything queued so far has finished (failures included). */
  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}
