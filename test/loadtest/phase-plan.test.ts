import { describe, expect, it } from 'vitest';
import { defaultConnections, planPhases, plannedRequests, type Phase } from '../../bench/loadtest/phase-plan.js';

const row = (p: Phase) => `${p.name}@${p.rate}x${p.seconds}`;

describe('planPhases', () => {
  it.each([
    ['no burst: one steady phase', { rate: 100, durationSeconds: 30 }, ['steady@100x30']],
    ['burst periods fit the duration', { rate: 10, durationSeconds: 6, burst: { rate: 50, seconds: 1, everySeconds: 3 } }, ['base 1@10x2', 'spike 1@50x1', 'base 2@10x2', 'spike 2@50x1']],
    ['the last spike is cut at the duration', { rate: 10, durationSeconds: 5, burst: { rate: 50, seconds: 2, everySeconds: 4 } }, ['base 1@10x2', 'spike 1@50x2', 'base 2@10x1']],
    ['the last base is cut and no spike follows', { rate: 10, durationSeconds: 7, burst: { rate: 50, seconds: 1, everySeconds: 5 } }, ['base 1@10x4', 'spike 1@50x1', 'base 2@10x2']],
    ['a duration shorter than one base period', { rate: 10, durationSeconds: 3, burst: { rate: 50, seconds: 5, everySeconds: 60 } }, ['base 1@10x3']],
    ['seed 004 burst: 10 s spikes every 60 s for 30 min', { rate: 1_000, durationSeconds: 1_800, burst: { rate: 50_000, seconds: 10, everySeconds: 60 } }, null],
  ])('%s', (_name, input, expected) => {
    const phases = planPhases(input);
    if (expected !== null) expect(phases.map(row)).toEqual(expected);
    expect(phases.reduce((s, p) => s + p.seconds, 0)).toBe(input.durationSeconds);
    for (const p of phases) expect(p.seconds).toBeGreaterThan(0);
  });

  it('runs 30 base/spike pairs for the seed 004 burst scenario', () => {
    const phases = planPhases({ rate: 1_000, durationSeconds: 1_800, burst: { rate: 50_000, seconds: 10, everySeconds: 60 } });
    expect(phases).toHaveLength(60);
    expect(phases.filter((p) => p.kind === 'spike').every((p) => p.rate === 50_000 && p.seconds === 10)).toBe(true);
    expect(plannedRequests(phases)).toBe(30 * (50 * 1_000 + 10 * 50_000));
  });
});

describe('defaultConnections', () => {
  it.each([
    [1, 10],
    [100, 10],
    [1_000, 50],
    [10_001, 501],
    [50_000, 1_000],
  ])('rate %i -> %i connections', (rate, expected) => {
    expect(defaultConnections(rate)).toBe(expected);
  });
});
