export * from './types.js';
export * from './alert-book.js';
export * from './conditions.js';
export * from './adopted-ejections.js';
