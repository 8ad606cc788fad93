/** The alert-router's Prometheus metrics (names `slb_alert_router_*`) on a caller-given registry. */
import { Counter, Gauge, type Registry } from 'prom-client';
import { collectProcessMetrics } from '@slb/core';

export interface RouterMetrics {
  /** Events read from `alerts`, by severity and state (firing | resolved). */
  readonly received: Counter<'severity' | 'state'>;
  /** Notifications delivered, by receiver, receiver type and state (firing | resolved). */
  readonly sent: Counter<'receiver' | 'type' | 'state'>;
  /** Notifications given up on (retries exhausted or a 4xx), by receiver, type and state. */
  readonly failed: Counter<'receiver' | 'type' | 'state'>;
  /** Retries (attempts after the first), by receiver. */
  readonly retries: Counter<'receiver'>;
  /** Events not sent because the receiver already had that dedupKey in that state. */
  readonly dedupHits: Counter<'receiver' | 'state'>;
  /** Events no rule and no default routed anywhere. */
  readonly unrouted: Counter;
  /** Periodic re-posts of firing alerts to Alertmanager, by receiver and outcome (ok | error). */
  readonly refreshes: Counter<'receiver' | 'outcome'>;
  /** Alerts currently firing per Alertmanager receiver (what the re-posts keep alive). */
  readonly firing: Gauge<'receiver'>;
}

export function createRouterMetrics(registry: Registry): RouterMetrics {
  const registers = [registry];
  // Node's standard process metrics under their standard names (once per registry).
  collectProcessMetrics(registry);
  return {
    received: new Counter({ name: 'slb_alert_router_alerts_received_total', help: 'Alert events read, by severity and state.', labelNames: ['severity', 'state'], registers }),
    sent: new Counter({ name: 'slb_alert_router_notifications_sent_total', help: 'Notifications delivered, by receiver, type and state.', labelNames: ['receiver', 'type', 'state'], registers }),
    failed: new Counter({ name: 'slb_alert_router_notifications_failed_total', help: 'Notifications given up on, by receiver, type and state.', labelNames: ['receiver', 'type', 'state'], registers }),
    retries: new Counter({ name: 'slb_alert_router_retries_total', help: 'Delivery retries, by receiver.', labelNames: ['receiver'], registers }),
    dedupHits: new Counter({ name: 'slb_alert_router_dedup_hits_total', help: 'Events not re-sent because the receiver already had them in that state.', labelNames: ['receiver', 'state'], registers }),
    unrouted: new Counter({ name: 'slb_alert_router_unrouted_total', help: 'Alert events that no route and no default sent anywhere.', registers }),
    refreshes: new Counter({ name: 'slb_alert_router_refreshes_total', help: 'Periodic re-posts of firing alerts to Alertmanager, by receiver and outcome.', labelNames: ['receiver', 'outcome'], registers }),
    firing: new Gauge({ name: 'slb_alert_router_firing_alerts', help: 'Alerts currently firing per Alertmanager receiver.', labelNames: ['receiver'], registers }),
  };
}
