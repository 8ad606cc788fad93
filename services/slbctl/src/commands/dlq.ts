/**
 * `slbctl dlq list | replay`: inspect dead letters and re-publish them once the cause is fixed.
 * Replay sends the original bytes, key and headers back to the original topic, after checking
 * they now decode; each replay is recorded on audit-logs, and a dead letter already replayed
 * is skipped (unless --force), so running replay twice does not publish twice.
 */
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
// kafkajs is CommonJS: under plain Node its runtime values come through the default import.
import kafkajs from 'kafkajs';
import { isTopicName, SlbError, type AuditLog, type DeadLetter } from '@slb/core';
import { action, durationOption, intOption, withSession, type Invocation } from '../command-kit.js';
import { isoTime, type Io } from '../io.js';
import { rootMessage, type Session } from '../session.js';
import { readTopic, type StartAt } from '../topic-reader.js';

export interface Letter {
  readonly offset: number;
  readonly partition: number;
  readonly letter: DeadLetter;
}

const { Partitioners } = kafkajs;
const REPLAY_ACTION = 'dead-letter.replay';

/** The audit entity id of one dead letter. */
export function letterId(l: Pick<Letter, 'partition' | 'offset'>): string {
  return `dead-letters/${l.partition}/${l.offset}`;
}

async function letters(session: Session, inv: Invocation, io: Io): Promise<Letter[]> {
  const since = inv.options['since'];
  const at: StartAt = since === undefined ? 'beginning' : { sinceMs: io.now() - durationOption(since, '--since') };
  const topic = inv.options['topic'] as string | undefined;
  const records = await readTopic(session, 'dead-letters', at);
  return records.flatMap((r) => (r.value === undefined ? [] : [{ offset: r.offset, partition: r.partition, letter: r.value as DeadLetter }])).filter((l) => topic === undefined || l.letter.originalTopic === topic);
}

function preview(bytes: Buffer, limit = 60): string {
  const text = bytes.subarray(0, limit).toString('utf8');
  const printable = /^[\x20-\x7e\s]*$/.test(text);
  return printable ? JSON.stringify(text) + (bytes.length > limit ? '...' : '') : `<${bytes.length} bytes: ${bytes.subarray(0, 16).toString('hex')}${bytes.length > 16 ? '...' : ''}>`;
}

function letterJson(l: Letter) {
  const d = l.letter;
  return {
    id: letterId(l),
    partition: l.partition,
    offset: l.offset,
    originalTopic: d.originalTopic,
    originalPartition: d.partition,
    originalOffset: d.offset,
    key: d.key === null ? null : d.key.toString('utf8'),
    value: d.value.toString('base64'),
    headers: d.headers,
    errorCode: d.errorCode,
    errorMessage: d.errorMessage,
    failedAtMs: d.failedAtMs,
    consumerGroup: d.consumerGroup,
  };
}

