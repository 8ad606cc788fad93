/**
 * Done-when (issue 12): the local schema registry survives a restart with the same schema ids,
 * so every record written before it still decodes and pushes after it work. Confluent's registry
 * keeps its schemas in Kafka (`_schemas`); the local Apicurio keeps them in Kafka too (KafkaSQL
 * storage, its journal topic on the local broker; docs/local-kafka.md).
 *
 * The test runs its OWN broker and registry through deployment/kafka/kafka-management.sh
 * (private runtime dir and ports) and restarts ONLY the registry, the broker staying up:
 * - once by hand (SIGTERM to the registry pid the script recorded, then `start`, which starts
 *   the missing registry and leaves the running broker alone);
 * - once with `restart-registry`, while encoders and decoders, a bus publishing and a bus
 *   consuming keep running; afterwards a fresh process (new codec, new bus) reads everything
 *   written before, during and after, and a push after the restart is delivered.
 * A fresh codec stands for a process started after the restart: it has no cached ids.
 */
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistryCodec, exampleEvents, isSlbError, type ConfigUpdate, type EventCodec, type KafkaBus, type TopicName } from '@slb/core';
import { javaProcessesOf, planLocalKafka, removeRuntimeDir, runManagement, type LocalKafka } from '../harness/local-kafka.js';
import { collector, eventually } from './collect.js';
import { kafkaNamespace, type KafkaNamespace } from './kafka-fixture.js';
import { uniqueName } from '../support/kafka.js';

let local: LocalKafka;
const buses: KafkaBus[] = [];

beforeAll(async () => {
  local = await planLocalKafka('registry-restart');
  const start = await runManagement(['start'], local.env);
  if (start.code !== 0) throw new Error(`could not start the private broker and registry:\n${start.stdout}${start.stderr}`);
  process.stderr.write(`[registry-restart] ${start.stdout.trim().split('\n').at(-1) ?? ''}\n`);
}, 180_000);

afterAll(async () => {
  for (const bus of buses) await bus.close().catch(() => undefined);
  const stop = await runManagement(['stop'], local.env);
  const left = javaProcessesOf(local.runtimeDir);
  if (stop.code === 0 && left.length === 0) removeRuntimeDir(local.runtimeDir);
  expect(left).toEqual([]);
}, 120_000);

const pidOf = (name: 'kafka' | 'registry'): number => Number(readFileSync(`${local.runtimeDir}/${name}.pid`, 'utf8').trim());
const schemaIdOf = (bytes: Buffer): number => bytes.readInt32BE(1);
const codec = (prefix: string): EventCodec => createRegistryCodec({ registryUrl: local.registryUrl, subjectPrefix: prefix });
// A config push; `issuedBy` tells them apart. Its schema is one the first test does not register,
// so a registry that forgot its ids cannot hand the same number back by chance.
let pushes = 0;
const push = (key: string): ConfigUpdate => {
  pushes += 1;
  return { ...exampleEvents()['config-updates'], version: pushes + 1, previousVersion: pushes, issuedBy: key };
};

async function registryAnswers(): Promise<boolean> {
  try {
    return (await fetch(`${local.registryUrl}/subjects`, { signal: AbortSignal.timeout(2_000) })).ok;
  } catch {
    return false;
  }
}

/** Stops the registry alone (SIGTERM to its recorded pid), then `start` brings back what is missing. */
async function restartRegistryByHand(): Promise<void> {
  const pid = pidOf('registry');
  expect(javaProcessesOf(local.runtimeDir).map((p) => p.pid)).toContain(pid);
  process.kill(pid, 'SIGTERM');
  await eventually(() => !existsSync(`/proc/${pid}`), 'registry process exited', 60_000, 100);
  expect(await registryAnswers()).toBe(false);
  const start = await runManagement(['start'], local.env);
  expect(start.code, `${start.stdout}${start.stderr}`).toBe(0);
}

