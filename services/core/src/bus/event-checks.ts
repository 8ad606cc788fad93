/**
 * Checks both bus implementations apply before accepting an event, so an invalid event is
 * rejected the same way in standalone and distributed mode.
 */
import { SlbError } from '../errors/index.js';
import { isTopicName, type TopicName } from '../topics/catalogue.js';
import { validateEvent } from '../contracts/index.js';
import type { BusMetrics } from '../observability/bus-metrics.js';

export function assertTopic(topic: string): asserts topic is TopicName {
  if (!isTopicName(topic)) throw new SlbError('SLB_UNKNOWN_TOPIC', `"${topic}" is not a catalogue topic`, { details: { topic } });
}

/** Throws SLB_EVENT_INVALID (details: topic, issues) when `value` does not match the topic schema. */
export function assertValidEvent(topic: TopicName, value: unknown): void {
  const issues = validateEvent(topic, value);
  if (issues.length > 0) {
    const summary = issues.slice(0, 5).map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ');
    throw new SlbError('SLB_EVENT_INVALID', `invalid ${topic} event: ${summary}`, { details: { topic, issues } });
  }
}

export function assertKey(topic: TopicName, key: unknown): asserts key is string {
  if (typeof key !== 'string' || key === '') {
    throw new SlbError('SLB_EVENT_INVALID', `a ${topic} event needs a non-empty string key`, { details: { topic, issues: [{ path: '(key)', message: 'must be a non-empty string' }] } });
  }
}

/**
 * Everything a publish checks, in order: a catalogue topic, then a key and a value that match it.
 * A bad key or value is counted as an `invalid` publish before it is thrown.
 */
export function assertPublishable(topic: TopicName, key: string, value: unknown, metrics: BusMetrics | undefined): void {
  assertTopic(topic);
  try {
    assertKey(topic, key);
    assertValidEvent(topic, value);
  } catch (error) {
    metrics?.produced.inc({ topic, outcome: 'invalid' });
    throw error;
  }
}
