/**
 * Helpers of the health-scorer integration tests: fake proxies (plain producers with the
 * registry codec), a read_committed reader of the scorer's outputs, services spread over every
 * partition, one test file's namespace, producer and scorer member (scorerFixture), and a scorer
 * member in a child process that can be killed without leaving its group.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import kafkajs, { type Consumer, type Kafka, type Producer } from 'kafkajs';
import type { Registry } from 'prom-client';
import { afterAll, beforeAll } from 'vitest';
import { partitionForKey, type EventCodec, type HealthScore, type HealthStatus, type MetricsAggregated, type ServiceMetrics } from '@slb/core';
import { createHealthScorer, LatencySketch, type HealthScorer } from '@slb/health-scorer';
import { uniqueName } from '../support/kafka.js';
import { collector, type Collector } from '../bus/collect.js';
import { kafkaNamespace, type KafkaNamespace } from '../bus/kafka-fixture.js';

const { logLevel } = kafkajs;

export function quietKafka(brokers: string[], clientId: string): Kafka {
  return new kafkajs.Kafka({ brokers, clientId, logLevel: logLevel.NOTHING });
}

/** `perPartition` service ids for each of the 3 partitions (keys are hashed like Kafka does). */
export function servicesOnEveryPartition(perPartition: number, partitions = 3): string[] {
  const byPartition = new Map<number, string[]>();
  for (let i = 0; [...byPartition.values()].flat().length < perPartition * partitions; i += 1) {
    const id = `svc-${i}`;
    const p = partitionForKey(id, partitions);
    const list = byPartition.get(p) ?? [];
    if (list.length < perPartition) byPartition.set(p, [...list, id]);
  }
  return [...byPartition.values()].flat();
}

/** What a fake proxy reports per instance and window: `requests` samples all at `latencyMs`. */
export interface ProxyProfile {
  readonly proxyId: string;
  readonly requests: number;
  readonly errors5xx: number;
  readonly latencyMs: number;
}

export function metricsRecord(profile: ProxyProfile, serviceId: string, instanceId: string, windowStartMs: number, sizeMs: number): ServiceMetrics {
  const sketch = new LatencySketch();
  sketch.accept(profile.latencyMs, profile.requests);
  return {
    timestamp: windowStartMs + sizeMs,
    serviceId,
    instanceId,
    proxyId: profile.proxyId,
    windowStartMs,
    windowEndMs: windowStartMs + sizeMs,
    metrics: { rps: profile.requests / (sizeMs / 1000), p95Latency: profile.latencyMs, errorRate: profile.errors5xx / profile.requests, activeConnections: 1, cpuUsage: null, memoryUsage: null },
    requests: profile.requests,
    errors: { status5xx: profile.errors5xx, status4xx: 0, connectFailures: 0, timeouts: 0, resets: 0 },
    inFlight: 1,
    latencySketch: Buffer.from(sketch.toBytes()),
    tags: {},
  };
}

export function statusRecord(proxyId: string, serviceId: string, instanceId: string, atMs: number): HealthStatus {
  return { timestamp: atMs, serviceId, instanceId, proxyId, status: 'HEALTHY', responseTime: 1, checkType: 'HTTP', details: {} };
}

/** Rewrites a proxy's records before they are sent (e.g. an instance that proxy cannot reach). */
export interface RecordEdits {
  metrics?(record: ServiceMetrics, proxy: ProxyProfile): ServiceMetrics;
  status?(record: HealthStatus): HealthStatus;
}

/** Publishes every proxy's report of one window for every service and instance, in one send. */
export async function publishWindow(
  producer: Producer,
  codec: EventCodec,
  prefix: string,
  window: { readonly startMs: number; readonly sizeMs: number },
  services: readonly string[],
  instances: readonly string[],
  proxies: readonly ProxyProfile[],
  edits: RecordEdits = {},
): Promise<void> {
  const metrics: { key: string; value: Buffer }[] = [];
  const status: { key: string; value: Buffer }[] = [];
  for (const s of services) {
    for (const i of instances) {
      for (const p of proxies) {
        const m = metricsRecord(p, s, i, window.startMs, window.sizeMs);
        const h = statusRecord(p.proxyId, s, i, window.startMs + window.sizeMs);
        metrics.push({ key: s, value: await codec.encode('service-metrics', edits.metrics?.(m, p) ?? m) });
        status.push({ key: s, value: await codec.encode('health-status', edits.status?.(h) ?? h) });
      }
    }
  }
  await producer.sendBatch({
    acks: -1,
    topicMessages: [
      { topic: `${prefix}service-metrics`, messages: metrics },
      { topic: `${prefix}health-status`, messages: status },
    ],
  });
}

export interface Outputs {
  readonly aggregated: Collector<MetricsAggregated>;
  readonly scores: Collector<HealthScore>;
  stop(): Promise<void>;
}

/** Reads metrics-aggregated and health-scores from the beginning with isolation read_committed. */
export async function readOutputs(kafka: Kafka, codec: EventCodec, prefix: string): Promise<Outputs> {
  const aggregated = collector<MetricsAggregated>('metrics-aggregated');
  const scores = collector<HealthScore>('health-scores');
  // readUncommitted: false is kafkajs's default; spelled out because the test depends on it.
  const consumer: Consumer = kafka.consumer({ groupId: uniqueName('scorer-reader'), readUncommitted: false, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [`${prefix}metrics-aggregated`, `${prefix}health-scores`], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      if (message.value === null) return;
      if (topic === `${prefix}metrics-aggregated`) aggregated.push(await codec.decode('metrics-aggregated', message.value));
      else scores.push(await codec.decode('health-scores', message.value));
    },
  });
  return { aggregated, scores, stop: () => consumer.disconnect() };
}

