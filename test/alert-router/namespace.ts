/**
 * The bus tests' Kafka namespace (test/bus/kafka-fixture.ts), tried again when creating its
 * topics fails: on a loaded shared broker a fresh topic's leader can still be unknown when
 * kafkajs stops waiting for it ("This server does not host this topic-partition"). Each try
 * uses a new unique prefix, so a half-created namespace is simply left unused.
 */
import { kafkaNamespace, type KafkaNamespace } from '../bus/kafka-fixture.js';

export async function alertRouterNamespace(label: string, tries = 3): Promise<KafkaNamespace> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await kafkaNamespace(label);
    } catch (error) {
      if (attempt >= tries) throw error;
    }
  }
}
