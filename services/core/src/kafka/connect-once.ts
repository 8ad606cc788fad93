/**
 * An async setup (a client's connect) started on first use and shared after; a failed attempt is
 * forgotten so the next use tries again: a broker that was down at first use must not poison the
 * process.
 */
export interface ConnectOnce<T> {
  get(): Promise<T>;
  /** Forget the current attempt (if any) and return it, e.g. to disconnect what it connected. */
  forget(): Promise<T> | undefined;
}

export function connectOnce<T>(connect: () => Promise<T>): ConnectOnce<T> {
  let attempt: Promise<T> | undefined;
  return {
    get() {
      attempt ??= connect().catch((error: unknown) => {
        attempt = undefined;
        throw error;
      });
      return attempt;
    },
    forget() {
      const current = attempt;
      attempt = undefined;
      return current;
    },
  };
}
