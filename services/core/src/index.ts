export * from './errors/index.js';
export * from './topics/index.js';
export * from './bus/index.js';
export * from './contracts/index.js';
