export * from './types.js';
export * from './scoring-policy.js';
export * from './peer-median.js';
export * from './latency-evidence.js';
export * from './failure-evidence.js';
export * from './components.js';
export * from './score-service.js';