export function registerDlq(program: Command, io: Io, setExit: (code: number) => void): void {
  const dlq = program.command('dlq').description('inspect dead letters and re-publish them once the cause is fixed (topic dead-letters)');

  dlq
    .command('list')
    .description('list dead letters: where each came from, why it failed, and a preview of its bytes')
    .option('--topic <name>', 'only dead letters from this original topic')
    .option('--since <duration>', 'only dead letters written this long ago or later')
    .option('--limit <n>', 'show the most recent <n>')
    .action(
      action(io, async (inv) => {
        const limit = inv.options['limit'] === undefined ? undefined : intOption(inv.options['limit'], '--limit', 1);
        await withSession(inv, ['dead-letters'], async (session) => {
          let all = await letters(session, inv, io);
          if (limit !== undefined) all = all.slice(-limit);
          inv.out.result({ deadLetters: all.map(letterJson) });
          if (all.length === 0) inv.out.line('no dead letters');
          else {
            inv.out.table(
              ['ID', 'FAILED', 'FROM', 'KEY', 'ERROR', 'GROUP', 'VALUE'],
              all.map((l) => [letterId(l), isoTime(l.letter.failedAtMs), `${l.letter.originalTopic} ${l.letter.partition}/${l.letter.offset}`, l.letter.key === null ? '-' : l.letter.key.toString('utf8'), `${l.letter.errorCode}: ${l.letter.errorMessage}`, l.letter.consumerGroup, preview(l.letter.value)]),
            );
          }
        });
      }, setExit),
    );

  dlq
    .command('replay')
    .description('re-publish dead letters to their original topic (original key, bytes and headers)')
    .argument('[ids...]', 'dead letters to replay: their offset on dead-letters, or their id dead-letters/<partition>/<offset>')
    .option('--all', 'every dead letter selected by --topic / --since')
    .option('--topic <name>', 'only dead letters from this original topic')
    .option('--since <duration>', 'only dead letters written this long ago or later')
    .option('--dry-run', 'show what would be replayed, publish nothing')
    .option('--force', 'replay even when already replayed, or when the bytes still do not decode')
    .action(
      action(io, async (inv, [ids]) => {
        const wanted = ((ids as string[] | undefined) ?? []).map((id) => {
          const m = /^(?:dead-letters\/(\d+)\/)?(\d+)$/.exec(id);
          if (m === null) throw new SlbError('SLB_CLI_USAGE', `"${id}" is not a dead-letter offset or id (dead-letters/<partition>/<offset>)`);
          return { partition: Number(m[1] ?? 0), offset: Number(m[2]) };
        });
        if (wanted.length === 0 && inv.options['all'] !== true) throw new SlbError('SLB_CLI_USAGE', 'name the dead letters to replay (offsets or ids from `slbctl dlq list`) or pass --all');
        if (wanted.length > 0 && inv.options['all'] === true) throw new SlbError('SLB_CLI_USAGE', 'give dead-letter ids or --all, not both');
        const force = inv.options['force'] === true;
        const dryRun = inv.options['dryRun'] === true;
        await withSession(inv, ['dead-letters', 'audit-logs'], async (session) => {
          const all = await letters(session, inv, io);
          const selected = wanted.length === 0 ? all : wanted.map((w) => {
            const found = all.find((l) => l.partition === w.partition && l.offset === w.offset);
            if (found === undefined) throw new SlbError('SLB_CLI_NOT_FOUND', `no dead letter ${letterId(w)}${inv.options['topic'] === undefined ? '' : ` from ${inv.options['topic'] as string}`}`);
            return found;
          });
          const replayedBefore = new Set(
            (await readTopic(session, 'audit-logs', 'beginning', new Set(selected.map(letterId))))
              .flatMap((r) => (r.value === undefined ? [] : [r.value as AuditLog]))
              .filter((a) => a.action === REPLAY_ACTION)
              .map((a) => a.entityId),
          );
          const outcomes: { id: string; originalTopic: string; outcome: 'replayed' | 'would replay' | 'already replayed' | 'still failing'; detail?: string }[] = [];
          const producer = dryRun ? undefined : session.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
          await producer?.connect();
          try {
            for (const l of selected) {
              const d = l.letter;
              const id = letterId(l);
              const base = { id, originalTopic: d.originalTopic };
              if (replayedBefore.has(id) && !force) {
                outcomes.push({ ...base, outcome: 'already replayed' });
                continue;
              }
              if (!isTopicName(d.originalTopic)) {
                outcomes.push({ ...base, outcome: 'still failing', detail: `"${d.originalTopic}" is not a catalogue topic` });
                continue;
              }
              if (!force) {
                try {
                  await session.codec.decode(d.originalTopic, d.value);
                } catch (error) {
                  outcomes.push({ ...base, outcome: 'still failing', detail: rootMessage(error) });
                  continue;
                }
              }
              if (producer === undefined) {
                outcomes.push({ ...base, outcome: 'would replay' });
                continue;
              }
              await producer.send({
                topic: session.topicName(d.originalTopic),
                acks: -1,
                messages: [{ key: d.key, value: d.value, headers: { ...d.headers, 'slb-replayed-from': id } }],
              });
              const audit: AuditLog = {
                auditId: randomUUID(),
                atMs: io.now(),
                actor: inv.settings.actor,
                role: 'slbctl',
                action: REPLAY_ACTION,
                entityType: 'dead-letter',
                entityId: id,
                before: null,
                after: JSON.stringify({ topic: d.originalTopic, key: d.key?.toString('utf8') ?? null, originalOffset: d.offset, errorCode: d.errorCode }),
                reason: `replayed to ${d.originalTopic} with slbctl${force ? ' --force' : ''}`,
                evidence: null,
              };
              await session.bus.publish('audit-logs', id, audit);
              outcomes.push({ ...base, outcome: 'replayed' });
            }
          } finally {
            await producer?.disconnect().catch(() => undefined);
          }
          inv.out.result({ outcomes });
          for (const o of outcomes) inv.out.line(`${o.outcome.padEnd(16)} ${o.id} -> ${o.originalTopic}${o.detail === undefined ? '' : `: ${o.detail}`}`);
          const failing = outcomes.filter((o) => o.outcome === 'still failing');
          if (selected.length === 0) inv.out.line('no dead letters selected');
          if (failing.length > 0) {
            throw new SlbError('SLB_EVENT_UNDECODABLE', `${failing.length} dead letter${failing.length > 1 ? 's' : ''} still fail${failing.length > 1 ? '' : 's'} to decode (not replayed; fix the cause or use --force): ${failing.map((f) => f.id).join(', ')}`);
          }
        });
      }, setExit),
    );
}
