/**
 * Every kafka-management.sh command that works on a running broker, against the shared test
 * broker and registry. start/stop/restart/logs run on a second, private instance in
 * kafka-lifecycle.test.ts so this broker is never disturbed.
 */
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TOPICS } from '@slb/core';
import { runManagement } from '../harness/local-kafka.js';
import { testKafka, uniqueName } from '../support/kafka.js';

const { brokers, registryUrl } = testKafka();
const env: NodeJS.ProcessEnv = {
  ...process.env,
  SLB_KAFKA_MODE: 'native',
  KAFKA_BROKER: brokers.join(','),
  SCHEMA_REGISTRY_URL: registryUrl,
};
const script = (...args: string[]) => runManagement(args, env);
const STACK_FRAME = /^\s+at [\w$.]+\(/m;

describe('kafka-management.sh against the real broker', () => {
  const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const prefix = `${uniqueName('mgmt')}.`;

  beforeAll(() => admin.connect());
  afterAll(() => admin.disconnect());

  it('status reports the broker and the registry up and exits 0', async () => {
    const status = await script('status');
    expect(status.stdout).toContain(`Kafka broker at ${brokers.join(',')}: up`);
    expect(status.stdout).toContain(`Schema registry at ${registryUrl}: up`);
    expect(status.code).toBe(0);
  });

  it('init-topics creates the catalogue, and a second run is a no-op', async () => {
    const first = await script('init-topics', '--prefix', prefix);
    expect(first.stdout).toContain('created 10, unchanged 0, drift 0, missing 0');
    expect(first.stdout).toContain(`  created    ${prefix}routing-decisions`);
    expect(first.code).toBe(0);

    const second = await script('init-topics', '--prefix', prefix);
    expect(second.stdout).toContain('created 0, unchanged 10, drift 0, missing 0');
    expect(second.code).toBe(0);
  });

  it('describe-topic shows the configs the catalogue demands', async () => {
    const alerts = await script('describe-topic', `${prefix}alerts`);
    expect(alerts.code).toBe(0);
    expect(alerts.stdout).toContain(`PartitionCount: ${TOPICS.alerts.partitions}`);
    expect(alerts.stdout).toMatch(/cleanup\.policy=delete/);
    expect(alerts.stdout).toMatch(/retention\.ms=2592000000/);
    expect(alerts.stdout).toMatch(/max\.message\.bytes=10485760/);

    const decisions = await script('describe-topic', `${prefix}routing-decisions`);
    expect(decisions.stdout).toMatch(/cleanup\.policy=compact/);
    expect(decisions.stdout).toMatch(/max\.message\.bytes=10485760/);
  });

  it('init-topics reports drift as a table and exits 3, leaving the topic as it was', async () => {
    const drifting = `${uniqueName('drift')}.`;
    expect((await script('init-topics', '--prefix', drifting)).code).toBe(0);
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: `${drifting}audit-logs`, configEntries: [{ name: 'retention.ms', value: '60000' }] }],
    });
    // The controller applies the change first; the broker that answers describeConfigs sees it a moment later.
    await vi.waitFor(async () => {
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: `${drifting}audit-logs`, configNames: ['retention.ms'] }],
      });
      expect(described.resources[0]?.configEntries[0]?.configValue).toBe('60000');
    }, { timeout: 10_000, interval: 100 });
    const report = await script('init-topics', '--prefix', drifting);
    expect(report.code).toBe(3);
    expect(report.stdout).toContain(`  DRIFT      ${drifting}audit-logs`);
    expect(report.stdout).toMatch(new RegExp(`${drifting.replace('.', '\\.')}audit-logs\\s+retention\\.ms\\s+2592000000\\s+60000`));
    expect((await script('describe-topic', `${drifting}audit-logs`)).stdout).toMatch(/retention\.ms=60000/);
  });

  it('create-topic creates a topic that topics lists', async () => {
    const topic = uniqueName('created');
    const created = await script('create-topic', topic, '2', '1');
    expect(created.code).toBe(0);
    const topics = await script('topics');
    expect(topics.code).toBe(0);
    expect(topics.stdout.split('\n')).toContain(topic);
    expect((await script('describe-topic', topic)).stdout).toContain('PartitionCount: 2');
  });

  it('produce and consume round-trip messages, keyed ones on a compacted topic too', async () => {
    const topic = uniqueName('roundtrip');
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
    expect((await script('produce', topic, '{"hello":"kafka"}')).code).toBe(0);
    expect((await script('produce', topic, 'second message')).code).toBe(0);
    const consumed = await script('consume', topic, '2');
    expect(consumed.code).toBe(0);
    expect(consumed.stdout.split('\n')).toEqual(['{"hello":"kafka"}', 'second message', '']);
    expect(consumed.stderr).toContain('Processed a total of 2 messages');

    const updates = `${prefix}config-updates`;
    expect((await script('produce', updates, '{"version":1}', 'checkout')).code).toBe(0);
    expect((await script('consume', updates, '1')).stdout).toContain('{"version":1}');
  });

  it('produce without a key to a compacted topic fails and says so', async () => {
    const refused = await script('produce', `${prefix}routing-decisions`, '{"version":1}');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`the message was not written to ${prefix}routing-decisions`);
    expect(refused.stderr).not.toMatch(STACK_FRAME);
  });

  it('groups and describe-group show a live consumer group', async () => {
    const topic = uniqueName('grouped');
    const groupId = uniqueName('group');
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
    const consumer = kafka.consumer({ groupId });
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const consumed = new Promise<void>((resolve) => {
        void consumer.run({ eachMessage: async () => resolve() });
      });
      expect((await script('produce', topic, 'for the group')).code).toBe(0);
      await consumed;

      const groups = await script('groups');
      expect(groups.code).toBe(0);
      expect(groups.stdout.split('\n')).toContain(groupId);

      const described = await script('describe-group', groupId);
      expect(described.code).toBe(0);
      expect(described.stdout).toMatch(new RegExp(`^${groupId}\\s+${topic}\\s+0\\s`, 'm'));
    } finally {
      await consumer.disconnect();
    }
  });

  describe('with the broker down', () => {
    const down: NodeJS.ProcessEnv = { ...env, KAFKA_BROKER: '127.0.0.1:1' };

    it('status says the broker is down and how to start it, and exits non-zero', async () => {
      const status = await runManagement(['status'], down);
      expect(status.stdout).toContain('Kafka broker at 127.0.0.1:1: DOWN — start it with: deployment/kafka/kafka-management.sh start');
      expect(status.stdout).toContain(`Schema registry at ${registryUrl}: up`);
      expect(status.code).not.toBe(0);
    });

    it.each([['topics'], ['init-topics'], ['consume', 'alerts', '1']])('%s names the broker and how to start it, without a Java stack trace', async (...args) => {
      const result = await runManagement(args, down);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('Kafka broker at 127.0.0.1:1 is not reachable — start it with: deployment/kafka/kafka-management.sh start');
      expect(result.stderr + result.stdout).not.toMatch(STACK_FRAME);
    });
  });
});
