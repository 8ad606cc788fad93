/**
 * The EventCodec of distributed mode: Avro in the Confluent wire format through a
 * Confluent-compatible schema registry (Apicurio's ccompat API in development, Confluent's
 * registry under docker compose). Subjects follow TopicNameStrategy: `${prefix}${topic}-value`.
 *
 * Writing registers the topic's schema from proto/ once (BACKWARD compatibility on a new
 * subject, so the registry itself refuses incompatible changes) and caches its id. Reading
 * fetches the writer schema by id once and resolves it into the current schema, so events
 * written with an older compatible schema still decode.
 */
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { SlbError, isSlbError } from '../errors/index.js';
import { TOPICS, type TopicName } from '../topics/catalogue.js';
import type { EventCodec, RegistryCodecOptions } from './codec.js';
import type { TopicEvents } from './generated.js';
import { avroBoundsProblem } from './avro-bounds.js';
import { eventFromJson, invalidEvent, looksLikeJson } from './json-form.js';
import { topicSchema, topicType } from './schemas.js';
import { validateEvent } from './validate.js';
import { frame, unframe } from './wire-format.js';

/** The registry subject of a topic's values (TopicNameStrategy). */
export function subjectFor(topic: TopicName, subjectPrefix = ''): string {
  return `${subjectPrefix}${topic}-value`;
}

export function createRegistryCodec(options: RegistryCodecOptions): EventCodec {
  return new RegistryCodec(options);
}

interface Reader {
  readonly writer: avro.Type;
  /** Null when the writer schema is the current one. */
  readonly resolver: avro.Resolver | null;
}

class RegistryCodec implements EventCodec {
  private readonly registry: SchemaRegistry;
  private readonly prefix: string;
  private readonly url: string;
  private readonly auth: RegistryCodecOptions['auth'];
  private readonly ids = new Map<TopicName, Promise<number>>();
  private readonly readers = new Map<string, Promise<Reader>>();

  constructor(options: RegistryCodecOptions) {
    this.prefix = options.subjectPrefix ?? '';
    this.url = options.registryUrl.replace(/\/+$/, '');
    this.auth = options.auth;
    this.registry = new SchemaRegistry({
      host: this.url,
      clientId: 'slb',
      ...(options.auth === undefined ? {} : { auth: { username: options.auth.username, password: options.auth.password } }),
    });
  }

  async encode<T extends TopicName>(topic: T, value: TopicEvents[T]): Promise<Buffer> {
    const issues = validateEvent(topic, value);
    if (issues.length > 0) throw invalidEvent(topic, issues);
    const id = await this.schemaId(topic);
    return frame(id, topicType(topic).toBuffer(value));
  }

  async decode<T extends TopicName>(topic: T, bytes: Buffer): Promise<TopicEvents[T]> {
    if (!Buffer.isBuffer(bytes)) {
      throw new SlbError('SLB_EVENT_UNDECODABLE', `${topic}: expected bytes`, { details: { topic, reason: 'not-bytes' } });
    }
    if (topic === 'config-updates' && looksLikeJson(bytes)) return eventFromJson(topic, bytes.toString('utf8'));
    const { schemaId, body } = unframe(topic, bytes);
    const { writer, resolver } = await this.reader(topic, schemaId);
    const problem = avroBoundsProblem(writer, body);
    if (problem !== null) {
      throw new SlbError('SLB_EVENT_UNDECODABLE', `${topic}: Avro body does not fit schema ${schemaId}: ${problem}`, {
        details: { topic, schemaId, reason: 'bad-avro' },
      });
    }
    let value: unknown;
    try {
      value = resolver === null ? topicType(topic).fromBuffer(body) : topicType(topic).fromBuffer(body, resolver);
    } catch (error) {
      throw new SlbError('SLB_EVENT_UNDECODABLE', `${topic}: Avro body does not decode with schema ${schemaId}: ${(error as Error).message}`, {
        cause: error,
        details: { topic, schemaId, reason: 'bad-avro' },
      });
    }
    const issues = validateEvent(topic, value);
    if (issues.length > 0) throw invalidEvent(topic, issues);
    return value as TopicEvents[T];
  }

  /** The registry id of the current schema of `topic`, registering it on first use. */
  private schemaId(topic: TopicName): Promise<number> {
    return this.memo(this.ids, topic, () => this.register(topic));
  }

