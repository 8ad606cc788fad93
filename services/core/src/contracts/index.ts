export type { TopicEvents } from './generated.js';
export * from './generated.js';
export {
  type ValidationIssue,
  type EventCodec,
  type RegistryCodecOptions,
  validateEvent,
  createRegistryCodec,
} from './codec.js';
