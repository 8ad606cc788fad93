/** The controller's Prometheus metrics (slb_controller_*), on the registry the console serves. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { collectProcessMetrics } from '@slb/core';

export interface ControllerMetrics {
  readonly decisions: Counter<'reason'>;
  readonly changes: Counter<'kind'>;
  readonly configs: Counter<'outcome'>;
  readonly alerts: Counter<'type' | 'status'>;
  readonly audits: Counter<'action'>;
  readonly publishFailures: Counter<'topic'>;
  readonly servicesOwned: Gauge;
  readonly stepSeconds: Histogram;
  readonly takeovers: Counter;
  readonly releases: Counter<'reason'>;
}

export function createControllerMetrics(registry: Registry): ControllerMetrics {
  const registers = [registry];
  // Node's standard process metrics under their standard names (once per registry).
  collectProcessMetrics(registry);
  return {
    decisions: new Counter({ name: 'slb_controller_decisions_total', help: 'Routing decisions published, by why (change or refresh).', labelNames: ['reason'], registers }),
    changes: new Counter({ name: 'slb_controller_decision_changes_total', help: 'Audited decision changes by kind.', labelNames: ['kind'], registers }),
    configs: new Counter({ name: 'slb_controller_config_updates_total', help: 'config-updates messages by outcome (accepted, rejected, replay).', labelNames: ['outcome'], registers }),
    alerts: new Counter({ name: 'slb_controller_alerts_total', help: 'Alert transitions published, by type and status.', labelNames: ['type', 'status'], registers }),
    audits: new Counter({ name: 'slb_controller_audit_records_total', help: 'Audit records published, by action.', labelNames: ['action'], registers }),
    publishFailures: new Counter({ name: 'slb_controller_publish_failures_total', help: 'Publishes that failed after the bus gave up (the state is kept and re-published on the next step).', labelNames: ['topic'], registers }),
    servicesOwned: new Gauge({ name: 'slb_controller_services_owned', help: 'Services this member currently decides for.', registers }),
    stepSeconds: new Histogram({ name: 'slb_controller_decision_step_seconds', help: 'One decision step of one service (decide + mapping, without publishing).', buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1], registers }),
    takeovers: new Counter({ name: 'slb_controller_takeovers_total', help: 'Services taken over from a routing decision another member issued.', registers }),
    releases: new Counter({ name: 'slb_controller_releases_total', help: 'Services this member stopped deciding for, by reason (idle, other-member).', labelNames: ['reason'], registers }),
  };
}
