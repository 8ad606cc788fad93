import { describe, expect, it } from 'vitest';
import { TOPICS, TOPIC_NAMES, topicConfigEntries, MAX_MESSAGE_BYTES } from './catalogue.js';

describe('topic catalogue', () => {
  it('lists every topic once, keyed by its own name', () => {
    expect(Object.keys(TOPICS).sort()).toEqual([...TOPIC_NAMES].sort());
    for (const name of TOPIC_NAMES) expect(TOPICS[name].name).toBe(name);
  });

  it.each([
    ['service-metrics', 3, 'delete', '604800000'],
    ['routing-decisions', 3, 'compact', undefined],
    ['config-status', 3, 'compact', undefined],
    ['alerts', 3, 'delete', '2592000000'],
    ['dead-letters', 1, 'delete', '2592000000'],
  ] as const)('%s has %i partitions, %s cleanup, retention %s', (name, partitions, cleanup, retention) => {
    const entries = topicConfigEntries(TOPICS[name]);
    expect(TOPICS[name].partitions).toBe(partitions);
    expect(entries['cleanup.policy']).toBe(cleanup);
    expect(entries['retention.ms']).toBe(retention);
    expect(entries['max.message.bytes']).toBe(String(MAX_MESSAGE_BYTES));
  });
});
