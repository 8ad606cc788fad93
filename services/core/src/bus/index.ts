export type * from './types.js';
export { createInProcessBus, type InProcessBusOptions } from './in-process-bus.js';
export { partitionForKey, murmur2 } from './murmur2.js';
export { deadLetterRecord, type DeadLetterOrigin } from './dead-letter.js';
export { assertValidEvent } from './event-checks.js';
