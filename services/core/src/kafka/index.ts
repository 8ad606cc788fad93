export * from './client.js';
export * from './compression.js';
export * from './producer-profiles.js';
export * from './circuit-breaker.js';
export * from './telemetry-queue.js';
export { createKafkaBus, type KafkaBus, type KafkaBusOptions } from './kafka-bus.js';
export type { TelemetryOptions } from './telemetry-publisher.js';
export { createKafkaBusFromConfig, type BusFromConfigOptions } from './bus-from-config.js';
export { lazyAdmin } from './lazy-admin.js';
