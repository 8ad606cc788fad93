/**
 * Issue 2 item 3: @kafkajs/confluent-schema-registry works against the registry we run
 * (Apicurio's ccompat API; Confluent's own under docker compose): register, encode, decode,
 * and an incompatible change refused once the subject has a compatibility rule.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { createRegistryCodec, exampleEvents, topicSchema } from '@slb/core';
import { testKafka, uniqueName } from '../support/kafka.js';
import { getCompatibility, registerSchema, setCompatibility } from './registry-rest.js';

// The client exactly as the core package resolves it (it is not necessarily hoisted to the root).
const coreRequire = createRequire(new URL('../../services/core/package.json', import.meta.url));
const { COMPATIBILITY, SchemaRegistry, SchemaType } = coreRequire('@kafkajs/confluent-schema-registry') as typeof import('@kafkajs/confluent-schema-registry');

const { registryUrl } = testKafka();

const v1 = { type: 'record', name: 'Probe', namespace: 'slb.test', fields: [{ name: 'id', type: 'string' }] };
const v2Compatible = { ...v1, fields: [...v1.fields, { name: 'note', type: ['null', 'string'], default: null }] };
const v2Incompatible = { ...v1, fields: [...v1.fields, { name: 'required', type: 'long' }] };
const avroSchema = (schema: object) => ({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }) as const;

describe('schema registry proof', () => {
  it('registers, encodes and decodes in the Confluent wire format', async () => {
    const registry = new SchemaRegistry({ host: registryUrl });
    const subject = `${uniqueName('proof')}-value`;
    const { id } = await registry.register(avroSchema(v1), { subject });
    const bytes = await registry.encode(id, { id: 'a' });
    expect(bytes[0]).toBe(0);
    expect(bytes.readInt32BE(1)).toBe(id);
    expect(await registry.decode(bytes)).toEqual({ id: 'a' });
  });

  it('accepts a compatible change and refuses an incompatible one under BACKWARD', async () => {
    const registry = new SchemaRegistry({ host: registryUrl });
    const subject = `${uniqueName('proof')}-value`;
    await registry.register(avroSchema(v1), { subject, compatibility: COMPATIBILITY.BACKWARD });
    // Apicurio has no rule by default (global NONE); the client set one on first registration.
    expect(await getCompatibility(registryUrl, subject)).toBe('BACKWARD');
    await registry.register(avroSchema(v2Compatible), { subject, compatibility: COMPATIBILITY.BACKWARD });
    await expect(registry.register(avroSchema(v2Incompatible), { subject, compatibility: COMPATIBILITY.BACKWARD })).rejects.toMatchObject({ status: 409 });
  });

  it('without a rule the registry accepts anything; setting BACKWARD through the config API enforces it', async () => {
    const registry = new SchemaRegistry({ host: registryUrl });
    const loose = `${uniqueName('proof')}-value`;
    await registerSchema(registryUrl, loose, v1); // plain REST: sets no rule
    expect(await getCompatibility(registryUrl, loose)).toBe('NONE');

    await setCompatibility(registryUrl, loose, 'BACKWARD');
    expect(await getCompatibility(registryUrl, loose)).toBe('BACKWARD');
    await expect(registry.register(avroSchema(v2Incompatible), { subject: loose, compatibility: COMPATIBILITY.BACKWARD })).rejects.toMatchObject({ status: 409 });
  });

  it('the event codec reports a refused schema change as SLB_SCHEMA_INCOMPATIBLE', async () => {
    const subjectPrefix = `${uniqueName('proof')}.`;
    const registry = new SchemaRegistry({ host: registryUrl });
    // An older alerts schema without `summary`: ours requires it (no default), so ours could not
    // read the events already written, and BACKWARD forbids it.
    const alerts = topicSchema('alerts') as { fields: Array<{ name: string }> };
    const theirs = { ...alerts, fields: alerts.fields.filter((f) => f.name !== 'summary') };
    await registry.register(avroSchema(theirs), { subject: `${subjectPrefix}alerts-value`, compatibility: COMPATIBILITY.BACKWARD });

    const codec = createRegistryCodec({ registryUrl, subjectPrefix });
    await expect(codec.encode('alerts', exampleEvents().alerts)).rejects.toMatchObject({ code: 'SLB_SCHEMA_INCOMPATIBLE' });
  });

  it('processes that register a new subject at the same moment all succeed (the compatibility rule is set once)', async () => {
    // Each codec sets BACKWARD on the subject it creates: two at once used to race, and the
    // loser failed with "A rule named 'COMPATIBILITY' already exists" (a push refused, a role
    // that could not publish), although the rule it wanted was there.
    for (let round = 0; round < 10; round++) {
      const subjectPrefix = `${uniqueName('race')}.`;
      const codecs = Array.from({ length: 10 }, () => createRegistryCodec({ registryUrl, subjectPrefix }));
      const encoded = await Promise.allSettled(codecs.map((c) => c.encode('alerts', exampleEvents().alerts)));
      expect(encoded.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
      expect(await getCompatibility(registryUrl, `${subjectPrefix}alerts-value`)).toBe('BACKWARD');
    }
  });
});
