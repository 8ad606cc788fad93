/**
 * A private namespace on the development Kafka and registry for the `slb-kafka` peer (this
 * proxy publishing its telemetry to Kafka for real): the topic catalogue created under a
 * unique prefix before the run, topics and registry subjects deleted after it. Uses @slb/core
 * from the build under test (as that build resolves it), never a broker of our own.
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as CoreModule from '../../services/core/dist/index.js';

export interface KafkaTarget {
  readonly brokers: string;
  readonly registryUrl: string;
}

export interface KafkaNamespace {
  readonly prefix: string;
  /** Env for the proxy process (SLB_BUS=kafka and where to find Kafka and the registry). */
  readonly env: Record<string, string>;
  /** Deletes the namespace; returns the records each topic held (proof telemetry was written). */
  close(): Promise<Record<string, number>>;
}

export async function createKafkaNamespace(proxyMain: string, target: KafkaTarget): Promise<KafkaNamespace> {
  const coreIndex = createRequire(join(dirname(proxyMain), 'index.js')).resolve('@slb/core');
  const core = (await import(pathToFileURL(coreIndex).href)) as typeof CoreModule;
  const prefix = `bench-proxy-${randomBytes(4).toString('hex')}.`;
  const cfg = core.readBusEnv({ KAFKA_BROKERS: target.brokers, SCHEMA_REGISTRY_URL: target.registryUrl });
  const admin = core.createKafkaClient({ clientId: 'bench-proxy', connection: cfg.kafka }).admin();
  await admin.connect();
  try {
    await core.ensureTopics(admin, { prefix });
  } catch (err) {
    await admin.disconnect();
    throw err;
  }
  return {
    prefix,
    env: { SLB_BUS: 'kafka', SLB_TOPIC_PREFIX: prefix, KAFKA_BROKERS: target.brokers, SCHEMA_REGISTRY_URL: target.registryUrl },
    async close() {
      const written: Record<string, number> = {};
      try {
        const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
        for (const t of topics) {
          const offsets = await admin.fetchTopicOffsets(t);
          const n = offsets.reduce((a, o) => a + Number(o.high) - Number(o.low), 0);
          if (n > 0) written[t.slice(prefix.length)] = n;
        }
        if (topics.length > 0) await admin.deleteTopics({ topics });
      } finally {
        await admin.disconnect();
      }
      // Registry subjects: soft delete, then permanent (Confluent API), best effort.
      const res = await fetch(`${target.registryUrl}/subjects`);
      const subjects = res.ok ? ((await res.json()) as string[]).filter((s) => s.startsWith(prefix)) : [];
      for (const s of subjects) {
        const url = `${target.registryUrl}/subjects/${encodeURIComponent(s)}`;
        await fetch(url, { method: 'DELETE' }).catch(() => undefined);
        await fetch(`${url}?permanent=true`, { method: 'DELETE' }).catch(() => undefined);
      }
      return written;
    },
  };
}