describe('the local schema registry keeps its schemas and ids across a restart', () => {
  it('keeps them in a compacted journal topic on the broker (one partition, replication factor 1)', async () => {
    const admin = new Kafka({ brokers: [local.broker], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const journal = 'kafkasql-journal';
      const { topics } = await admin.fetchTopicMetadata({ topics: [journal] });
      expect(topics[0]?.partitions.map((p) => p.replicas.length)).toEqual([1]);
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: journal, configNames: ['cleanup.policy'] }],
      });
      expect(resources[0]?.configEntries.map((e) => [e.configName, e.configValue])).toEqual([['cleanup.policy', 'compact']]);
    } finally {
      await admin.disconnect();
    }
  });

  it('decodes records written before a restart, and registering again gives the same ids', async () => {
    const prefix = `${uniqueName('reg-ids')}.`;
    const topics: TopicName[] = ['audit-logs', 'service-metrics', 'health-status', 'alerts'];
    const examples = exampleEvents();
    const before = codec(prefix);
    const written = new Map<TopicName, Buffer>();
    // Several subjects, so ids depend on the order of registration (a registry that forgot them
    // would hand out the same numbers to other schemas).
    for (const topic of topics) written.set(topic, await before.encode(topic, examples[topic]));
    const idsBefore = Object.fromEntries([...written].map(([topic, bytes]) => [topic, schemaIdOf(bytes)]));
    expect(new Set(Object.values(idsBefore)).size).toBe(topics.length);

    const kafkaPid = pidOf('kafka');
    const registryPid = pidOf('registry');
    await restartRegistryByHand();
    expect(pidOf('kafka')).toBe(kafkaPid);
    expect(pidOf('registry')).not.toBe(registryPid);

    // A process started after the restart (no cached ids) reads what was written before.
    const after = codec(prefix);
    for (const topic of topics) expect(await after.decode(topic, written.get(topic)!)).toEqual(examples[topic]);
    // And registering again, in another order, finds the same schemas under the same ids.
    const again = codec(prefix);
    const idsAfter: Record<string, number> = {};
    for (const topic of [...topics].reverse()) idsAfter[topic] = schemaIdOf(await again.encode(topic, examples[topic]));
    expect(idsAfter).toEqual(idsBefore);
  });

  it('under load: every config push before, during and after a restart-registry decodes, and a push after it is delivered', async () => {
    const ns: KafkaNamespace = await kafkaNamespace('reg-load', { brokers: [local.broker], registryUrl: local.registryUrl });
    const producer = ns.bus({ clientId: 'reg-load-producer' });
    buses.push(producer);
    const streamed = collector<string>('config pushes read by the running consumer');
    const reader = ns.bus({ clientId: 'reg-load-reader' });
    buses.push(reader);
    await reader.subscribe(['config-updates'], { groupId: uniqueName('running'), fromBeginning: true }, (m) => streamed.push(m.value.issuedBy));

    // Other subjects first: the config schema's id is then not the first one a registry hands
    // out, which a registry that forgot everything would give it again by chance.
    const examples = exampleEvents();
    for (const topic of ['metrics-aggregated', 'health-scores'] as const) await codec(ns.prefix).encode(topic, examples[topic]);
    // Published before the restart, through the bus (its codec registered the schema).
    const published: string[] = [];
    for (let i = 0; i < 20; i += 1) {
      const key = `before-${i}`;
      await producer.publish('config-updates', 'checkout', push(key));
      published.push(key);
    }
    await streamed.until(20);

    // The load: fresh codecs (every call reaches the registry) encode and decode without pause;
    // the bus keeps publishing with the id it already holds.
    const written: { key: string; bytes: Buffer }[] = [];
    const failures: string[] = [];
    let phase = 'before' as 'before' | 'during' | 'after';
    let running = true;
    let loadError: unknown;
    // A load loop that fails stops the load; the error is rethrown where the loops are awaited.
    const stopOnError = (error: unknown) => {
      loadError ??= Object.assign(error instanceof Error ? error : new Error(String(error)), { phase });
      running = false;
    };
    // Four at a time, so requests are in flight when the registry stops and when it is back.
    const encodeDecode = Promise.all([0, 1, 2, 3].map(async (worker) => {
      for (let i = 0; running; i += 1) {
        const key = `${phase}-codec-${worker}-${i}`;
        try {
          const bytes = await codec(ns.prefix).encode('config-updates', push(key));
          expect((await codec(ns.prefix).decode('config-updates', bytes)).issuedBy).toBe(key);
          written.push({ key, bytes });
        } catch (error) {
          // Only "the registry is not answering" is acceptable, and only while it restarts.
          if (!isSlbError(error) || error.code !== 'SLB_REGISTRY_UNREACHABLE' || phase !== 'during') throw error;
          failures.push(error.code);
          await delay(50);
        }
      }
    })).catch(stopOnError);
    const publishing = (async () => {
      for (let i = 0; running; i += 1) {
        const key = `${phase}-bus-${i}`;
        await producer.publish('config-updates', 'checkout', push(key));
        published.push(key);
        await delay(20);
      }
    })().catch(stopOnError);

    await eventually(() => written.length >= 10 || !running, 'encodes before the restart', 30_000);
    const kafkaPid = pidOf('kafka');
    const registryPid = pidOf('registry');
    phase = 'during';
    const restart = await runManagement(['restart-registry'], local.env);
    expect(restart.code, `${restart.stdout}${restart.stderr}`).toBe(0);
    phase = 'after';
    expect(pidOf('kafka')).toBe(kafkaPid);
    expect(pidOf('registry')).not.toBe(registryPid);
    const afterCount = () => written.filter((w) => w.key.startsWith('after-')).length;
    await eventually(() => afterCount() >= 10 || !running, 'encodes after the restart', 30_000);
    running = false;
    await Promise.all([encodeDecode, publishing]);
    if (loadError !== undefined) throw new Error(`the load failed ${String((loadError as { phase?: string }).phase)} the restart: ${String(loadError)}`, { cause: loadError });

    // One schema, one id, before and after.
    expect(new Set(written.map((w) => schemaIdOf(w.bytes)))).toEqual(new Set([schemaIdOf(written[0]!.bytes)]));
    // A process started now decodes every record written before, during and after the restart.
    const fresh = codec(ns.prefix);
    for (const { key, bytes } of written) expect((await fresh.decode('config-updates', bytes)).issuedBy).toBe(key);

    // A push after the restart, from a process started after it, reaches the running consumer;
    // and a consumer started now reads every pushed record, none refused as undecodable.
    const late = ns.bus({ clientId: 'reg-load-late' });
    buses.push(late);
    await late.publish('config-updates', 'checkout', push('pushed-after'));
    published.push('pushed-after');
    await eventually(() => streamed.items.includes('pushed-after'), 'push after the restart seen by the running consumer', 30_000);
    const replayed = collector<string>('config pushes replayed by a new consumer');
    await late.subscribe(['config-updates'], { groupId: uniqueName('replay'), fromBeginning: true }, (m) => replayed.push(m.value.issuedBy));
    expect([...(await replayed.until(published.length, 60_000))].sort()).toEqual([...published].sort());
    process.stderr.write(
      `[registry-restart] under load: ${written.length} encode+decode round trips (${failures.length} refused while the registry was down), ${published.length} bus records\n`,
    );
  });
});
