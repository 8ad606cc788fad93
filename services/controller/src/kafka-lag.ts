/**
 * CONSUMER_LAG's source in distributed mode: the group's committed offsets against the
 * partitions' end offsets, read with the Kafka admin client (what kafka-consumer-groups.sh
 * shows). A partition with no committed offset counts from its start.
 */
import { lazyAdmin, type createKafkaClient } from '@slb/core';
import type { LagSample } from './create-controller.js';

type Kafka = ReturnType<typeof createKafkaClient>;

export interface KafkaLagReader {
  read(): Promise<LagSample[]>;
  close(): Promise<void>;
}

export function createKafkaLagReader(kafka: Kafka, groupId: string, topics: readonly { readonly logical: string; readonly physical: string }[]): KafkaLagReader {
  const connection = lazyAdmin(kafka);
  return {
    async read(): Promise<LagSample[]> {
      const admin = await connection.get();
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
    close: () => connection.close(),
  };
}
