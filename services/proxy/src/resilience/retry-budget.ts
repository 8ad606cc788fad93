import { ConfigCheck, isNonNegative, isPercent } from './config-check.js';

/**
 * A retry budget, so retries cannot turn an outage into a retry storm (Envoy's
 * retry_budget, Linkerd's retry budget):
 * - a retry may start while retries in flight < floor(budgetPercent × requests in flight)
 *   (integer, as Envoy computes it);
 * - below that, up to minRetriesPerSecond retries per second are always allowed, so a
 *   quiet service (one request in flight has a budget of 0.2 retries) can still retry.
 * The same budget can gate hedged requests, which are extra load in the same way.
 */
export interface RetryBudgetConfig {
  readonly budgetPercent: number;
  readonly minRetriesPerSecond: number;
}

/** Envoy's 20 % and Linkerd's floor of 10 retries per second. */
export const DEFAULT_RETRY_BUDGET: RetryBudgetConfig = Object.freeze({ budgetPercent: 20, minRetriesPerSecond: 10 });

export function resolveRetryBudget(raw: Partial<RetryBudgetConfig> = {}): RetryBudgetConfig {
  const c = new ConfigCheck('retry budget');
  const out = Object.freeze({
    budgetPercent: c.number('budgetPercent', raw.budgetPercent, DEFAULT_RETRY_BUDGET.budgetPercent, isPercent, 'in [0, 100]'),
    minRetriesPerSecond: c.number(
      'minRetriesPerSecond',
      raw.minRetriesPerSecond,
      DEFAULT_RETRY_BUDGET.minRetriesPerSecond,
      isNonNegative,
      '>= 0',
    ),
  });
  c.done();
  return out;
}

export class RetryBudget {
  readonly config: RetryBudgetConfig;
  private active = 0;
  private retriesInFlight = 0;
  private floorWindowStartMs = -Infinity;
  private floorUsed = 0;
  /** Retries refused for lack of budget (a counter for /metrics). */
  exhausted = 0;

  constructor(config: Partial<RetryBudgetConfig> = {}) {
    this.config = resolveRetryBudget(config);
  }

  /** A client request began / ended (originals only, not their retries). */
  requestStarted(): void {
    this.active++;
  }
  requestFinished(): void {
    this.active = Math.max(0, this.active - 1);
  }

  /** Asks to start one retry; when it returns true the caller must `release()` when it ends. */
  tryAcquire(nowMs: number): boolean {
    if (this.retriesInFlight < Math.floor((this.config.budgetPercent * this.active) / 100)) {
      this.retriesInFlight++;
      return true;
    }
    // A fixed one-second window: simple, and the floor only matters when traffic is light.
    if (nowMs - this.floorWindowStartMs >= 1000) {
      this.floorWindowStartMs = nowMs;
      this.floorUsed = 0;
    }
    if (this.floorUsed < this.config.minRetriesPerSecond) {
      this.floorUsed++;
      this.retriesInFlight++;
      return true;
    }
    this.exhausted++;
    return false;
  }

  release(): void {
    this.retriesInFlight = Math.max(0, this.retriesInFlight - 1);
  }

  snapshot(): { readonly active: number; readonly retriesInFlight: number; readonly exhausted: number } {
    return { active: this.active, retriesInFlight: this.retriesInFlight, exhausted: this.exhausted };
  }
}
