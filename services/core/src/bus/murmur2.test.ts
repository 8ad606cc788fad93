import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { murmur2, partitionForKey } from './murmur2.js';

describe('partitionForKey', () => {
  // kafkajs's DefaultPartitioner is the Java client's murmur2 partitioner: the reference here.
  const kafkajs = Partitioners.DefaultPartitioner();
  const partitionMetadata = [0, 1, 2].map((partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
  const keys = ['', 'a', 'ab', 'abc', 'abcd', 'checkout', '_global', 'proxy-a', 'svc-17', 'ünïcødé', 'x'.repeat(101)];

  it.each(keys)('puts %j on the partition Kafka would', (key) => {
    expect(partitionForKey(key, 3)).toBe(kafkajs({ topic: 't', partitionMetadata, message: { key, value: null } }));
  });

  it('matches known Java murmur2 values', () => {
    // Values from org.apache.kafka.common.utils.Utils.murmur2 (Kafka's own test vectors).
    expect(murmur2('21')).toBe(-973932308);
    expect(murmur2('foobar')).toBe(-790332482);
    expect(murmur2('a-little-bit-long-string')).toBe(-985981536);
  });
});
