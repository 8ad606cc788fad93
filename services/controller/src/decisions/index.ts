export * from './types.js';
export * from './decision-policy.js';
export * from './decide.js';
export * from './decide-batch.js';
