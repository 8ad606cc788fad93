/**
 * Tasks of one lane run one after another, in submission order; a failed task does not block
 * the next. The health-scorer keeps one lane per owned partition (a batch, the idle tick and a
 * rebuild of that partition's window state never interleave); the alert-router one per
 * receiver (a periodic re-post of a firing alert never overtakes the RESOLVED posted before it).
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
