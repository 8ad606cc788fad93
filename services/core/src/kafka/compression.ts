/**
 * Compression codecs for kafkajs. gzip is built in; snappy comes from kafkajs-snappy; lz4 is a
 * tiny codec over lz4-napi's frame API (Kafka's LZ4 is the LZ4 *frame* format); zstd is a codec
 * over @bokuweb/zstd-wasm (WebAssembly: nothing native to build, nothing downloaded at install).
 */
import { createRequire } from 'node:module';
import { CompressionCodecs, CompressionTypes } from './kafkajs.js';
import { compressFrame, decompressFrame } from 'lz4-napi';
import { MAX_MESSAGE_BYTES } from '../topics/catalogue.js';
import type { CompressionName } from './producer-profiles.js';

interface KafkaCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

const require = createRequire(import.meta.url);

export const lz4Codec = (): KafkaCodec => ({
  compress: async (encoder) => compressFrame(encoder.buffer),
  decompress: async (buffer) => decompressFrame(buffer),
});

interface ZstdWasm {
  init(): Promise<void>;
  compress(buf: Uint8Array, level?: number): Uint8Array;
  decompress(buf: Uint8Array, opts?: { defaultHeapSize: number }): Uint8Array;
}

let zstdReady: Promise<ZstdWasm> | undefined;
const loadZstd = (): Promise<ZstdWasm> => {
  zstdReady ??= (async () => {
    const zstd = require('@bokuweb/zstd-wasm') as ZstdWasm;
    await zstd.init();
    return zstd;
  })();
  return zstdReady;
};

/** zstd level 3: the library default, a good ratio at a speed close to lz4's for small batches. */
const ZSTD_LEVEL = 3;
/** Largest batch we expect back: a record batch is bounded by the topic's max.message.bytes. */
const ZSTD_MAX_OUTPUT = 2 * MAX_MESSAGE_BYTES;

export const zstdCodec = (): KafkaCodec => ({
  compress: async (encoder) => Buffer.from((await loadZstd()).compress(encoder.buffer, ZSTD_LEVEL)),
  async decompress(buffer) {
    const zstd = await loadZstd();
    // Streaming producers (the Java client) leave the content size out of the frame, so the
    // output size is a guess: start near the usual ratio and grow on "destination too small".
    for (let size = Math.max(1024 * 1024, buffer.length * 16); ; size *= 4) {
      try {
        return Buffer.from(zstd.decompress(buffer, { defaultHeapSize: Math.min(size, ZSTD_MAX_OUTPUT) }));
      } catch (error) {
        if (size >= ZSTD_MAX_OUTPUT) throw error;
      }
    }
  },
});

let registered = false;

/** Register snappy, lz4 and zstd with kafkajs (process-wide, idempotent). Decoding needs them too. */
export function registerCompressionCodecs(): void {
  if (registered) return;
  const snappy = require('kafkajs-snappy') as () => KafkaCodec;
  CompressionCodecs[CompressionTypes.Snappy] = snappy;
  CompressionCodecs[CompressionTypes.LZ4] = lz4Codec;
  CompressionCodecs[CompressionTypes.ZSTD] = zstdCodec;
  registered = true;
}

export function compressionType(name: CompressionName): CompressionTypes {
  switch (name) {
    case 'none':
      return CompressionTypes.None;
    case 'gzip':
      return CompressionTypes.GZIP;
    case 'snappy':
      return CompressionTypes.Snappy;
    case 'lz4':
      return CompressionTypes.LZ4;
    case 'zstd':
      return CompressionTypes.ZSTD;
  }
}
