/**
 * A circuit breaker for telemetry sends: after `failureThreshold` consecutive failures it opens
 * and refuses attempts for `openMs` (so a down broker is not hammered), then lets one trial
 * through (half-open); a success closes it, a failure re-opens it with the wait doubled up to
 * `maxOpenMs`. Pure: time is a parameter.
 */
export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  readonly failureThreshold?: number;
  readonly openMs?: number;
  readonly maxOpenMs?: number;
  readonly onStateChange?: (to: CircuitState, from: CircuitState) => void;
}

export const DEFAULT_FAILURE_THRESHOLD = 3;
export const DEFAULT_OPEN_MS = 1_000;
export const DEFAULT_MAX_OPEN_MS = 30_000;

export class CircuitBreaker {
  #state: CircuitState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #openFor: number;
  #trialInFlight = false;
  readonly #threshold: number;
  readonly #baseOpenMs: number;
  readonly #maxOpenMs: number;
  readonly #onStateChange: ((to: CircuitState, from: CircuitState) => void) | undefined;

  constructor(options: CircuitBreakerOptions = {}) {
    this.#threshold = options.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD;
    this.#baseOpenMs = options.openMs ?? DEFAULT_OPEN_MS;
    this.#maxOpenMs = Math.max(this.#baseOpenMs, options.maxOpenMs ?? DEFAULT_MAX_OPEN_MS);
    this.#openFor = this.#baseOpenMs;
    this.#onStateChange = options.onStateChange;
  }

  get state(): CircuitState {
    return this.#state;
  }

  /** ms until an open circuit lets a trial through (0 when not open). */
  retryInMs(now: number): number {
    return this.#state === 'open' ? Math.max(0, this.#openedAt + this.#openFor - now) : 0;
  }

  /** May an attempt start now? In half-open, only one trial at a time. */
  tryAcquire(now: number): boolean {
    if (this.#state === 'open') {
      if (now - this.#openedAt < this.#openFor) return false;
      this.#transition('half-open');
    }
    if (this.#state === 'half-open') {
      if (this.#trialInFlight) return false;
      this.#trialInFlight = true;
    }
    return true;
  }

  onSuccess(): void {
    this.#failures = 0;
    this.#trialInFlight = false;
    this.#openFor = this.#baseOpenMs;
    if (this.#state !== 'closed') this.#transition('closed');
  }

  onFailure(now: number): void {
    this.#failures += 1;
    if (this.#state === 'half-open') {
      this.#trialInFlight = false;
      this.#openFor = Math.min(this.#maxOpenMs, this.#openFor * 2);
      this.#open(now);
    } else if (this.#state === 'closed' && this.#failures >= this.#threshold) {
      this.#open(now);
    }
  }

  #open(now: number): void {
    this.#openedAt = now;
    this.#transition('open');
  }

  #transition(to: CircuitState): void {
    const from = this.#state;
    if (from === to) return;
    this.#state = to;
    this.#onStateChange?.(to, from);
  }
}
