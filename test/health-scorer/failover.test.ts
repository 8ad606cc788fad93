/**
 * Distributed mode on the real broker and registry: two fake proxies report every instance of
 * nine services (three per partition) every second. One scorer member starts, a second member
 * (a child process) joins and takes a share of the partitions, then is killed with SIGKILL (no
 * leave, possibly mid-transaction) and its services move back after the session timeout.
 * Read with isolation read_committed, every (service, instance, window) appears exactly once
 * on metrics-aggregated and on health-scores, with both proxies' counts and sketches merged.
 */
import type { Producer } from 'kafkajs';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startMetricsServer, type MetricsServer } from '@slb/core';
import { createHealthScorer, type HealthScorer } from '@slb/health-scorer';
import { kafkaNamespace, type KafkaNamespace } from '../bus/kafka-fixture.js';
import { eventually } from '../bus/collect.js';
import { uniqueName } from '../support/kafka.js';
import { publishWindow, quietKafka, readOutputs, servicesOnEveryPartition, spawnMember, type ChildMember, type Outputs, type ProxyProfile } from './support.js';

const SIZE = 1_000;
const WINDOW = { sizeMs: SIZE, allowedLatenessMs: 500, idleTimeoutMs: 2_000 };
const SESSION_TIMEOUT_MS = 6_000;
const SERVICES = servicesOnEveryPartition(3);
const INSTANCES = ['i-1', 'i-2'];
const PROXIES: ProxyProfile[] = [
  { proxyId: 'proxy-a', requests: 90, errors5xx: 1, latencyMs: 10 },
  { proxyId: 'proxy-b', requests: 10, errors5xx: 2, latencyMs: 100 },
];

let ns: KafkaNamespace;
let producer: Producer;
let outputs: Outputs;
let scorer: HealthScorer;
let child: ChildMember | undefined;
let server: MetricsServer;
const registry = new Registry();

beforeAll(async () => {
  ns = await kafkaNamespace('scorer');
  const kafka = quietKafka(ns.brokers, 'scorer-test');
  producer = kafka.producer({ idempotent: true });
  await producer.connect();
  outputs = await readOutputs(kafka, ns.codec, ns.prefix);
});

afterAll(async () => {
  child?.kill();
  await scorer?.stop();
  await server?.close();
  await outputs?.stop();
  await producer?.disconnect();
});

/** Publishes window after window, each just after it ends, until stopped. */
function publishing(): { readonly windows: number[]; until(count: number): Promise<void>; stop(): Promise<number[]> } {
  const windows: number[] = [];
  let running = true;
  const waiters: { count: number; resolve: () => void }[] = [];
  const loop = (async () => {
    let start = Math.floor(Date.now() / SIZE) * SIZE;
    while (running) {
      const wait = start + SIZE + 50 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait)); // the proxies' own reporting cadence
      await publishWindow(producer, ns.codec, ns.prefix, { startMs: start, sizeMs: SIZE }, SERVICES, INSTANCES, PROXIES);
      windows.push(start);
      for (const w of [...waiters]) {
        if (windows.length < w.count) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
      start += SIZE;
    }
  })();
  return {
    windows,
    until: (count) => (windows.length >= count ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ count, resolve }))),
    stop: async () => {
      running = false;
      await loop;
      return windows;
    },
  };
}

