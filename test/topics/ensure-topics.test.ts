import { Kafka, logLevel, ConfigResourceTypes } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ensureTopics, TOPIC_NAMES, TOPICS } from '@slb/core';
import { testKafka, uniqueName } from '../support/kafka.js';

describe('ensureTopics against the real broker', () => {
  const kafka = new Kafka({ brokers: testKafka().brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const prefix = `${uniqueName('ensure')}.`;

  beforeAll(() => admin.connect());
  afterAll(() => admin.disconnect());

  it('creates the whole catalogue, then is a no-op, then reports drift', async () => {
    const first = await ensureTopics(admin, { prefix });
    expect(first.created.sort()).toEqual(TOPIC_NAMES.map((n) => prefix + n).sort());
    expect(first.drift).toEqual([]);

    const metadata = await admin.fetchTopicMetadata({ topics: [`${prefix}dead-letters`, `${prefix}alerts`] });
    expect(metadata.topics.map((t) => t.partitions.length).sort()).toEqual([1, TOPICS.alerts.partitions].sort());

    const second = await ensureTopics(admin, { prefix });
    expect(second.created).toEqual([]);
    expect(second.unchanged).toHaveLength(TOPIC_NAMES.length);

    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: `${prefix}alerts`, configEntries: [{ name: 'retention.ms', value: '1000' }] }],
    });
    // alterConfigs returns before every broker view reflects the change; wait until it does.
    await vi.waitFor(async () => {
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: `${prefix}alerts`, configNames: ['retention.ms'] }],
      });
      expect(described.resources[0]?.configEntries[0]?.configValue).toBe('1000');
    }, { timeout: 15_000, interval: 200 });
    const third = await ensureTopics(admin, { prefix });
    expect(third.drift).toEqual([{ topic: `${prefix}alerts`, setting: 'retention.ms', expected: '2592000000', actual: '1000' }]);
  });

  it('reports missing topics without creating them when create is false', async () => {
    const other = `${uniqueName('missing')}.`;
    const report = await ensureTopics(admin, { prefix: other, create: false, topics: ['alerts'] });
    expect(report.missing).toEqual([`${other}alerts`]);
    expect(await admin.listTopics()).not.toContain(`${other}alerts`);
  });
});
