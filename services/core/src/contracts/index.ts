/**
 * The event contracts: types generated from proto/*.avsc, validation, the JSON form of
 * config-updates, and the registry-backed codec (Confluent wire format).
 */
export * from './generated.js';
export {
  type ValidationIssue,
  type EventCodec,
  type RegistryCodecOptions,
  validateEvent,
  createRegistryCodec,
} from './codec.js';
export { subjectFor } from './registry-codec.js';
export { eventFromJson, eventToJson, looksLikeJson } from './json-form.js';
export { topicSchema } from './schemas.js';
export { exampleEvents } from './examples.js';
export { MAGIC_BYTE, frame, unframe } from './wire-format.js';
