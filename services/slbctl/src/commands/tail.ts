/** `slbctl tail <topic>`: follow a topic, decoded, one line per record. */
import type { Command } from 'commander';
import { eventToJson, isTopicName, SlbError, TOPIC_NAMES } from '@slb/core';
import { action, durationOption, intOption, withSession } from '../command-kit.js';
import { isoTime, type Io } from '../io.js';
import { followTopic, type StartAt, type TopicRecord } from '../topic-reader.js';

export function registerTail(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('tail')
    .description(`follow a topic decoded, one record per line (--json: one JSON object per line); topics: ${TOPIC_NAMES.join(', ')}`)
    .argument('<topic>', 'catalogue topic name (without --topic-prefix)')
    .option('--from-beginning', 'start at the oldest record instead of the end')
    .option('--since <duration>', 'start at records written this long ago')
    .option('--key <key>', 'only records with this key')
    .option('--max <n>', 'stop after this many records')
    .action(
      action(io, async (inv, [topicArg]) => {
        const topic = topicArg as string;
        if (!isTopicName(topic)) throw new SlbError('SLB_CLI_USAGE', `unknown topic "${topic}" (one of ${TOPIC_NAMES.join(', ')})`);
        const max = inv.options['max'] === undefined ? undefined : intOption(inv.options['max'], '--max', 1);
        const key = inv.options['key'] as string | undefined;
        const at: StartAt = inv.options['fromBeginning'] === true ? 'beginning' : inv.options['since'] !== undefined ? { sinceMs: io.now() - durationOption(inv.options['since'], '--since') } : 'end';
        const stop = new AbortController();
        io.signal?.addEventListener('abort', () => stop.abort(), { once: true });
        if (io.signal?.aborted === true) stop.abort();
        let seen = 0;
        await withSession(inv, [topic], async (session) => {
          const print = (r: TopicRecord<typeof topic>) => {
            if (stop.signal.aborted || (key !== undefined && r.key !== key)) return;
            const value = r.value === undefined ? undefined : eventToJson(topic, r.value);
            if (inv.out.json) {
              inv.out.jsonLine({ topic, partition: r.partition, offset: r.offset, timestamp: r.timestamp, key: r.key, headers: r.headers, ...(r.error === undefined ? { value: value ?? null } : { error: r.error }) });
            } else {
              const body = r.error !== undefined ? `UNDECODABLE ${r.error.code}: ${r.error.message}` : value === undefined ? '(tombstone)' : JSON.stringify(value);
              io.stdout(`${isoTime(r.timestamp)} ${topic} ${r.partition}/${r.offset} key=${r.key ?? '-'} ${body}\n`);
            }
            seen++;
            if (max !== undefined && seen >= max) stop.abort();
          };
          await followTopic(session, topic, at, print, stop.signal, () => inv.out.note(`tailing ${session.topicName(topic)} from ${typeof at === 'object' ? isoTime(at.sinceMs) : `the ${at}`}${max === undefined ? ' (Ctrl-C to stop)' : ''}`));
        });
      }, setExit),
    );
}
