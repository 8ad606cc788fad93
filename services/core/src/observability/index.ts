export * from './logger.js';
export * from './bus-metrics.js';
export { startMetricsServer, type MetricsServer } from './metrics-server.js';
