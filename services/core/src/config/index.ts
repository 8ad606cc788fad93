export * from './kafka-env.js';
export { pickEnv } from './pick-env.js';
export { envInteger } from './env-integer.js';
