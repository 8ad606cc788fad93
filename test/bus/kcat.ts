/**
 * The real `kcat` (librdkafka) in tests: producing as an operator would, and the partition its
 * default partitioner (consistent_random: CRC32 of the key) picks, next to the one murmur2
 * (Kafka's Java client, kafkajs, every role and slbctl) picks.
 */
import { spawn } from 'node:child_process';
import { crc32 } from 'node:zlib';
import { keyPartition } from '@slb/core';

export interface ShellResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `command` with bash (pipes, quoting and line continuations as in the docs). */
export function sh(command: string, input?: string): Promise<ShellResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

/** One message with kcat -P; `partitioner` undefined = kcat's own default (CRC32). */
export async function kcatProduce(brokers: readonly string[], topic: string, key: string, value: string, partitioner?: 'murmur2_random'): Promise<void> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const x = partitioner === undefined ? '' : ` -X partitioner=${partitioner}`;
  const r = await sh(`kcat -P -b ${quote(brokers.join(','))} -t ${quote(topic)} -k ${quote(key)}${x}`, `${value}\n`);
  if (r.code !== 0) throw new Error(`kcat exited ${r.code}: ${r.stderr}`);
}

/** The partition kcat's default partitioner (librdkafka consistent_random) picks for a key. */
export function crcPartition(key: string, partitions: number): number {
  return crc32(Buffer.from(key, 'utf8')) % partitions;
}

/** The first `<prefix><n>` for which `accept(crc partition, murmur2 partition)` holds. */
export function keyWhere(prefix: string, accept: (crc: number, murmur: number) => boolean, partitions = 3): string {
  for (let i = 0; i < 10_000; i++) {
    const key = `${prefix}${i}`;
    if (accept(crcPartition(key, partitions), keyPartition(key, partitions))) return key;
  }
  throw new Error(`no key ${prefix}<n> fits`);
}
