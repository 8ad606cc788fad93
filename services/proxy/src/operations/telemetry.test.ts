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

  it('counts a throttled answer (429) as a 4xx, never an error, and keeps its latency out of the sketch', () => {
    const w = createInstanceWindow();
    for (let i = 0; i < 90; i++) recordOutcome(w, 'throttled', 0.2);
    for (let i = 0; i < 10; i++) recordOutcome(w, 'ok', 40);
    const e = drainWindow(w, ctx);
    expect(e).toMatchObject({ requests: 100, errors: { status5xx: 0, status4xx: 90, connectFailures: 0, timeouts: 0, resets: 0 }, metrics: { errorRate: 0 } });
    expect(DDSketch.fromProto(e.latencySketch!).count).toBe(10);
    expect(e.metrics.p95Latency).toBeGreaterThan(40 * 0.99);
    // Nothing but 429s: no latency to report, as for a window of refused connections.
    for (let i = 0; i < 5; i++) recordOutcome(w, 'throttled', 0.2);
    expect(drainWindow(w, ctx)).toMatchObject({ requests: 5, latencySketch: null, metrics: { p95Latency: null, errorRate: 0 } });
  });

  it('resets after each window and reports an empty one without a sketch', () => {
    const w = createInstanceWindow();
    for (let i = 0; i < 1000; i++) recordOutcome(w, 'ok', i);
    expect(drainWindow(w, ctx).requests).toBe(1000);
    const empty = drainWindow(w, ctx);
    expect(empty).toMatchObject({ requests: 0, latencySketch: null, metrics: { p95Latency: null, errorRate: 0, rps: 0 } });
  });

  it('keeps the shape of a window past 64 Ki samples (131,072 requests, second half at 1,000 ms)', () => {
    const w = createInstanceWindow();
    for (let i = 0; i < 65_536; i++) recordOutcome(w, 'ok', 1);
    for (let i = 0; i < 65_536; i++) recordOutcome(w, 'ok', 1000);
    const e = drainWindow(w, ctx);
    expect(e.requests).toBe(131_072);
    expect(e.metrics.p95Latency).toBeGreaterThan(1000 * 0.99);
    expect(e.metrics.p95Latency).toBeLessThan(1000 * 1.01);
    const sketch = DDSketch.fromProto(e.latencySketch!);
    expect(sketch.count).toBe(131_072);
    expect(sketch.getValueAtQuantile(0.25)).toBeLessThan(1.01);
  });

  it('keeps every sample of a very busy window and starts the next one clean', () => {
    const w = createInstanceWindow();
    // 300,000 answers: 1 % slow ones spread through the window, one failure class mixed in.
    for (let i = 0; i < 300_000; i++) recordOutcome(w, i % 100 === 99 ? '5xx' : 'ok', i % 100 === 99 ? 500 : 2);
    for (let i = 0; i < 1000; i++) recordOutcome(w, 'timeout', 1);
    const busy = drainWindow(w, ctx);
    expect(busy.requests).toBe(301_000);
    const sketch = DDSketch.fromProto(busy.latencySketch!);
    expect(sketch.count).toBe(300_000);
    expect(sketch.getValueAtQuantile(0.985)).toBeLessThan(2 * 1.01);
    expect(sketch.getValueAtQuantile(0.995)).toBeGreaterThan(500 * 0.99);
    for (let i = 0; i < 10; i++) recordOutcome(w, 'ok', 7);
    const next = drainWindow(w, ctx);
    expect(DDSketch.fromProto(next.latencySketch!).count).toBe(10);
    expect(next.metrics.p95Latency).toBeGreaterThan(7 * 0.99);
    expect(next.metrics.p95Latency).toBeLessThan(7 * 1.01);
  });
});
