export const ALERT_TYPES = [
  'INSTANCE_EJECTED',
  'SERVICE_DEGRADED',
  'NO_HEALTHY_INSTANCES',
  'LATENCY_SLO_BREACH',
  'ERROR_RATE_HIGH',
  'CONFIG_REJECTED',
  'PROXY_STALE',
  'CONSUMER_LAG',
] as const;
export type AlertType = (typeof ALERT_TYPES)[number];

export type AlertSeverity = 'critical' | 'warning' | 'info';

/**
 * "This condition holds / does not hold right now" for one alert subject, as observed by the
 * caller. The machine turns a stream of signals into firing/resolved transitions.
 */
export interface AlertSignal {
  readonly type: AlertType;
  /** `_global` for fleet-wide subjects (consumer lag). */
  readonly serviceId: string;
  /** What the alert is about within the service: an instance, a proxy, a config key, a partition. */
  readonly subject: string | null;
  readonly active: boolean;
  readonly severity?: AlertSeverity;
  readonly summary: string;
  /** Why: scores, windows, offsets, versions; passed through to the event untouched. */
  readonly evidence?: unknown;
}

/**
 * A set of signals that is complete for a service and some types: a firing alert of those types
 * for that service with no active signal in the set is treated as cleared (e.g. an instance
 * that is no longer ejected simply stops appearing).
 */
export interface AlertScope {
  readonly serviceId: string;
  readonly types: readonly AlertType[];
}

export interface AlertEvent {
  readonly dedupKey: string;
  readonly type: AlertType;
  readonly status: 'firing' | 'resolved';
  readonly serviceId: string;
  readonly subject: string | null;
  readonly severity: AlertSeverity;
  readonly summary: string;
  readonly startsAtMs: number;
  /** Set on resolved events. */
  readonly endsAtMs: number | null;
  /** When the transition was decided. */
  readonly atMs: number;
  /** Monotonic per alert book: orders the events of one controller. */
  readonly sequence: number;
  readonly evidence: unknown;
}

export interface FiringAlert {
  readonly dedupKey: string;
  readonly type: AlertType;
  readonly serviceId: string;
  readonly subject: string | null;
  readonly severity: AlertSeverity;
  readonly summary: string;
  readonly firedAtMs: number;
  /** Since when the condition has been clear; null while it holds. */
  readonly clearSinceMs: number | null;
  readonly evidence: unknown;
}

export interface PendingAlert {
  readonly type: AlertType;
  readonly serviceId: string;
  /** Since when the condition has held without a break. */
  readonly sinceMs: number;
}

export interface AlertBookState {
  /** Only firing alerts are kept: a resolved alert is forgotten, so memory follows the incidents. */
  readonly firing: ReadonlyMap<string, FiringAlert>;
  /** Conditions that hold but not yet for their type's fireAfterMs, by dedup key. */
  readonly pending: ReadonlyMap<string, PendingAlert>;
  readonly sequence: number;
}

export interface AlertPolicy {
  /** How long a condition must stay clear before its alert resolves. */
  readonly resolveHoldMs: number;
  /** Per-type overrides of resolveHoldMs. */
  readonly resolveHoldMsByType: Partial<Readonly<Record<AlertType, number>>>;
  /**
   * How long a condition must hold, signal after signal, before its alert fires (Prometheus'
   * `for:`); absent: at once. A single window over a threshold (or a blip after a resolve) pages no one.
   */
  readonly fireAfterMsByType?: Partial<Readonly<Record<AlertType, number>>>;
  /**
   * Alertmanager's inhibition: an alert of a type listed here does not fire while an alert of one
   * of its inhibitors fires (or fires in the same update) for the same service. One clear page
   * per incident: when no instance is healthy, that is the alert, not one per symptom.
   */
  readonly inhibitedBy?: Partial<Readonly<Record<AlertType, readonly AlertType[]>>>;
  readonly severityByType: Readonly<Record<AlertType, AlertSeverity>>;
}
