/**
 * Make the broker hold exactly the topic catalogue: create what is missing, leave what matches,
 * and report drift (partitions or configs that differ) instead of silently changing a live topic.
 * Used by `kafka-management.sh init-topics`, the services' start-up check and the tests.
 */
import type { Admin } from 'kafkajs';
import { ConfigResourceTypes } from '../kafka/kafkajs.js';
import { TOPICS, TOPIC_NAMES, topicConfigEntries, type TopicName, type TopicSpec } from './catalogue.js';

export interface TopicDrift {
  readonly topic: string;
  readonly setting: string;
  readonly expected: string;
  readonly actual: string;
}

export interface EnsureTopicsReport {
  readonly created: string[];
  readonly unchanged: string[];
  readonly drift: TopicDrift[];
}

export interface EnsureTopicsOptions {
  /** Prepended to every topic name (isolated namespaces on a shared cluster, and tests). */
  readonly prefix?: string;
  readonly replicationFactor?: number;
  /** Only these catalogue topics (default: all). */
  readonly topics?: readonly TopicName[];
  /** When false, report what is missing instead of creating it (the services' start-up check). */
  readonly create?: boolean;
}

export async function ensureTopics(admin: Admin, options: EnsureTopicsOptions = {}): Promise<EnsureTopicsReport & { missing: string[] }> {
  const prefix = options.prefix ?? '';
  const specs = (options.topics ?? TOPIC_NAMES).map((name) => TOPICS[name]);
  const existing = new Set(await admin.listTopics());
  const toCreate = specs.filter((s) => !existing.has(prefix + s.name));
  const present = specs.filter((s) => existing.has(prefix + s.name));

  const created: string[] = [];
  const missing: string[] = [];
  if (toCreate.length > 0) {
    if (options.create === false) {
      missing.push(...toCreate.map((s) => prefix + s.name));
    } else {
      await admin.createTopics({
        waitForLeaders: true,
        topics: toCreate.map((s) => ({
          topic: prefix + s.name,
          numPartitions: s.partitions,
          replicationFactor: options.replicationFactor ?? 1,
          configEntries: Object.entries(topicConfigEntries(s)).map(([name, value]) => ({ name, value })),
        })),
      });
      created.push(...toCreate.map((s) => prefix + s.name));
    }
  }

  const drift = present.length === 0 ? [] : await findDrift(admin, present, prefix);
  const drifted = new Set(drift.map((d) => d.topic));
  const unchanged = present.map((s) => prefix + s.name).filter((t) => !drifted.has(t));
  return { created, unchanged, drift, missing };
}

async function findDrift(admin: Admin, specs: readonly TopicSpec[], prefix: string): Promise<TopicDrift[]> {
  const drift: TopicDrift[] = [];
  const metadata = await admin.fetchTopicMetadata({ topics: specs.map((s) => prefix + s.name) });
  const partitionsByTopic = new Map(metadata.topics.map((t) => [t.name, t.partitions.length]));
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: specs.map((s) => ({
      type: ConfigResourceTypes.TOPIC,
      name: prefix + s.name,
      configNames: Object.keys(topicConfigEntries(s)),
    })),
  });
  const configsByTopic = new Map(
    described.resources.map((r) => [r.resourceName, new Map(r.configEntries.map((e) => [e.configName, e.configValue]))]),
  );
  for (const spec of specs) {
    const topic = prefix + spec.name;
    const partitions = partitionsByTopic.get(topic);
    if (partitions !== spec.partitions) {
      drift.push({ topic, setting: 'partitions', expected: String(spec.partitions), actual: String(partitions) });
    }
    const actual = configsByTopic.get(topic) ?? new Map<string, string>();
    for (const [setting, expected] of Object.entries(topicConfigEntries(spec))) {
      const value = actual.get(setting) ?? '(unset)';
      if (value !== expected) drift.push({ topic, setting, expected, actual: value });
    }
  }
  return drift;
}
