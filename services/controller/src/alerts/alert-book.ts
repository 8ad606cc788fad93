import type { AlertBookState, AlertEvent, AlertPolicy, AlertScope, AlertSignal, AlertType, FiringAlert } from './types.js';

export const DEFAULT_ALERT_POLICY: AlertPolicy = Object.freeze({
  resolveHoldMs: 30_000,
  // A rejected config is cleared by the next accepted version of that key: nothing to wait for.
  resolveHoldMsByType: Object.freeze({ CONFIG_REJECTED: 0 }),
  severityByType: Object.freeze({
    INSTANCE_EJECTED: 'warning',
    SERVICE_DEGRADED: 'warning',
    NO_HEALTHY_INSTANCES: 'critical',
    LATENCY_SLO_BREACH: 'warning',
    ERROR_RATE_HIGH: 'critical',
    CONFIG_REJECTED: 'warning',
    PROXY_STALE: 'warning',
    CONSUMER_LAG: 'warning',
  }),
});

export function createAlertBook(): AlertBookState {
  return { firing: new Map(), sequence: 0 };
}

/** The dedup key: one alert per type, service and subject, the same on firing and resolved. */
export function dedupKey(type: AlertType, serviceId: string, subject: string | null): string {
  return `${type}/${serviceId}/${subject ?? '-'}`;
}

export interface AlertUpdate {
  readonly signals: readonly AlertSignal[];
  readonly scopes?: readonly AlertScope[];
}

/**
 * The alert state machine (docs/decisions.md, "Alerts"). Per dedup key:
 *
 *   (absent) --active--> FIRING            emits one `firing` event
 *   FIRING   --active--> FIRING            nothing (evidence refreshed, clear timer reset)
 *   FIRING   --clear---> FIRING, clearing  nothing yet
 *   clearing for resolveHoldMs -> (absent) emits one `resolved` event
 *
 * Every call also resolves alerts whose hold ran out, so time passing alone resolves them.
 * Pure: returns a new state and the events to publish.
 */
export function updateAlerts(
  state: AlertBookState,
  update: AlertUpdate,
  nowMs: number,
  policy: AlertPolicy = DEFAULT_ALERT_POLICY,
): { state: AlertBookState; events: AlertEvent[] } {
  let firing: Map<string, FiringAlert> | null = null;
  const write = (): Map<string, FiringAlert> => (firing ??= new Map(state.firing));
  const read = (): ReadonlyMap<string, FiringAlert> => firing ?? state.firing;
  let sequence = state.sequence;
  const events: AlertEvent[] = [];
  const activeKeys = new Set<string>();

  for (const s of update.signals) {
    const key = dedupKey(s.type, s.serviceId, s.subject);
    const held = read().get(key);
    if (s.active) {
      activeKeys.add(key);
      if (held === undefined) {
        const alert: FiringAlert = {
          dedupKey: key,
          type: s.type,
          serviceId: s.serviceId,
          subject: s.subject,
          severity: s.severity ?? policy.severityByType[s.type],
          summary: s.summary,
          firedAtMs: nowMs,
          clearSinceMs: null,
          evidence: s.evidence ?? null,
        };
        write().set(key, alert);
        sequence += 1;
        events.push(eventOf(alert, 'firing', nowMs, sequence));
      } else {
        write().set(key, { ...held, clearSinceMs: null, summary: s.summary, evidence: s.evidence ?? held.evidence });
      }
    } else if (held !== undefined && held.clearSinceMs === null && !activeKeys.has(key)) {
      write().set(key, { ...held, clearSinceMs: nowMs });
    }
  }

  for (const scope of update.scopes ?? []) {
    for (const [key, alert] of read()) {
      if (alert.serviceId !== scope.serviceId || alert.clearSinceMs !== null || activeKeys.has(key)) continue;
      if (scope.types.includes(alert.type)) write().set(key, { ...alert, clearSinceMs: nowMs });
    }
  }

  for (const [key, alert] of read()) {
    if (alert.clearSinceMs === null) continue;
    const hold = policy.resolveHoldMsByType[alert.type] ?? policy.resolveHoldMs;
    if (nowMs - alert.clearSinceMs >= hold) {
      write().delete(key);
      sequence += 1;
      events.push(eventOf(alert, 'resolved', nowMs, sequence));
    }
  }

  return { state: firing === null && sequence === state.sequence ? state : { firing: read(), sequence }, events };
}

function eventOf(a: FiringAlert, status: 'firing' | 'resolved', nowMs: number, sequence: number): AlertEvent {
  return {
    dedupKey: a.dedupKey,
    type: a.type,
    status,
    serviceId: a.serviceId,
    subject: a.subject,
    severity: a.severity,
    summary: a.summary,
    startsAtMs: a.firedAtMs,
    endsAtMs: status === 'resolved' ? nowMs : null,
    atMs: nowMs,
    sequence,
    evidence: a.evidence,
  };
}
