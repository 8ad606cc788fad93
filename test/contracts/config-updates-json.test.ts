/**
 * config-updates also takes plain JSON (what `kcat -P` and Kafka UI send): validated against
 * the same Avro schema, defaults filled, bad JSON refused with field paths. Produced raw onto
 * a real topic, consumed back, decoded by the registry codec.
 */
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistryCodec, eventToJson, exampleEvents, type ConfigUpdate } from '@slb/core';
import { testKafka, uniqueName } from '../support/kafka.js';

const { brokers, registryUrl } = testKafka();
const codec = createRegistryCodec({ registryUrl, subjectPrefix: `${uniqueName('json')}.` });
const kafka = new Kafka({ brokers, clientId: uniqueName('contracts-json'), logLevel: logLevel.NOTHING });
const topic = uniqueName('config-updates-json');

const kcatBody = JSON.stringify({
  serviceId: 'checkout',
  version: 12,
  issuedAtMs: 1_767_225_600_000,
  issuedBy: 'kcat',
  routes: [{ pathPrefix: '/checkout' }],
  instances: [
    { id: 'c1', address: '127.0.0.1:9001' },
    { id: 'c2', address: '127.0.0.1:9002', weight: 3, zone: 'b' },
  ],
  policy: { type: 'CONSISTENT_HASH', hashOn: { source: 'HEADER', name: 'x-user' } },
});

/** Writes raw values to the topic and reads them back, as bytes, in order. */
async function throughKafka(values: string[]): Promise<Buffer[]> {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: values.map((value) => ({ key: 'checkout', value })) });
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: uniqueName('json-reader') });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const received: Buffer[] = [];
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        received.push(message.value ?? Buffer.alloc(0));
        if (received.length === values.length) resolve();
      },
    });
  });
  await consumer.disconnect();
  return received;
}

describe('config-updates as plain JSON', () => {
  beforeAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
  });
  afterAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
  });

  it('a JSON update produced raw onto Kafka decodes, with schema defaults filled', async () => {
    const [bytes] = await throughKafka([kcatBody]);
    const update: ConfigUpdate = await codec.decode('config-updates', bytes as Buffer);
    expect(update.version).toBe(12);
    expect(update.instances).toEqual([
      { id: 'c1', address: '127.0.0.1:9001', weight: 1, zone: null, tags: {} },
      { id: 'c2', address: '127.0.0.1:9002', weight: 3, zone: 'b', tags: {} },
    ]);
    expect(update.routes).toEqual([{ host: null, pathPrefix: '/checkout' }]);
    expect(update.policy).toEqual({ type: 'CONSISTENT_HASH', hashOn: { source: 'HEADER', name: 'x-user' }, boundedLoadFactor: null });
    expect(update.timeouts).toEqual({ requestMs: 15_000, idleMs: 60_000 });
  });

  it('the JSON form of an update and its Avro form decode to the same event', async () => {
    const event = { ...exampleEvents()['config-updates'], signature: Buffer.from('sig') };
    const fromJson = await codec.decode('config-updates', Buffer.from(JSON.stringify(eventToJson('config-updates', event))));
    const fromAvro = await codec.decode('config-updates', await codec.encode('config-updates', event));
    expect(fromJson).toEqual(event);
    expect(fromAvro).toEqual(event);
  });

  it.each([
    ['a field of the wrong type', { version: 'twelve' }, 'version', 'expected a number (long)'],
    ['an unknown policy', { policy: { type: 'FASTEST' } }, 'policy.type', 'expected one of ROUND_ROBIN'],
    ['a bad address', { instances: [{ id: 'c1', address: 'localhost' }] }, 'instances[0].address', 'host:port'],
    ['a misspelt field', { instanecs: [] }, 'instanecs', 'unknown field of ConfigUpdate'],
    ['a nested missing field', { healthCheck: { path: '/ready' } }, 'healthCheck.type', 'is required'],
  ])('refuses %s with its path', async (_name, change, path, message) => {
    const body = Buffer.from(JSON.stringify({ ...JSON.parse(kcatBody), ...change }));
    await expect(codec.decode('config-updates', body)).rejects.toMatchObject({
      code: 'SLB_EVENT_INVALID',
      details: { issues: [{ path, message: expect.stringContaining(message) }] },
    });
  });

  it('refuses text that is not JSON as undecodable', async () => {
    await expect(codec.decode('config-updates', Buffer.from('{"serviceId": "checkout", '))).rejects.toMatchObject({ code: 'SLB_EVENT_UNDECODABLE' });
  });

  it('accepts JSON only on config-updates: elsewhere it is not the wire format', async () => {
    const json = Buffer.from(JSON.stringify(eventToJson('routing-decisions', exampleEvents()['routing-decisions'])));
    await expect(codec.decode('routing-decisions', json)).rejects.toMatchObject({ code: 'SLB_EVENT_UNDECODABLE', details: { reason: 'bad-magic-byte' } });
  });
});
