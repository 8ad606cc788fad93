/**
 * The JSON form of events, so kcat, Kafka UI and slbctl can write config-updates as text:
 * natural JSON (a nullable field is its value or null, not Avro-JSON's {"string": ...}),
 * missing fields that have a schema default take it, bytes are base64 text.
 */
import type avro from 'avsc';
import { SlbError } from '../errors/index.js';
import type { TopicName } from '../topics/catalogue.js';
import type { ValidationIssue } from './codec.js';
import type { TopicEvents } from './generated.js';
import { topicType } from './schemas.js';
import { validateEvent } from './validate.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** True when `bytes` look like JSON text rather than the Confluent wire format (which starts 0x00). */
export function looksLikeJson(bytes: Buffer): boolean {
  for (const byte of bytes) {
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) continue;
    return byte === 0x7b; // '{'
  }
  return false;
}

/**
 * Parses JSON text into an event of `topic` and validates it. Throws SLB_EVENT_UNDECODABLE
 * for text that is not JSON, SLB_EVENT_INVALID (details.issues) for JSON that is not a valid event.
 */
export function eventFromJson<T extends TopicName>(topic: T, text: string): TopicEvents[T] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new SlbError('SLB_EVENT_UNDECODABLE', `${topic}: not JSON: ${(error as Error).message}`, { cause: error, details: { topic } });
  }
  const issues: ValidationIssue[] = [];
  const value = fromJsonForm(topicType(topic), parsed, '', issues);
  issues.push(...(issues.length === 0 ? validateEvent(topic, value) : []));
  if (issues.length > 0) throw invalidEvent(topic, issues);
  return value as TopicEvents[T];
}

export function invalidEvent(topic: string, issues: readonly ValidationIssue[]): SlbError {
  const first = issues.slice(0, 3).map((i) => `${i.path === '' ? '(event)' : i.path} ${i.message}`).join('; ');
  const more = issues.length > 3 ? ` (+${issues.length - 3} more)` : '';
  return new SlbError('SLB_EVENT_INVALID', `invalid ${topic} event: ${first}${more}`, { details: { topic, issues } });
}

/** The natural JSON form of an event (bytes as base64): what slbctl prints and kcat can send back. */
export function eventToJson<T extends TopicName>(topic: T, value: TopicEvents[T]): unknown {
  void topic;
  return JSON.parse(JSON.stringify(value, (_key, v: unknown) => (isSerializedBuffer(v) ? Buffer.from(v.data).toString('base64') : v)));
}

function isSerializedBuffer(v: unknown): v is { type: 'Buffer'; data: number[] } {
  return typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data);
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

/** Fills defaults and decodes base64 following the schema; leaves anything else for validation. */
function fromJsonForm(type: avro.Type, value: unknown, path: string, issues: ValidationIssue[]): unknown {
  const kind = type.typeName;
  if ((kind === 'bytes' || kind === 'fixed') && typeof value === 'string') {
    if (!BASE64.test(value)) {
      issues.push({ path, message: 'expected base64 text' });
      return value;
    }
    return Buffer.from(value, 'base64');
  }
  if (kind === 'record' && isPlainObject(value)) {
    const out: Record<string, unknown> = { ...value };
    for (const field of (type as avro.types.RecordType).fields) {
      const given = value[field.name];
      if (given === undefined) {
        const withDefault = field as avro.types.Field & { defaultValue(): unknown };
        const fallback = withDefault.defaultValue();
        if (fallback !== undefined) out[field.name] = fallback;
        continue;
      }
      out[field.name] = fromJsonForm(field.type, given, join(path, field.name), issues);
    }
    return out;
  }
  if (kind === 'array' && Array.isArray(value)) {
    const items = (type as avro.types.ArrayType).itemsType;
    return value.map((item, i) => fromJsonForm(items, item, `${path}[${i}]`, issues));
  }
  if (kind === 'map' && isPlainObject(value)) {
    const values = (type as avro.types.MapType).valuesType as avro.Type;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromJsonForm(values, v, join(path, k), issues)]));
  }
  if (kind.startsWith('union') && value !== null) {
    const branches = (type as avro.types.UnwrappedUnionType).types.filter((b) => b.typeName !== 'null');
    const only = branches[0];
    if (branches.length === 1 && only !== undefined) return fromJsonForm(only, value, path, issues);
  }
  return value;
}
