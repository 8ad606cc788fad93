/**
 * Node's standard process metrics (prom-client's collectDefaultMetrics) under their standard
 * names, without a prefix, so stock Node.js dashboards and alerts find them on every role.
 *
 * prom-client also exports three gauges whose names end in `_total`
 * (`nodejs_active_handles_total`, `nodejs_active_requests_total`,
 * `nodejs_active_resources_total`), which Prometheus reserves for counters (`promtool check
 * metrics` flags them). They are the sums of the per-type gauges that stay
 * (`nodejs_active_handles{type}`, `nodejs_active_requests{type}`,
 * `nodejs_active_resources{type}`): `sum(nodejs_active_handles)` gives the same number.
 */
import { collectDefaultMetrics, type Registry } from 'prom-client';

/** Gauges prom-client names like counters; left out (their per-type gauges stay). */
export const GAUGES_NAMED_LIKE_COUNTERS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'] as const;

const collecting = new WeakSet<Registry>();

/** Registers the standard process metrics on `registry`, once per registry. */
export function collectProcessMetrics(registry: Registry): void {
  if (collecting.has(registry)) return;
  collecting.add(registry);
  collectDefaultMetrics({ register: registry });
  for (const name of GAUGES_NAMED_LIKE_COUNTERS) registry.removeSingleMetric(name);
}
