/**
 * Per-instance telemetry windows (default 1 s) -> service-metrics. The request path only bumps
 * counters and appends the latency to a typed array (no allocation, no sketch work); the window
 * timer builds the DDSketch (relative accuracy 0.01, serialized with toProto(), the format the
 * health-scorer merges) and publishes through the bus's non-blocking telemetry queue. A window
 * busier than the array (64 Ki answers) spills the array into its sketch and starts it again,
 * so every latency counts, memory stays bounded, and the sketch work is the same in total.
 */
import { DDSketch } from '@datadog/sketches-js';
import type { ServiceMetrics } from '@slb/core';

export const SKETCH_RELATIVE_ACCURACY = 0.01;

/** `throttled`: a 429, counted as a 4xx, without its latency (answered before any work). */
export type OutcomeClass = 'ok' | '4xx' | 'throttled' | '5xx' | 'connect' | 'timeout' | 'reset';

export interface InstanceWindow {
  requests: number;
  status4xx: number;
  status5xx: number;
  connectFailures: number;
  timeouts: number;
  resets: number;
  latencies: Float64Array;
  latencyCount: number;
  /** Latencies spilled from a full array during this window (busy windows only). */
  spilled: DDSketch | undefined;
}

/** The most latencies a window buffers before it spills them into its sketch. */
export const MAX_BUFFERED_LATENCIES = 65_536;

export function createInstanceWindow(): InstanceWindow {
  return { requests: 0, status4xx: 0, status5xx: 0, connectFailures: 0, timeouts: 0, resets: 0, latencies: new Float64Array(256), latencyCount: 0, spilled: undefined };
}

/** Hot path: one completed try (an upstream answer or a local failure). */
export function recordOutcome(w: InstanceWindow, outcome: OutcomeClass, latencyMs: number): void {
  w.requests++;
  switch (outcome) {
    case 'ok':
      break;
    case '4xx':
      w.status4xx++;
      break;
    case 'throttled':
      // A full instance's fast refusals in the sketch would make it look the fastest of all.
      w.status4xx++;
      return;
    case '5xx':
      w.status5xx++;
      break;
    case 'connect':
      w.connectFailures++;
      return; // no latency: nothing answered
    case 'timeout':
      w.timeouts++;
      return;
    case 'reset':
      w.resets++;
      return;
  }
  if (w.latencyCount === w.latencies.length) {
    if (w.latencies.length >= MAX_BUFFERED_LATENCIES) spill(w);
    else {
      const grown = new Float64Array(w.latencies.length * 2);
      grown.set(w.latencies);
      w.latencies = grown;
    }
  }
  w.latencies[w.latencyCount++] = latencyMs;
}

/** Moves the buffered latencies into the window's sketch (once per 64 Ki answers of a busy window). */
function spill(w: InstanceWindow): void {
  const sketch = (w.spilled ??= new DDSketch({ relativeAccuracy: SKETCH_RELATIVE_ACCURACY }));
  for (let i = 0; i < w.latencyCount; i++) sketch.accept(w.latencies[i]!);
  w.latencyCount = 0;
}

export interface WindowContext {
  readonly serviceId: string;
  readonly instanceId: string;
  readonly proxyId: string;
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  readonly inFlight: number;
  readonly activeConnections: number;
  readonly tags: Record<string, string>;
}

/** Closes the window: returns its ServiceMetrics event and resets the counters. */
export function drainWindow(w: InstanceWindow, ctx: WindowContext): ServiceMetrics {
  const seconds = Math.max(0.001, (ctx.windowEndMs - ctx.windowStartMs) / 1000);
  let sketchBytes: Buffer | null = null;
  let p95: number | null = null;
  if (w.latencyCount > 0 || w.spilled !== undefined) {
    const sketch = w.spilled ?? new DDSketch({ relativeAccuracy: SKETCH_RELATIVE_ACCURACY });
    for (let i = 0; i < w.latencyCount; i++) sketch.accept(w.latencies[i]!);
    p95 = sketch.getValueAtQuantile(0.95);
    sketchBytes = Buffer.from(sketch.toProto());
  }
  const failed = w.status5xx + w.connectFailures + w.timeouts + w.resets;
  const event: ServiceMetrics = {
    timestamp: ctx.windowEndMs,
    serviceId: ctx.serviceId,
    instanceId: ctx.instanceId,
    proxyId: ctx.proxyId,
    windowStartMs: ctx.windowStartMs,
    windowEndMs: ctx.windowEndMs,
    metrics: {
      rps: w.requests / seconds,
      p95Latency: p95,
      errorRate: w.requests === 0 ? 0 : Math.min(1, failed / w.requests),
      activeConnections: ctx.activeConnections,
      cpuUsage: null,
      memoryUsage: null,
    },
    requests: w.requests,
    errors: { status5xx: w.status5xx, status4xx: w.status4xx, connectFailures: w.connectFailures, timeouts: w.timeouts, resets: w.resets },
    inFlight: ctx.inFlight,
    latencySketch: sketchBytes,
    tags: ctx.tags,
  };
  resetWindow(w);
  return event;
}

/** Starts the window again (also used without a bus, where nothing is published). */
export function resetWindow(w: InstanceWindow): void {
  w.requests = 0;
  w.status4xx = 0;
  w.status5xx = 0;
  w.connectFailures = 0;
  w.timeouts = 0;
  w.resets = 0;
  w.latencyCount = 0;
  w.spilled = undefined;
}
