export * from './logger.js';
export * from './bus-metrics.js';
