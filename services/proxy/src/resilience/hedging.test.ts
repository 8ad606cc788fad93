import { describe, expect, it } from 'vitest';
import { HedgePolicy } from './hedging.js';
import { LatencyWindow } from './latency-window.js';

describe('windowed latency quantiles', () => {
  it('gives nearest-rank quantiles of the samples', () => {
    const w = new LatencyWindow({ windowMs: 60_000, maxSamples: 1000, recomputeEvery: 1, recomputeMs: 0 });
    for (let i = 100; i >= 1; i--) w.record(i, 0);
    expect([0.5, 0.9, 0.95, 0.99, 1].map((q) => w.quantile(q, 0))).toEqual([50, 90, 95, 99, 100]);
  });

  it('forgets samples older than the window and beyond maxSamples', () => {
    const w = new LatencyWindow({ windowMs: 1_000, maxSamples: 10, recomputeEvery: 1, recomputeMs: 0 });
    for (let i = 0; i < 10; i++) w.record(1000, 0);
    for (let i = 0; i < 5; i++) w.record(5, 900);
    expect(w.count(900)).toBe(10); // ring of 10: 5 old + 5 new
    expect(w.count(1_000)).toBe(5); // the old ones fell out of the window
    expect(w.quantile(0.99, 1_000)).toBe(5);
    expect(w.quantile(0.5, 5_000)).toBeUndefined();
  });
});

describe('hedge delay', () => {
  it('does not hedge without enough samples', () => {
    const h = new HedgePolicy({ minSamples: 20 });
    for (let i = 0; i < 19; i++) h.record(10, 0);
    expect(h.delayMs(1_000)).toBeUndefined();
    h.record(10, 0);
    // The sorted window is cached for up to 250 ms (or 32 new samples).
    expect(h.delayMs(1_250)).toBe(10);
  });

  it('hedges after the configured quantile of recent latencies', () => {
    const h = new HedgePolicy({ quantile: 0.9, minSamples: 10 });
    for (let i = 1; i <= 100; i++) h.record(i, 0);
    expect(h.delayMs(1_000)).toBe(90);
  });

  it('follows a change of latency once the old samples leave the window', () => {
    const h = new HedgePolicy({ quantile: 0.5, minSamples: 10, windowMs: 10_000 });
    for (let i = 0; i < 50; i++) h.record(100, 0);
    for (let i = 0; i < 50; i++) h.record(10, 9_000);
    expect(h.delayMs(9_500)).toBe(10); // half and half: the nearest-rank median is the lower
    expect(h.delayMs(12_000)).toBe(10);
  });

  it('clamps the delay', () => {
    const h = new HedgePolicy({ minSamples: 1, minDelayMs: 5, maxDelayMs: 50 });
    h.record(1, 0);
    expect(h.delayMs(1_000)).toBe(5);
    const slow = new HedgePolicy({ minSamples: 1, minDelayMs: 5, maxDelayMs: 50 });
    slow.record(500, 0);
    expect(slow.delayMs(1_000)).toBe(50);
  });

  it('rejects an impossible configuration', () => {
    expect(() => new HedgePolicy({ quantile: 1, minDelayMs: 10, maxDelayMs: 5 })).toThrow(/quantile must be in \(0, 1\).*maxDelayMs/);
  });
});
