/**
 * The load-test scenarios the seeds name, as data. Seed 004 (performance tuning guide):
 * normal 1,000/s for an hour, peak 10,000/s for 30 min, burst "variable load with spikes up to
 * 50,000/s" for 30 min. Seed 001 (Kafka integration): baseline 1K/s and high 10K/s for 5 min,
 * peak 20K/s for 2 min. The burst's shape (a 10 s spike every 60 s over the normal rate) is our
 * reading of "variable with spikes": the seed gives only the ceiling.
 */
import type { BurstSpec } from './burst-spec.js';

export interface Scenario {
  readonly name: string;
  readonly source: string;
  /** Requests per second (the base rate when there is a burst). */
  readonly rate: number;
  readonly durationSeconds: number;
  readonly burst?: BurstSpec;
}

export const SCENARIOS: Readonly<Record<string, Scenario>> = Object.freeze({
  normal: { name: 'normal', source: 'seed 004 scenario 1', rate: 1_000, durationSeconds: 3_600 },
  peak: { name: 'peak', source: 'seed 004 scenario 2', rate: 10_000, durationSeconds: 1_800 },
  burst: {
    name: 'burst',
    source: 'seed 004 scenario 3',
    rate: 1_000,
    durationSeconds: 1_800,
    burst: { rate: 50_000, seconds: 10, everySeconds: 60 },
  },
  baseline: { name: 'baseline', source: 'seed 001 scenario 1', rate: 1_000, durationSeconds: 300 },
  high: { name: 'high', source: 'seed 001 scenario 2', rate: 10_000, durationSeconds: 300 },
  'peak-20k': { name: 'peak-20k', source: 'seed 001 scenario 3', rate: 20_000, durationSeconds: 120 },
});

export const SCENARIO_NAMES = Object.freeze(Object.keys(SCENARIOS));