  private async register(topic: TopicName): Promise<number> {
    const subject = subjectFor(topic, this.prefix);
    const schema = { type: SchemaType.AVRO, schema: JSON.stringify(topicSchema(topic)) } as const;
    try {
      const { id } = await this.registry.register(schema, { subject, compatibility: COMPATIBILITY.BACKWARD }).catch(async (error: unknown) => {
        // Two processes creating the subject at once both find no rule, both register (the
        // same schema, so the same id) and both set BACKWARD; the registry refuses the second
        // rule as existing (Apicurio: 409). The rule wanted is there: once more, the client now
        // finds it and only looks the id up.
        if (!isRuleCreationRace(error)) throw error;
        return this.registry.register(schema, { subject, compatibility: COMPATIBILITY.BACKWARD });
      });
      return id;
    } catch (error) {
      // The client refuses to register when the subject already has a compatibility level other
      // than BACKWARD (set by an operator, or the registry's default on a subject Kafka UI made).
      // That level is the owner's choice: register under it, and let the registry judge.
      if (error instanceof Error && error.name === 'ConfluentSchemaRegistryCompatibilityError') {
        return this.registerUnderExistingRule(subject, schema.schema);
      }
      throw registryError(error, `registering the ${topic} schema under ${subject}`, { subject });
    }
  }

  private async registerUnderExistingRule(subject: string, schema: string): Promise<number> {
    const headers: Record<string, string> = { 'content-type': 'application/vnd.schemaregistry.v1+json' };
    if (this.auth !== undefined) headers.authorization = `Basic ${Buffer.from(`${this.auth.username}:${this.auth.password}`).toString('base64')}`;
    let response: Response;
    try {
      response = await fetch(`${this.url}/subjects/${encodeURIComponent(subject)}/versions`, { method: 'POST', headers, body: JSON.stringify({ schema }) });
    } catch (error) {
      throw registryError(error, `registering under ${subject}`, { subject });
    }
    const body = (await response.json().catch(() => ({}))) as { id?: unknown; message?: unknown };
    if (response.ok && typeof body.id === 'number') return body.id;
    throw registryError(Object.assign(new Error(String(body.message ?? response.statusText)), { status: response.status }), `registering under ${subject}`, { subject });
  }

  private reader(topic: TopicName, schemaId: number): Promise<Reader> {
    return this.memo(this.readers, `${topic}\u0000${schemaId}`, async () => {
      let writerSchema: unknown;
      try {
        writerSchema = (await this.registry.getSchema(schemaId)) as unknown;
      } catch (error) {
        if (statusOf(error) === 404) {
          throw new SlbError('SLB_EVENT_UNDECODABLE', `${topic}: unknown schema id ${schemaId}`, {
            cause: error,
            details: { topic, schemaId, reason: 'unknown-schema-id' },
          });
        }
        throw registryError(error, `fetching schema ${schemaId}`, { schemaId });
      }
      const reader = topicType(topic);
      // Rebuild the writer with our avsc: the client may carry its own copy of the library.
      const rawSchema = (writerSchema as { schema?: unknown } | null)?.schema;
      if (typeof rawSchema !== 'function') {
        throw new SlbError('SLB_EVENT_UNDECODABLE', `${topic}: schema ${schemaId} is not an Avro schema`, {
          details: { topic, schemaId, reason: 'not-avro' },
        });
      }
      const writer = avro.Type.forSchema((writerSchema as avro.Type).schema() as avro.Schema);
      if (writer.equals(reader)) return { writer, resolver: null };
      try {
        return { writer, resolver: reader.createResolver(writer) };
      } catch (error) {
        throw new SlbError('SLB_EVENT_UNDECODABLE', `${topic}: schema ${schemaId} (${writer.name ?? writer.typeName}) cannot be read as ${TOPICS[topic].schema}`, {
          cause: error,
          details: { topic, schemaId, reason: 'incompatible-writer-schema' },
        });
      }
    });
  }

  /** One in-flight lookup per key; a failure is not cached, so the next call tries again. */
  private memo<K, V>(cache: Map<K, Promise<V>>, key: K, load: () => Promise<V>): Promise<V> {
    let pending = cache.get(key);
    if (pending === undefined) {
      pending = load();
      cache.set(key, pending);
      pending.catch(() => cache.delete(key));
    }
    return pending;
  }
}

function isRuleCreationRace(error: unknown): boolean {
  return statusOf(error) === 409 && /rule .*already exists/i.test((error as Error | null)?.message ?? '');
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** Maps a registry client failure to an SlbError by HTTP status (none = network trouble). */
function registryError(error: unknown, doing: string, details: Record<string, unknown>): SlbError {
  if (isSlbError(error)) return error;
  const status = statusOf(error);
  const message = `${doing}: ${(error as Error | null)?.message ?? String(error)}`;
  const options = { cause: error, details: { ...details, status } };
  switch (status) {
    case 409:
      return new SlbError('SLB_SCHEMA_INCOMPATIBLE', message, options);
    case 422:
      return new SlbError('SLB_SCHEMA_INVALID', message, options);
    case 401:
    case 403:
      return new SlbError('SLB_REGISTRY_UNAUTHORIZED', message, options);
    default:
      return new SlbError('SLB_REGISTRY_UNREACHABLE', message, options);
  }
}
