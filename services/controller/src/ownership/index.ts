export * from './handover.js';
export * from './window-arrivals.js';
