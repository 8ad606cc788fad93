/**
 * kafkajs is CommonJS, and Node's ESM loader cannot see its runtime exports as named imports
 * (vitest can, so tests alone would not notice). Every runtime value from kafkajs is imported
 * from here; types still come from 'kafkajs' directly.
 */
import kafkajs from 'kafkajs';

export const { Kafka, logLevel, Partitioners, CompressionCodecs, CompressionTypes, ConfigResourceTypes } = kafkajs;
export type Kafka = import('kafkajs').Kafka;
export type CompressionTypes = import('kafkajs').CompressionTypes;
