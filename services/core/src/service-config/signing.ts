/**
 * Ed25519 signatures over config updates. The signed bytes are the canonical encoding of the
 * *normalized* update with `signature` = null: JSON with object keys sorted at every level, no
 * whitespace, bytes as base64. Normalizing first means omitted defaults and explicit defaults
 * sign identically, so an update signed by slbctl from YAML verifies in a proxy that received
 * it as Avro.
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { ConfigUpdate } from '../contracts/generated.js';
import { DEFAULT_REQUEST_BUFFER_BYTES } from './normalize.js';

function canonical(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Buffer.isBuffer(value)) return JSON.stringify(value.toString('base64'));
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Fields added to the schema after its first release, with their defaults. Each is signed only
 * when it differs from its default: an update signed by an older slbctl (which never had the
 * field) still verifies in a newer proxy, which reads it with the default filled in.
 */
const ADDED_FIELD_DEFAULTS: Readonly<Partial<Record<keyof ConfigUpdate, unknown>>> = Object.freeze({
  requestBufferBytes: DEFAULT_REQUEST_BUFFER_BYTES,
});

/** The bytes an Ed25519 signature of `update` covers. */
export function canonicalConfigBytes(update: ConfigUpdate): Buffer {
  const signed: Record<string, unknown> = { ...update, signature: null };
  for (const [field, fallback] of Object.entries(ADDED_FIELD_DEFAULTS)) if (signed[field] === fallback) delete signed[field];
  return Buffer.from(canonical(signed), 'utf8');
}

/** Accepts a KeyObject, PEM text, or raw 32-byte / base64 keys. */
function toKey(key: KeyObject | string | Buffer, kind: 'public' | 'private'): KeyObject {
  if (typeof key === 'object' && !Buffer.isBuffer(key)) return key;
  const text = Buffer.isBuffer(key) ? undefined : key.trim();
  if (text !== undefined && text.startsWith('-----BEGIN')) return kind === 'public' ? createPublicKey(text) : createPrivateKey(text);
  const raw = Buffer.isBuffer(key) ? key : Buffer.from(text!, 'base64');
  if (raw.length !== 32) throw new TypeError(`an Ed25519 ${kind} key must be PEM or 32 raw bytes (got ${raw.length} bytes)`);
  // DER prefixes of SubjectPublicKeyInfo / PKCS#8 for Ed25519 followed by the raw key.
  const prefix = kind === 'public' ? '302a300506032b6570032100' : '302e020100300506032b657004220420';
  const der = Buffer.concat([Buffer.from(prefix, 'hex'), raw]);
  return kind === 'public' ? createPublicKey({ key: der, format: 'der', type: 'spki' }) : createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

/** Returns a copy of `update` carrying its Ed25519 signature. */
export function signConfigUpdate(update: ConfigUpdate, privateKey: KeyObject | string | Buffer): ConfigUpdate {
  const signature = sign(null, canonicalConfigBytes(update), toKey(privateKey, 'private'));
  return { ...update, signature };
}

/** True when `update.signature` is a valid Ed25519 signature by `publicKey`. */
export function verifyConfigUpdate(update: ConfigUpdate, publicKey: KeyObject | string | Buffer): boolean {
  if (update.signature === null || update.signature.length !== 64) return false;
  try {
    return verify(null, canonicalConfigBytes(update), toKey(publicKey, 'public'), update.signature);
  } catch {
    return false;
  }
}

export function toPublicKey(key: KeyObject | string | Buffer): KeyObject {
  return toKey(key, 'public');
}
