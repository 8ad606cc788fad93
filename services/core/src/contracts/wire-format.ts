/**
 * The Confluent wire format: magic byte 0, the schema's registry id as a 4-byte big-endian
 * integer, then the Avro binary body.
 */
import { SlbError } from '../errors/index.js';

export const MAGIC_BYTE = 0;
export const HEADER_BYTES = 5;

export function frame(schemaId: number, body: Buffer): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt8(MAGIC_BYTE, 0);
  header.writeInt32BE(schemaId, 1);
  return Buffer.concat([header, body]);
}

export interface Framed {
  readonly schemaId: number;
  readonly body: Buffer;
}

/** Splits wire-format bytes; throws SLB_EVENT_UNDECODABLE when they are not in that format. */
export function unframe(topic: string, bytes: Buffer): Framed {
  if (bytes.length < HEADER_BYTES) {
    throw new SlbError('SLB_EVENT_UNDECODABLE', `${topic}: ${bytes.length} bytes is too short for the wire format`, { details: { topic, reason: 'too-short' } });
  }
  const magic = bytes.readUInt8(0);
  if (magic !== MAGIC_BYTE) {
    throw new SlbError('SLB_EVENT_UNDECODABLE', `${topic}: magic byte ${magic}, expected ${MAGIC_BYTE}`, { details: { topic, reason: 'bad-magic-byte', magic } });
  }
  return { schemaId: bytes.readInt32BE(1), body: bytes.subarray(HEADER_BYTES) };
}
