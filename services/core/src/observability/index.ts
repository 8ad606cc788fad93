export * from './logger.js';
export * from './bus-metrics.js';
export { startMetricsServer, type MetricsServer } from './metrics-server.js';
export { collectProcessMetrics, GAUGES_NAMED_LIKE_COUNTERS } from './process-metrics.js';
