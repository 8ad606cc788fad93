export * from './kafka-env.js';
export { pickEnv } from './pick-env.js';
export { envInteger } from './env-integer.js';
export { LOG_LEVELS, envLogLevel, type LogLevel } from './env-log-level.js';