/** Window size of the scorerFixture's member. */
export const WINDOW_SIZE_MS = 1_000;
/** A window start a minute in the past: every window published from there closes by event time. */
export const PAST_WINDOW_START_MS = Math.floor((Date.now() - 60_000) / WINDOW_SIZE_MS) * WINDOW_SIZE_MS;

/** One test file's Kafka namespace, fake-proxy producer, output reader and scorer member. */
export interface ScorerFixture {
  readonly ns: KafkaNamespace;
  readonly kafka: Kafka;
  readonly producer: Producer;
  /** Publishes window `w` (from PAST_WINDOW_START_MS) of the given services, instances and proxies. */
  publish(w: number, services: readonly string[], instances: readonly string[], proxies: readonly ProxyProfile[], edits?: RecordEdits): Promise<void>;
  /** Starts reading the scorer's outputs (read_committed), from the beginning. */
  readOutputs(): Promise<Outputs>;
  /** Starts a scorer member on the namespace, from the beginning, with WINDOW_SIZE_MS windows. */
  startScorer(options?: { readonly groupId?: string; readonly registry?: Registry }): Promise<HealthScorer>;
  /** Something else to stop after the test file (stops run newest first). */
  defer(stop: () => Promise<void>): void;
}

/** Registers its beforeAll (namespace, connected producer) and afterAll (stops everything). */
export function scorerFixture(label: string): ScorerFixture {
  let ns: KafkaNamespace | undefined;
  let kafka: Kafka | undefined;
  let producer: Producer | undefined;
  const stops: (() => Promise<void>)[] = [];
  const ready = <T>(x: T | undefined): T => {
    if (x === undefined) throw new Error('scorerFixture: used before beforeAll');
    return x;
  };
  beforeAll(async () => {
    ns = await kafkaNamespace(label);
    kafka = quietKafka(ns.brokers, label);
    const p = kafka.producer();
    await p.connect();
    producer = p;
    stops.push(() => p.disconnect());
  });
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
  });
  const fixture: ScorerFixture = {
    get ns() {
      return ready(ns);
    },
    get kafka() {
      return ready(kafka);
    },
    get producer() {
      return ready(producer);
    },
    publish: (w, services, instances, proxies, edits) =>
      publishWindow(fixture.producer, fixture.ns.codec, fixture.ns.prefix, { startMs: PAST_WINDOW_START_MS + w * WINDOW_SIZE_MS, sizeMs: WINDOW_SIZE_MS }, services, instances, proxies, edits),
    async readOutputs() {
      const outputs = await readOutputs(fixture.kafka, fixture.ns.codec, fixture.ns.prefix);
      stops.push(() => outputs.stop());
      return outputs;
    },
    async startScorer(options = {}) {
      const { ns: n } = fixture;
      const scorer = createHealthScorer({
        transport: { kind: 'kafka', kafka: quietKafka(n.brokers, `${label}-member`), codec: n.codec, topicPrefix: n.prefix },
        groupId: options.groupId ?? uniqueName(label),
        window: { sizeMs: WINDOW_SIZE_MS, allowedLatenessMs: 500, idleTimeoutMs: 3_600_000 },
        fromBeginning: true,
        ...(options.registry === undefined ? {} : { registry: options.registry }),
      });
      stops.push(() => scorer.stop());
      await scorer.start();
      return scorer;
    },
    defer: (stop) => {
      stops.push(stop);
    },
  };
  return fixture;
}

/** A scorer member in its own process; `kill()` is SIGKILL: no leave, no flush, no goodbye. */
export interface ChildMember {
  /** Partition numbers it reported owning, latest first report. */
  readonly owned: number[];
  readonly exited: Promise<number | null>;
  untilOwns(predicate: (owned: number[]) => boolean, timeoutMs: number): Promise<void>;
  kill(): void;
}

export function spawnMember(options: Record<string, unknown>): ChildMember {
  const script = fileURLToPath(new URL('./scorer-member.ts', import.meta.url));
  // node itself with the tsx loader (not the tsx CLI, which would run node as a grandchild that
  // a SIGKILL of the CLI leaves running).
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let owned: number[] = [];
  const watchers = new Set<() => void>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      const msg = JSON.parse(line) as { owned?: number[] };
      if (msg.owned !== undefined) owned = msg.owned;
      for (const w of [...watchers]) w();
    } catch {
      // not a status line
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    get owned() {
      return owned;
    },
    exited,
    untilOwns(predicate, timeoutMs) {
      if (predicate(owned)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          watchers.delete(check);
          reject(new Error(`child member owns ${JSON.stringify(owned)} after ${timeoutMs} ms`));
        }, timeoutMs);
        const check = (): void => {
          if (!predicate(owned)) return;
          clearTimeout(timer);
          watchers.delete(check);
          resolve();
        };
        watchers.add(check);
      });
    },
    kill: () => {
      child.kill('SIGKILL');
    },
  };
}
