/**
 * kafka-management.sh start / status / logs / restart / stop on a second, private broker and
 * registry (own ports and runtime dir), so the shared test broker is never disturbed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { javaProcessesOf, planLocalKafka, removeRuntimeDir, runManagement, type LocalKafka } from '../harness/local-kafka.js';
import { uniqueName } from '../support/kafka.js';

describe('kafka-management.sh start, restart and stop', () => {
  let instance: LocalKafka;
  const script = (...args: string[]) => runManagement(args, instance.env);
  const pids = () => ({
    kafka: readFileSync(`${instance.runtimeDir}/kafka.pid`, 'utf8').trim(),
    registry: readFileSync(`${instance.runtimeDir}/registry.pid`, 'utf8').trim(),
  });

  // A cluster id that starts with '-' (1 random id in 64 did, and the storage format took it
  // for an option): it must be read as the id.
  const clusterId = '-slbLifecycleTest0123A';

  beforeAll(async () => {
    const planned = await planLocalKafka('lifecycle');
    instance = { ...planned, env: { ...planned.env, KAFKA_CLUSTER_ID: clusterId } };
  });

  afterAll(async () => {
    // Whatever the tests did, nothing of this instance outlives the file.
    await script('stop');
    for (const { pid } of javaProcessesOf(instance.runtimeDir)) process.kill(pid, 'SIGKILL');
    removeRuntimeDir(instance.runtimeDir);
  });

  it('start brings up the broker and the registry, and status says so', async () => {
    const start = await script('start');
    expect(start.stderr).toBe('');
    expect(start.stdout).toContain(`at ${instance.broker} and the schema registry at ${instance.registryUrl} are up`);
    expect(start.code).toBe(0);

    const status = await script('status');
    expect(status.stdout).toContain(`Kafka broker at ${instance.broker}: up`);
    expect(status.stdout).toContain(`Schema registry at ${instance.registryUrl}: up`);
    expect(status.code).toBe(0);
    expect(readdirSync(instance.runtimeDir).filter((d) => d.startsWith('data-kafka-')).map((d) => readFileSync(`${instance.runtimeDir}/${d}/meta.properties`, 'utf8'))).toEqual([expect.stringContaining(`cluster.id=${clusterId}`)]);
  });

  it('logs prints the broker log and the registry log', async () => {
    const kafkaLog = await runManagement(['logs', 'kafka'], { ...instance.env, LOG_LINES: '100000' });
    expect(kafkaLog.code).toBe(0);
    expect(kafkaLog.stdout).toContain('Kafka Server started');
    const registryLog = await runManagement(['logs', 'registry'], { ...instance.env, LOG_LINES: '100000' });
    expect(registryLog.code).toBe(0);
    expect(registryLog.stdout).toContain('Using h2 SQL storage');
    expect(registryLog.stdout).not.toContain('Kafka Server started');
  });

  it('restart replaces both processes and keeps the topics', async () => {
    const topic = uniqueName('kept');
    expect((await script('create-topic', topic, '1', '1')).code).toBe(0);
    const before = pids();

    const restart = await script('restart');
    expect(restart.stdout).toContain('Kafka stopped.');
    expect(restart.stdout).toContain('are up');
    expect(restart.code).toBe(0);

    const after = pids();
    expect(after.kafka).not.toBe(before.kafka);
    expect(after.registry).not.toBe(before.registry);
    expect((await script('topics')).stdout.split('\n')).toContain(topic);
  });

  it('stop ends both processes, and status then exits non-zero', async () => {
    const stop = await script('stop');
    expect(stop.stdout).toContain('Kafka stopped.');
    expect(stop.stdout).toContain('Schema registry stopped.');
    expect(stop.code).toBe(0);
    expect(javaProcessesOf(instance.runtimeDir)).toEqual([]);

    const status = await script('status');
    expect(status.stdout).toContain(`Kafka broker at ${instance.broker}: DOWN`);
    expect(status.stdout).toContain(`Schema registry at ${instance.registryUrl}: DOWN`);
    expect(status.code).toBe(1);
  });
});
