/** Waiters for the proxy to have no request in flight (drain), each bounded by its own timeout. */
export class IdleWaiters {
  private readonly waiters: Array<() => void> = [];

  /** Call when the in-flight count reached 0: every waiter resolves true. */
  idle(): void {
    if (this.waiters.length > 0) for (const w of this.waiters.splice(0)) w();
  }

  /** True when idle() came first, false when `timeoutMs` passed. */
  wait(timeoutMs: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
