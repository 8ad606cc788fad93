export * from './catalogue.js';
export * from './keys.js';
export * from './ensure-topics.js';
