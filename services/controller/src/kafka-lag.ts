/**
 * CONSUMER_LAG's source in distributed mode: the group's committed offsets against the
 * partitions' end offsets, read with the Kafka admin client (what kafka-consumer-groups.sh
 * shows). A partition with no committed offset counts from its start.
 */
import type { createKafkaClient } from '@slb/core';
import type { LagSample } from './create-controller.js';

type Kafka = ReturnType<typeof createKafkaClient>;

export interface KafkaLagReader {
  read(): Promise<LagSample[]>;
  close(): Promise<void>;
}

export function createKafkaLagReader(kafka: Kafka, groupId: string, topics: readonly { readonly logical: string; readonly physical: string }[]): KafkaLagReader {
  const admin = kafka.admin();
  let connected: Promise<void> | undefined;
  return {
    async read(): Promise<LagSample[]> {
      connected ??= admin.connect().catch((error: unknown) => {
        connected = undefined;
        throw error;
      });
      await connected;
      const committed = await admin.fetchOffsets({ groupId, topics: topics.map((t) => t.physical) });
      const out: LagSample[] = [];
      for (const t of topics) {
        const ends = await admin.fetchTopicOffsets(t.physical);
        const mine = committed.find((c) => c.topic === t.physical);
        for (const end of ends) {
          const c = mine?.partitions.find((p) => p.partition === end.partition);
          const at = c === undefined || Number(c.offset) < 0 ? Number(end.low) : Number(c.offset);
          out.push({ groupId, topic: t.logical, partition: end.partition, lag: Math.max(0, Number(end.high) - at) });
        }
      }
      return out;
    },
    async close(): Promise<void> {
      if (connected !== undefined) await admin.disconnect();
    },
  };
}
