/**
 * Every kcat example in the docs (docs/*.md, README.md), run verbatim with the real `kcat`
 * against the real broker: only the broker address (`-b`) and the topic (`-t`, put under this
 * test's prefix) are replaced. A producing example must name the murmur2 partitioner, and its
 * record must land on the partition the bus (slbctl, every role) puts the key on, and be
 * handled. Run again without the partitioner, with a key CRC32 and murmur2 place differently,
 * the same example is refused with the reason naming the fix.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyPartition, TOPIC_NAMES, type Delivered, type KafkaBus, type TopicName } from '@slb/core';
import { collector } from './collect.js';
import { kafkaNamespace, type KafkaNamespace } from './kafka-fixture.js';
import { crcPartition, keyWhere, sh } from './kcat.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const files = [...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join('docs', f)), 'README.md'];

/** Shell commands of fenced code blocks that run kcat, line continuations joined. */
function kcatExamples(): { file: string; command: string }[] {
  const out: { file: string; command: string }[] = [];
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const block of text.matchAll(/```(?:sh|bash|shell|console)?\n([\s\S]*?)```/g)) {
      const lines = block[1]!.replace(/\\\n/g, ' ').split('\n');
      for (const line of lines) if (/(^|[|\s])kcat\s/.test(line)) out.push({ file, command: line.replace(/^\$ /, '').trim() });
    }
  }
  return out;
}

const examples = kcatExamples();
const producing = examples.filter((e) => /\skcat\s.*-P(\s|$)/.test(` ${e.command}`));

let ns: KafkaNamespace;
let bus: KafkaBus;
beforeAll(async () => {
  ns = await kafkaNamespace('kcat-docs');
  bus = ns.bus();
});
afterAll(async () => {
  await bus?.close();
});

/**
 * High watermark of each partition of a catalogue topic in this namespace. Right after the
 * namespace's topics are created a broker may not yet lead every partition ("This server is not
 * the leader for that topic-partition", seen on a freshly started broker): asked again then.
 */
async function highWatermarks(topic: TopicName): Promise<Map<number, number>> {
  const admin = ns.admin.admin();
  await admin.connect();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        return new Map((await admin.fetchTopicOffsets(`${ns.prefix}${topic}`)).map((p) => [p.partition, Number(p.high)]));
      } catch (error) {
        if (attempt >= 20 || !/leader/i.test((error as Error).message)) throw error;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  } finally {
    await admin.disconnect();
  }
}

/** The example with only the broker and the topic replaced. */
function localised(command: string): { command: string; topic: TopicName; key: string } {
  const topic = /\s-t\s+(\S+)/.exec(command)?.[1] as TopicName;
  const key = /\s-k\s+(\S+)/.exec(command)?.[1] ?? '';
  const run = command.replace(/(\s-b\s+)\S+/, `$1${ns.brokers.join(',')}`).replace(/(\s-t\s+)\S+/, `$1${ns.prefix}${topic}`);
  return { command: run, topic, key };
}

describe('the kcat examples in the docs', () => {
  it('exist, and every producing one sets the murmur2 partitioner', () => {
    expect(producing.length).toBeGreaterThan(0);
    for (const e of producing) expect(e.command, `${e.file}: ${e.command}`).toContain('-X partitioner=murmur2_random');
  });

  const cases = producing.map((e, i) => [e.file, i + 1, e.command] as const);

  it.each(cases)('%s, kcat example %i: lands where slbctl would put its key, and is handled', async (_file, _n, example) => {
    const { command, topic, key } = localised(example);
    expect(TOPIC_NAMES).toContain(topic);
    const before = await highWatermarks(topic);
    const r = await sh(command);
    expect(r.code, r.stderr).toBe(0);
    // Which partition grew: read from the broker, not from a consumer.
    const after = await highWatermarks(topic);
    const grew = [...after].filter(([p, high]) => high > (before.get(p) ?? 0)).map(([p]) => p);
    expect(grew).toEqual([keyPartition(key, 3)]);
    // And a consumer of the bus (what every role is) handles it.
    const handled = collector<Delivered<TopicName>>('handled');
    const sub = await bus.subscribe([topic], { groupId: `docs-${topic}-ok-${_n}`, fromBeginning: true }, (m) => handled.push(m));
    try {
      const got = await handled.until(1);
      expect(got.find((m) => m.key === key)?.partition).toBe(keyPartition(key, 3));
    } finally {
      await sub.stop();
    }
  });

  it.each(cases)('%s, kcat example %i without the partitioner, for a key CRC32 misplaces: refused with the fix', async (_file, _n, example) => {
    const { command, topic, key } = localised(example);
    const misplaced = keyWhere(`${key}-`, (crc, murmur) => crc !== murmur);
    const wrong = command.replace(/\s-X\s+partitioner=murmur2_random/, '').replace(/(\s-k\s+)\S+/, `$1${misplaced}`);
    const dead = collector<Delivered<'dead-letters'>>('dead letters');
    const handled = collector<Delivered<TopicName>>('handled');
    const r = await sh(wrong);
    expect(r.code, r.stderr).toBe(0);
    // From the beginning: this namespace's dead letters are this test's alone.
    const dlq = await bus.subscribe(['dead-letters'], { groupId: `docs-${topic}-dlq-${_n}`, fromBeginning: true }, (m) => dead.push(m));
    const sub = await bus.subscribe([topic], { groupId: `docs-${topic}-wrong-${_n}`, fromBeginning: true }, (m) => handled.push(m));
    try {
      const letters = await dead.until(1);
      const letter = letters.find((l) => l.value.key?.toString('utf8') === misplaced);
      expect(letter?.value).toMatchObject({ originalTopic: topic, partition: crcPartition(misplaced, 3), errorCode: 'SLB_EVENT_INVALID' });
      expect(letter?.value.errorMessage).toContain('kcat needs -X partitioner=murmur2_random');
      expect(handled.items.filter((m) => m.key === misplaced)).toEqual([]);
    } finally {
      await Promise.all([dlq.stop(), sub.stop()]);
    }
  });
});
