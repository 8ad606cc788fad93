/**
 * Poison input against the real registry: every kind of bad bytes gives a stable SlbError
 * code, quickly, and never takes the process down (ARCHITECTURE rule 3).
 */
import { randomBytes } from 'node:crypto';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { TOPIC_NAMES, createRegistryCodec, exampleEvents, frame, isSlbError, topicSchema, unframe, type TopicName } from '@slb/core';
import { testKafka, uniqueName } from '../support/kafka.js';

const { registryUrl } = testKafka();
const codec = createRegistryCodec({ registryUrl, subjectPrefix: `${uniqueName('poison')}.` });
const TWO_MB = 2 * 1024 * 1024;

async function codeOf(topic: TopicName, bytes: Buffer): Promise<string> {
  try {
    await codec.decode(topic, bytes);
  } catch (error) {
    if (isSlbError(error)) return error.code;
    throw error;
  }
  return 'decoded';
}

/** The registry id the codec uses for `topic` (taken from a real encode). */
async function schemaIdOf(topic: TopicName): Promise<number> {
  return unframe(topic, await codec.encode(topic, exampleEvents()[topic])).schemaId;
}

describe('poison input to the registry codec', () => {
  it('a bad magic byte is undecodable', async () => {
    const good = await codec.encode('alerts', exampleEvents().alerts);
    const bad = Buffer.from(good);
    bad[0] = 1;
    expect(await codeOf('alerts', bad)).toBe('SLB_EVENT_UNDECODABLE');
  });

  it('an unknown schema id is undecodable', async () => {
    const good = await codec.encode('alerts', exampleEvents().alerts);
    expect(await codeOf('alerts', frame(0x7ffffff0, unframe('alerts', good).body))).toBe('SLB_EVENT_UNDECODABLE');
  });

  it("another topic's schema id is undecodable", async () => {
    const status = await codec.encode('health-status', exampleEvents()['health-status']);
    expect(await codeOf('alerts', status)).toBe('SLB_EVENT_UNDECODABLE');
  });

  it('the id of a non-Avro (JSON Schema) schema is undecodable', async () => {
    const response = await fetch(`${registryUrl}/subjects/${uniqueName('poison-json')}-value/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      // Apicurio recognises JSON Schema content by its $schema.
      body: JSON.stringify({ schemaType: 'JSON', schema: JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', type: 'object' }) }),
    });
    const { id } = (await response.json()) as { id: number };
    expect(response.status).toBe(200);
    await expect(codec.decode('alerts', frame(id, Buffer.from('{}')))).rejects.toMatchObject({ code: 'SLB_EVENT_UNDECODABLE', details: { reason: 'not-avro' } });
  });

  it('valid Avro that fails validation is invalid, with the field path', async () => {
    const id = await schemaIdOf('health-scores');
    const nonsense = { ...exampleEvents()['health-scores'], score: 1.7 };
    const bytes = frame(id, avro.Type.forSchema(topicSchema('health-scores') as never).toBuffer(nonsense));
    await expect(codec.decode('health-scores', bytes)).rejects.toMatchObject({
      code: 'SLB_EVENT_INVALID',
      details: { issues: [{ path: 'score', message: 'must be in [0, 1], got 1.7' }] },
    });
  });

  it('encode refuses an invalid event before it reaches the registry', async () => {
    const event = { ...exampleEvents()['routing-decisions'], serviceId: '' };
    await expect(codec.encode('routing-decisions', event)).rejects.toMatchObject({
      code: 'SLB_EVENT_INVALID',
      details: { issues: [{ path: 'serviceId', message: 'must not be empty' }] },
    });
  });

  it.each(TOPIC_NAMES)('%s: 2 MB of random garbage is undecodable', async (topic) => {
    expect(await codeOf(topic, randomBytes(TWO_MB))).toBe('SLB_EVENT_UNDECODABLE');
  });

  it.each(TOPIC_NAMES)('%s: 2 MB of garbage behind a valid header is undecodable, not a crash', async (topic) => {
    const id = await schemaIdOf(topic);
    for (let i = 0; i < 5; i++) {
      expect(await codeOf(topic, frame(id, randomBytes(TWO_MB)))).toBe('SLB_EVENT_UNDECODABLE');
    }
  });

  it('a truncated event is undecodable', async () => {
    const good = await codec.encode('config-updates', exampleEvents()['config-updates']);
    expect(await codeOf('config-updates', good.subarray(0, good.length - 3))).toBe('SLB_EVENT_UNDECODABLE');
  });

  it('an unreachable registry is a retriable SLB_REGISTRY_UNREACHABLE, not an event error', async () => {
    const offline = createRegistryCodec({ registryUrl: 'http://127.0.0.1:9/apis/ccompat/v7' });
    await expect(offline.encode('alerts', exampleEvents().alerts)).rejects.toMatchObject({ code: 'SLB_REGISTRY_UNREACHABLE', retriable: true });
  });
});
