import type { AlertBookState, AlertEvent, AlertPolicy, AlertScope, AlertSignal, AlertType, FiringAlert, PendingAlert } from './types.js';

export const DEFAULT_ALERT_POLICY: AlertPolicy = Object.freeze({
  resolveHoldMs: 30_000,
  // A rejected config is cleared by the next accepted version of that key: nothing to wait for.
  resolveHoldMsByType: Object.freeze({ CONFIG_REJECTED: 0 }),
  // Fleet-wide figures come once a scoring window (5 s by default): these need the condition in
  // at least three windows in a row. SERVICE_DEGRADED waits as long: when every instance fails,
  // the scores catch up one instance at a time, and it would page "2 of 3 healthy" a second
  // before NO_HEALTHY_INSTANCES (which inhibits it) is known. Ejections, rejected configs and the
  // rest are facts, not figures near a threshold, and fire at once.
  fireAfterMsByType: Object.freeze({ ERROR_RATE_HIGH: 10_000, LATENCY_SLO_BREACH: 10_000, SERVICE_DEGRADED: 10_000 }),
  // With no healthy instance, the symptoms (ejections, degraded, errors, latency) are that one
  // incident: they page only if still there once it resolved.
  inhibitedBy: Object.freeze(
    Object.fromEntries((['INSTANCE_EJECTED', 'SERVICE_DEGRADED', 'ERROR_RATE_HIGH', 'LATENCY_SLO_BREACH'] as const).map((t) => [t, Object.freeze(['NO_HEALTHY_INSTANCES'] as const)])),
  ),
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
  return { firing: new Map(), pending: new Map(), sequence: 0 };
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
 *   (absent) --active--> PENDING           nothing yet (only for types with a fireAfterMs)
 *   PENDING  --active, held fireAfterMs--> FIRING
 *   PENDING  --clear---> (absent)          nothing: it never fired
 *   (absent) --active--> FIRING            emits one `firing` event (types without fireAfterMs)
 *   (absent) --active, inhibited--> (absent) nothing while an inhibitor fires for the service
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
  // Pending conditions, copied on first write like `firing`.
  let pending: Map<string, PendingAlert> | null = null;
  const readPending = (): ReadonlyMap<string, PendingAlert> => pending ?? state.pending;
  const writePending = (): Map<string, PendingAlert> => (pending ??= new Map(state.pending));
  const dropPending = (key: string): void => {
    if (readPending().has(key)) writePending().delete(key);
  };
  const inhibited = inhibitionOf(state, update, policy);

  for (const s of update.signals) {
    const key = dedupKey(s.type, s.serviceId, s.subject);
    const held = read().get(key);
    if (s.active) {
      activeKeys.add(key);
      if (held === undefined) {
        if (inhibited(s)) {
          dropPending(key);
          continue;
        }
        const forMs = policy.fireAfterMsByType?.[s.type] ?? 0;
        if (forMs > 0) {
          const since = readPending().get(key)?.sinceMs;
          if (since === undefined) writePending().set(key, { type: s.type, serviceId: s.serviceId, sinceMs: nowMs });
          if (since === undefined || nowMs - since < forMs) continue;
          writePending().delete(key);
        }
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
    } else if (held === undefined && !activeKeys.has(key)) {
      dropPending(key);
    }
  }

  for (const scope of update.scopes ?? []) {
    for (const [key, p] of readPending()) {
      if (!activeKeys.has(key) && p.serviceId === scope.serviceId && scope.types.includes(p.type)) writePending().delete(key);
    }
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

  const unchanged = firing === null && pending === null && sequence === state.sequence;
  return { state: unchanged ? state : { firing: read(), pending: readPending(), sequence }, events };
}

/**
 * Whether a signal's alert is inhibited by a firing (or now firing) alert of its service. The
 * inhibitors are gathered only when a signal that has inhibitors is about to fire, and once per
 * update: most updates fire nothing new and pay nothing for it.
 */
function inhibitionOf(state: AlertBookState, update: AlertUpdate, policy: AlertPolicy): (s: AlertSignal) => boolean {
  const rules = policy.inhibitedBy;
  if (rules === undefined) return () => false;
  let sources: Set<string> | null = null;
  return (s) => {
    const by = rules[s.type];
    if (by === undefined || by.length === 0) return false;
    if (sources === null) {
      sources = new Set<string>();
      for (const a of state.firing.values()) if (a.clearSinceMs === null) sources.add(`${a.type}/${a.serviceId}`);
      for (const u of update.signals) if (u.active) sources.add(`${u.type}/${u.serviceId}`);
    }
    const found = sources;
    return by.some((t) => found.has(`${t}/${s.serviceId}`));
  };
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
