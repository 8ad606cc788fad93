/**
 * The topic catalogue: the one place the topics of ../../../../docs/topics.md are defined.
 * init-topics, every service's start-up check, and the docs read this; nothing else lists topics.
 */
const DAY_MS = 24 * 60 * 60 * 1000;
export const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

export type Cleanup = 'delete' | 'compact';

export interface TopicSpec {
  readonly name: TopicName;
  /** What the record key is; the partitioner hashes it, so one key = one partition = ordered. */
  readonly key: string;
  readonly partitions: number;
  readonly cleanup: Cleanup;
  /** Retention in ms for `delete` topics; compacted topics keep the latest value per key forever. */
  readonly retentionMs: number | null;
  readonly writtenBy: readonly string[];
  readonly readBy: readonly string[];
  /** Avro record name in proto/ (namespace slb.v1). */
  readonly schema: string;
}

export const TOPIC_NAMES = [
  'service-metrics',
  'health-status',
  'metrics-aggregated',
  'health-scores',
  'routing-decisions',
  'config-updates',
  'config-status',
  'alerts',
  'audit-logs',
  'dead-letters',
] as const;
export type TopicName = (typeof TOPIC_NAMES)[number];

const spec = (s: TopicSpec): TopicSpec => Object.freeze(s);

export const TOPICS: Readonly<Record<TopicName, TopicSpec>> = Object.freeze({
  'service-metrics': spec({ name: 'service-metrics', key: 'serviceId', partitions: 3, cleanup: 'delete', retentionMs: 7 * DAY_MS, writtenBy: ['proxy'], readBy: ['health-scorer'], schema: 'ServiceMetrics' }),
  'health-status': spec({ name: 'health-status', key: 'serviceId', partitions: 3, cleanup: 'delete', retentionMs: 7 * DAY_MS, writtenBy: ['proxy'], readBy: ['health-scorer'], schema: 'HealthStatus' }),
  'metrics-aggregated': spec({ name: 'metrics-aggregated', key: 'serviceId', partitions: 3, cleanup: 'delete', retentionMs: 7 * DAY_MS, writtenBy: ['health-scorer'], readBy: ['controller', 'console'], schema: 'MetricsAggregated' }),
  'health-scores': spec({ name: 'health-scores', key: 'serviceId', partitions: 3, cleanup: 'delete', retentionMs: 7 * DAY_MS, writtenBy: ['health-scorer'], readBy: ['controller', 'console'], schema: 'HealthScore' }),
  'routing-decisions': spec({ name: 'routing-decisions', key: 'serviceId', partitions: 3, cleanup: 'compact', retentionMs: null, writtenBy: ['controller'], readBy: ['proxy'], schema: 'RoutingDecision' }),
  'config-updates': spec({ name: 'config-updates', key: 'serviceId (_global for fleet-wide)', partitions: 3, cleanup: 'compact', retentionMs: null, writtenBy: ['operators', 'controller'], readBy: ['proxy', 'controller'], schema: 'ConfigUpdate' }),
  'config-status': spec({ name: 'config-status', key: 'proxyId', partitions: 3, cleanup: 'compact', retentionMs: null, writtenBy: ['proxy'], readBy: ['controller', 'console', 'slbctl'], schema: 'ConfigStatus' }),
  alerts: spec({ name: 'alerts', key: 'serviceId', partitions: 3, cleanup: 'delete', retentionMs: 30 * DAY_MS, writtenBy: ['controller', 'health-scorer'], readBy: ['alert-router', 'console'], schema: 'Alert' }),
  'audit-logs': spec({ name: 'audit-logs', key: 'entity id', partitions: 3, cleanup: 'delete', retentionMs: 30 * DAY_MS, writtenBy: ['every role'], readBy: ['console', 'slbctl'], schema: 'AuditLog' }),
  'dead-letters': spec({ name: 'dead-letters', key: 'original key', partitions: 1, cleanup: 'delete', retentionMs: 30 * DAY_MS, writtenBy: ['any consumer'], readBy: ['operators'], schema: 'DeadLetter' }),
});

export function isTopicName(name: string): name is TopicName {
  return (TOPIC_NAMES as readonly string[]).includes(name);
}

/** The broker-side topic configs the catalogue demands (what init-topics sets and checks). */
export function topicConfigEntries(topic: TopicSpec): Record<string, string> {
  const entries: Record<string, string> = {
    'cleanup.policy': topic.cleanup,
    'max.message.bytes': String(MAX_MESSAGE_BYTES),
  };
  if (topic.retentionMs !== null) entries['retention.ms'] = String(topic.retentionMs);
  return entries;
}
