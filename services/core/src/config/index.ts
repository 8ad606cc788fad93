export * from './kafka-env.js';
