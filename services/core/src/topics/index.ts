export * from './catalogue.js';
export * from './ensure-topics.js';