it('emits every window exactly once while a member joins and another is killed', async () => {
  const groupId = uniqueName('scorer');
  scorer = createHealthScorer({
    transport: { kind: 'kafka', kafka: quietKafka(ns.brokers, 'scorer-a'), codec: ns.codec, topicPrefix: ns.prefix },
    groupId,
    memberName: 'scorer-a',
    window: WINDOW,
    sessionTimeoutMs: SESSION_TIMEOUT_MS,
    fromBeginning: true,
    registry,
  });
  await scorer.start();
  server = await startMetricsServer({ registry, host: '127.0.0.1', port: 0, healthy: () => scorer.running });
  expect(scorer.owned()).toEqual([0, 1, 2]);

  const pub = publishing();
  await pub.until(3);

  // A second member joins: the partitions split between the two.
  child = spawnMember({ brokers: ns.brokers, registryUrl: ns.registryUrl, prefix: ns.prefix, groupId, memberName: 'scorer-b', window: WINDOW, sessionTimeoutMs: SESSION_TIMEOUT_MS });
  await child.untilOwns((owned) => owned.length > 0, 45_000);
  await eventually(() => scorer.owned().length < 3, 'scorer-a gives up a share', 20_000);
  expect([...scorer.owned(), ...child.owned].sort()).toEqual([0, 1, 2]);
  const joinedAt = pub.windows.length;
  await pub.until(joinedAt + 3);

  // The second member dies without leaving: its services come back after the session timeout.
  child.kill();
  await child.exited;
  await eventually(() => scorer.owned().length === 3, 'scorer-a takes the dead member’s partitions back', SESSION_TIMEOUT_MS + 20_000, 100);
  const tookOverAt = pub.windows.length;
  await pub.until(tookOverAt + 3);
  const published = await pub.stop();

  const key = (r: { serviceId: string; instanceId: string; windowStartMs: number }): string => `${r.serviceId}/${r.instanceId}@${r.windowStartMs}`;
  const expected = published.flatMap((start) => SERVICES.flatMap((s) => INSTANCES.map((i) => key({ serviceId: s, instanceId: i, windowStartMs: start }))));
  const has = (items: readonly { serviceId: string; instanceId: string; windowStartMs: number }[]): boolean => {
    const seen = new Set(items.map(key));
    return expected.every((k) => seen.has(k));
  };
  // The last windows close by the idle rule once the proxies stop. Each output partition is
  // written in order, so once the newest window is in, any duplicate of an older one is too.
  const missing = (items: readonly { serviceId: string; instanceId: string; windowStartMs: number }[]): string[] => {
    const seen = new Set(items.map(key));
    return expected.filter((k) => !seen.has(k));
  };
  await eventually(() => has(outputs.aggregated.items) && has(outputs.scores.items), 'every published window on both topics', 30_000, 100).catch((error: unknown) => {
    throw new Error(`${String(error)}; missing ${JSON.stringify(missing(outputs.aggregated.items).slice(0, 20))} of ${expected.length}; windows ${JSON.stringify(published)}`);
  });

  for (const items of [outputs.aggregated.items, outputs.scores.items]) {
    const counts = new Map<string, number>();
    for (const r of items) counts.set(key(r), (counts.get(key(r)) ?? 0) + 1);
    const duplicated = [...counts].filter(([, n]) => n > 1);
    expect(duplicated).toEqual([]);
  }

  const byKey = new Map(outputs.aggregated.items.map((r) => [key(r), r]));
  for (const k of expected) {
    const r = byKey.get(k)!;
    expect(r).toMatchObject({ requests: 100, proxiesReporting: 2, rps: 100, lateCount: 0 });
    expect(r.errors.status5xx).toBe(3);
    // 90 samples at 10 ms and 10 at 100 ms: the merged sketch, not an average of the proxies.
    expect(Math.abs(r.p50LatencyMs! - 10) / 10).toBeLessThan(0.011);
    expect(Math.abs(r.p99LatencyMs! - 100) / 100).toBeLessThan(0.011);
  }
  const scores = new Map(outputs.scores.items.map((r) => [key(r), r]));
  for (const k of expected) expect(scores.get(k)!.inputs).toMatchObject({ requests: 100, proxiesReporting: 2, healthyChecks: 2 });

  // The member's own account: transactions committed, partitions owned, windows emitted.
  const text = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
  expect(text).toMatch(/slb_scorer_transactions_total\{outcome="committed"\} [1-9]/);
  expect(text).toMatch(/slb_scorer_partitions_owned 6/);
  expect(text).toMatch(/slb_scorer_windows_emitted_total [1-9]/);
  expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);
}, 90_000);
