/**
 * Kafka's default partitioner hash (Java client `Utils.murmur2`, 32-bit int arithmetic), kept
 * for its Java test vectors; where a key goes is decided by kafkajs's own DefaultPartitioner
 * (`keyPartition`), the one the bus's producers and the consumers' key-partition check use, so
 * the in-process bus puts a key on the same partition number a Kafka topic would.
 */
import { keyPartition } from '../kafka/key-partition.js';

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

export function murmur2(key: string | Uint8Array): number {
  const data = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  const length = data.length;
  let h = SEED ^ length;
  const length4 = Math.floor(length / 4);
  for (let i = 0; i < length4; i += 1) {
    const i4 = i * 4;
    let k = (data[i4]! & 0xff) | ((data[i4 + 1]! & 0xff) << 8) | ((data[i4 + 2]! & 0xff) << 16) | ((data[i4 + 3]! & 0xff) << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  const tail = length & ~3;
  const rest = length % 4;
  if (rest === 3) h ^= (data[tail + 2]! & 0xff) << 16;
  if (rest >= 2) h ^= (data[tail + 1]! & 0xff) << 8;
  if (rest >= 1) {
    h ^= data[tail]! & 0xff;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition Kafka's default partitioner picks for a non-null key. */
export function partitionForKey(key: string | Uint8Array, partitions: number): number {
  return keyPartition(typeof key === 'string' ? key : Buffer.from(key.buffer, key.byteOffset, key.byteLength), partitions);
}
