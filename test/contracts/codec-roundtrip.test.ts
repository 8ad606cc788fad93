/**
 * Every topic's example event survives encode -> Confluent wire format -> decode through the
 * real registry, also by a second codec that knows the schema only by its id.
 */
import { DDSketch } from '@datadog/sketches-js';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { TOPIC_NAMES, createRegistryCodec, exampleEvents, frame, subjectFor, topicSchema } from '@slb/core';
import { testKafka, uniqueName } from '../support/kafka.js';
import { getCompatibility, registerSchema, setCompatibility } from './registry-rest.js';

const { registryUrl } = testKafka();
const subjectPrefix = `${uniqueName('contracts')}.`;
const writer = createRegistryCodec({ registryUrl, subjectPrefix });
const reader = createRegistryCodec({ registryUrl, subjectPrefix });

describe('registry codec round trip', () => {
  it.each(TOPIC_NAMES)('%s: encode then decode gives the event back', async (topic) => {
    const event = exampleEvents()[topic];
    const bytes = await writer.encode(topic, event);
    expect(bytes[0]).toBe(0);
    expect(await reader.decode(topic, bytes)).toEqual(event);
  });

  it('registers each topic under <prefix><topic>-value with BACKWARD compatibility', async () => {
    await writer.encode('alerts', exampleEvents().alerts);
    expect(await getCompatibility(registryUrl, subjectFor('alerts', subjectPrefix))).toBe('BACKWARD');
  });

  it('carries a DDSketch that still answers quantiles and merges after the trip', async () => {
    const sketch = new DDSketch({ relativeAccuracy: 0.01 });
    for (let ms = 1; ms <= 1_000; ms++) sketch.accept(ms);
    const event = { ...exampleEvents()['service-metrics'], latencySketch: Buffer.from(sketch.toProto()) };
    const decoded = await reader.decode('service-metrics', await writer.encode('service-metrics', event));
    const back = DDSketch.fromProto(decoded.latencySketch as Buffer);
    expect(back.getValueAtQuantile(0.95)).toBeGreaterThan(950 * 0.99);
    expect(back.getValueAtQuantile(0.95)).toBeLessThan(950 * 1.01);
    back.merge(DDSketch.fromProto(sketch.toProto()));
    expect(back.count).toBe(2_000);
  });

  it('decodes an event written with an older, compatible schema, filling the new field with its default', async () => {
    const current = topicSchema('health-status') as { fields: Array<{ name: string }> };
    const older = { ...current, fields: current.fields.filter((f) => f.name !== 'details') };
    const id = await registerSchema(registryUrl, `${subjectPrefix}older-health-status-value`, older);
    const { details: _details, ...olderEvent } = exampleEvents()['health-status'];
    const bytes = frame(id, avro.Type.forSchema(older as never).toBuffer(olderEvent));
    expect(await reader.decode('health-status', bytes)).toEqual({ ...olderEvent, details: {} });
  });

  it("respects a subject's existing rule: registers under it, and reports its refusal", async () => {
    const prefix = `${uniqueName('owned')}.`;
    const subject = subjectFor('audit-logs', prefix);
    // An operator created the subject first, with FULL compatibility and an older schema that
    // had a required `ticket` field ours lacks: under FULL ours cannot follow it.
    const audit = topicSchema('audit-logs') as { fields: object[] };
    await registerSchema(registryUrl, subject, { ...audit, fields: [...audit.fields, { name: 'ticket', type: 'string' }] });
    await setCompatibility(registryUrl, subject, 'FULL');
    const codec = createRegistryCodec({ registryUrl, subjectPrefix: prefix });
    await expect(codec.encode('audit-logs', exampleEvents()['audit-logs'])).rejects.toMatchObject({ code: 'SLB_SCHEMA_INCOMPATIBLE' });

    // Under NONE (Apicurio's default) ours is simply registered, and the rule is left alone.
    await setCompatibility(registryUrl, subject, 'NONE');
    const bytes = await codec.encode('audit-logs', exampleEvents()['audit-logs']);
    expect(await reader.decode('audit-logs', bytes)).toEqual(exampleEvents()['audit-logs']);
    expect(await getCompatibility(registryUrl, subject)).toBe('NONE');
  });
});
