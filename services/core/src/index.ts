export * from './errors/index.js';
export * from './topics/index.js';
export * from './bus/index.js';
export * from './contracts/index.js';
export * from './service-config/index.js';
export * from './config/index.js';
export * from './observability/index.js';
export * from './kafka/index.js';
