export * from './normalize.js';
export * from './validate.js';
export * from './signing.js';
export * from './check.js';
export * from './strict-fields.js';
