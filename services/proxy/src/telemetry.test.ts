import { describe, expect, it } from 'vitest';
import { DDSketch } from '@datadog/sketches-js';
import { createInstanceWindow, drainWindow, recordOutcome, type OutcomeClass } from './telemetry.js';

const ctx = { serviceId: 's', instanceId: 'i', proxyId: 'p', windowStartMs: 1000, windowEndMs: 2000, inFlight: 3, activeConnections: 2, tags: {} };

describe('telemetry windows', () => {
  it('counts outcomes by class and sketches the latencies of answered tries', () => {
    const w = createInstanceWindow();
    const outcomes: Array<[OutcomeClass, number]> = [['ok', 10], ['ok', 20], ['4xx', 5], ['5xx', 50], ['connect', 1], ['timeout', 1000], ['reset', 3]];
    for (let i = 0; i < 100; i++) for (const [o, ms] of outcomes) recordOutcome(w, o, ms);
    const e = drainWindow(w, ctx);
    expect(e).toMatchObject({ requests: 700, inFlight: 3, errors: { status5xx: 100, status4xx: 100, connectFailures: 100, timeouts: 100, resets: 100 }, metrics: { rps: 700, activeConnections: 2 } });
    expect(e.metrics.errorRate).toBeCloseTo(400 / 700);
    const sketch = DDSketch.fromProto(e.latencySketch!);
    // Only answered tries have a latency: ok, 4xx, 5xx.
    expect(sketch.count).toBe(400);
    expect(e.metrics.p95Latency).toBeGreaterThan(49 * 0.99);
    expect(e.metrics.p95Latency).toBeLessThan(50 * 1.01);
  });

  it('resets after each window and reports an empty one without a sketch', () => {
    const w = createInstanceWindow();
    for (let i = 0; i < 1000; i++) recordOutcome(w, 'ok', i);
    expect(drainWindow(w, ctx).requests).toBe(1000);
    const empty = drainWindow(w, ctx);
    expect(empty).toMatchObject({ requests: 0, latencySketch: null, metrics: { p95Latency: null, errorRate: 0, rps: 0 } });
  });
});
