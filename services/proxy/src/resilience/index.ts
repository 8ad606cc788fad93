export * from './outlier-detector.js';
export * from './retry-budget.js';
export * from './backoff.js';
export * from './retry-policy.js';
export * from './circuit-breaker.js';
export * from './latency-window.js';
export * from './hedging.js';
