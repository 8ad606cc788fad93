/** A Kafka bus on the shared test broker and registry, in a namespace of its own. */
import { Kafka, logLevel } from 'kafkajs';
import { Registry } from 'prom-client';
import { createKafkaBus, createRegistryCodec, ensureTopics, type KafkaBus, type KafkaBusOptions, type EventCodec } from '@slb/core';
import { testKafka, uniqueName } from '../support/kafka.js';

export interface KafkaNamespace {
  readonly prefix: string;
  readonly brokers: string[];
  readonly registryUrl: string;
  readonly codec: EventCodec;
  readonly admin: Kafka;
  bus(overrides?: Partial<KafkaBusOptions>): KafkaBus;
}

/** Create every catalogue topic under a unique prefix and return a factory of buses on it. */
export async function kafkaNamespace(label: string, where: { brokers: string[]; registryUrl: string } = testKafka()): Promise<KafkaNamespace> {
  const { brokers, registryUrl } = where;
  const prefix = `${uniqueName(label)}.`;
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING });
  const client = admin.admin();
  await client.connect();
  try {
    await ensureTopics(client, { prefix });
  } finally {
    await client.disconnect();
  }
  const codec = createRegistryCodec({ registryUrl, subjectPrefix: prefix });
  return {
    prefix,
    brokers,
    registryUrl,
    codec,
    admin,
    bus: (overrides = {}) =>
      createKafkaBus({
        connection: { brokers },
        codec,
        clientId: label,
        topicPrefix: prefix,
        groupIdPrefix: prefix,
        registry: new Registry(),
        ...overrides,
      }),
  };
}
