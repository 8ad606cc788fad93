export * from './alertmanager-mapping.js';
export * from './routing-table.js';
export * from './dedup-book.js';
export * from './retry-policy.js';
export * from './http-sender.js';
export * from './metrics.js';
export * from './create-alert-router.js';
export { envToConfig, readEnv, ENV_KEYS, DEFAULT_METRICS_PORT, DEFAULT_METRICS_HOST, type AlertRouterConfig, type AlertRouterEnv } from './config.js';
