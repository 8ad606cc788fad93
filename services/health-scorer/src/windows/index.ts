export * from './types.js';
export * from './latency-sketch.js';
export * from './verdicts.js';
export * from './window-policy.js';
export * from './window-aggregator.js';
