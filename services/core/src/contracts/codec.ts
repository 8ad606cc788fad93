/**
 * The event codec contract: turns topic events into Confluent wire-format bytes and back.
 * The implementation (registry-codec.ts) talks to a Confluent-compatible schema registry;
 * validation (validate.ts) is pure and needs no registry.
 */
import type { TopicName } from '../topics/catalogue.js';
import type { TopicEvents } from './generated.js';

export interface ValidationIssue {
  readonly path: string;
  readonly message: string;
}

export interface EventCodec {
  /** Avro-encode in Confluent wire format (magic 0, 4-byte schema id, body). Throws SlbError SLB_EVENT_INVALID with details.issues. */
  encode<T extends TopicName>(topic: T, value: TopicEvents[T]): Promise<Buffer>;
  /** Decode wire-format bytes (for config-updates also plain JSON text). Throws SlbError SLB_EVENT_UNDECODABLE (bad magic byte, unknown schema id, garbage) or SLB_EVENT_INVALID (decodes but fails validation). */
  decode<T extends TopicName>(topic: T, bytes: Buffer): Promise<TopicEvents[T]>;
}

export interface RegistryCodecOptions {
  readonly registryUrl: string;
  /** Prepended to every subject: `${subjectPrefix}${topic}-value`. */
  readonly subjectPrefix?: string;
  readonly auth?: { readonly username: string; readonly password: string };
}

export { validateEvent } from './validate.js';
export { createRegistryCodec } from './registry-codec.js';
