import { randomBytes } from 'node:crypto';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { compressionType, lz4Codec, registerCompressionCodecs, zstdCodec } from './compression.js';

describe('compression codecs', () => {
  it('lz4 writes the LZ4 frame format Kafka expects and reads it back', async () => {
    const data = Buffer.concat([randomBytes(1_000), Buffer.alloc(10_000, 7)]);
    const compressed = await lz4Codec().compress({ buffer: data });
    expect(compressed.readUInt32LE(0)).toBe(0x184d2204); // LZ4 frame magic number
    expect(compressed.length).toBeLessThan(data.length);
    expect((await lz4Codec().decompress(compressed)).equals(data)).toBe(true);
  });

  it('zstd writes standard zstd frames and reads back output larger than its first guess', async () => {
    const data = Buffer.alloc(5 * 1024 * 1024, 'service-metrics ');
    const compressed = await zstdCodec().compress({ buffer: data });
    expect(compressed.readUInt32LE(0)).toBe(0xfd2fb528); // zstd frame magic number
    expect((await zstdCodec().decompress(compressed)).equals(data)).toBe(true);
  });

  it('registers snappy, lz4 and zstd with kafkajs', async () => {
    registerCompressionCodecs();
    for (const type of [CompressionTypes.Snappy, CompressionTypes.LZ4, CompressionTypes.ZSTD]) {
      const codec = (CompressionCodecs as unknown as Record<number, () => ReturnType<typeof zstdCodec>>)[type]!();
      const data = Buffer.from('service-metrics '.repeat(100));
      expect((await codec.decompress(await codec.compress({ buffer: data } as never))).equals(data)).toBe(true);
    }
  });

  it.each([
    ['none', CompressionTypes.None],
    ['gzip', CompressionTypes.GZIP],
    ['snappy', CompressionTypes.Snappy],
    ['lz4', CompressionTypes.LZ4],
    ['zstd', CompressionTypes.ZSTD],
  ] as const)('maps %s to its kafkajs type', (name, type) => {
    expect(compressionType(name)).toBe(type);
  });
});
