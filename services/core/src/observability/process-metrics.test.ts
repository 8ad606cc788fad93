import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { collectProcessMetrics, GAUGES_NAMED_LIKE_COUNTERS } from './process-metrics.js';

describe('collectProcessMetrics', () => {
  it("registers Node's standard process metrics under their standard names, without gauges named like counters", async () => {
    const registry = new Registry();
    collectProcessMetrics(registry);
    collectProcessMetrics(registry); // once per registry: a second call is a no-op, not a duplicate-name error
    const metrics = await registry.getMetricsAsJSON();
    const names = metrics.map((m) => m.name);
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'process_start_time_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_active_handles']) {
      expect(names).toContain(name);
    }
    for (const name of GAUGES_NAMED_LIKE_COUNTERS) expect(names).not.toContain(name);
    expect(metrics.filter((m) => m.name.endsWith('_total') && String(m.type) !== 'counter').map((m) => m.name)).toEqual([]);
    expect(names.filter((n) => n.startsWith('slb_'))).toEqual([]);
  });
});
