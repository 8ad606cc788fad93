export * from './outlier-detector.js';
export * from './retry-budget.js';
export * from './backoff.js';
export * from './retry-policy.js';
export * from './admission-limits.js';
export * from './latency-window.js';
export * from './hedging.js';
export * from './throttle-hold.js';
