import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKPRESSURE, TelemetryQueue, levelFor } from './telemetry-queue.js';

describe('TelemetryQueue', () => {
  it.each([
    [0, 'normal'],
    [0.74, 'normal'],
    [0.75, 'warning'],
    [0.9, 'critical'],
    [0.95, 'emergency'],
    [1, 'emergency'],
  ] as const)('utilization %d is level %s (seed 001 thresholds)', (utilization, level) => {
    expect(levelFor(utilization, DEFAULT_BACKPRESSURE)).toBe(level);
  });

  it('drops the oldest when full and reports each level once as it is entered', () => {
    const queue = new TelemetryQueue<number>(20);
    const entered: string[] = [];
    const evicted: number[] = [];
    for (let i = 0; i < 25; i += 1) {
      const result = queue.push(i);
      if (result.enteredLevel !== undefined) entered.push(result.enteredLevel);
      evicted.push(...result.evicted);
    }
    expect(entered).toEqual(['warning', 'critical', 'emergency']);
    expect(evicted).toEqual([0, 1, 2, 3, 4]);
    expect(queue.size).toBe(20);
    expect(queue.take(3)).toEqual([5, 6, 7]);
    expect(queue.level).toBe('warning');
  });

  it('puts a failed batch back in front and evicts the oldest of it when there is no room', () => {
    const queue = new TelemetryQueue<number>(5);
    [1, 2, 3, 4, 5].forEach((n) => queue.push(n));
    const batch = queue.take(3);
    queue.push(6);
    queue.push(7);
    expect(queue.requeue(batch)).toEqual([1, 2]);
    expect(queue.take(10)).toEqual([3, 4, 5, 6, 7]);
    expect(queue.size).toBe(0);
  });

  it('keeps order across wrap-around', () => {
    const queue = new TelemetryQueue<number>(3);
    const out: number[] = [];
    queue.push(0);
    queue.push(1);
    out.push(...queue.take(1));
    queue.push(2);
    queue.push(3);
    out.push(...queue.take(2));
    queue.push(4);
    queue.push(5);
    out.push(...queue.take(10));
    expect(out).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('refuses a capacity below one', () => {
    expect(() => new TelemetryQueue(0)).toThrow(RangeError);
  });
});
