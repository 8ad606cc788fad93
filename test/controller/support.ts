/** Shared pieces of the controller tests: configs, scores, a score feeder and topic watchers. */
import { Registry } from 'prom-client';
import type { ConfigUpdate, Delivered, EventBus, EventOf, HealthScore, KafkaBus, TopicName } from '@slb/core';
import { createController, type Controller, type ControllerOptions, type DecisionPolicy } from '@slb/controller';
import { uniqueName } from '../support/kafka.js';
import { kafkaNamespace, type KafkaNamespace } from '../bus/kafka-fixture.js';

/**
 * A namespace of topics on the shared broker. Creating topics while other suites do the same
 * sometimes meets a broker that has not yet settled the new partitions' leadership (a retriable
 * protocol error): try again a few times rather than fail the suite on it.
 */
export async function controllerNamespace(label: string): Promise<KafkaNamespace> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await kafkaNamespace(label);
    } catch (error) {
      if ((error as { retriable?: unknown }).retriable !== true || attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
}

/** Small timings so a whole eject/return cycle takes seconds (windows of WINDOW_MS). */
export const WINDOW_MS = 250;
export const TEST_POLICY: Partial<DecisionPolicy> = {
  ejectAfterWindows: 2,
  returnAfterWindows: 2,
  minEjectionMs: 300,
  maxEjectionMs: 5_000,
  refreshAfterMs: 1_500,
  decisionTtlMs: 10_000,
  maxEjectionPercent: 50,
};

/** A controller member on a namespace, a bus to publish with, and the member's metrics. */
export interface ControllerMember {
  readonly controller: Controller;
  readonly publisher: KafkaBus;
  readonly registry: Registry;
  /** Stops the member and closes both buses. */
  close(): Promise<void>;
}

/**
 * Starts one controller member with the tests' timings (TEST_POLICY, batches of 100 ms, ticks of
 * 250 ms, a group of its own reading from the beginning) and a separate bus to publish with.
 */
export async function startMember(ns: KafkaNamespace, member: string, options: Partial<ControllerOptions> = {}): Promise<ControllerMember> {
  const registry = new Registry();
  const publisher = ns.bus();
  const bus = ns.bus({ registry });
  const controller = createController({ bus, member, groupId: uniqueName('controller'), fromBeginning: true, policy: TEST_POLICY, batchMs: 100, tickMs: 250, registry, ...options });
  await controller.start();
  return {
    controller,
    publisher,
    registry,
    close: async () => {
      await controller.stop();
      await Promise.all([bus.close(), publisher.close()]);
    },
  };
}

export function serviceConfig(serviceId: string, instanceIds: readonly string[], overrides: Partial<ConfigUpdate> = {}): ConfigUpdate {
  const now = Date.now();
  return {
    serviceId,
    version: now,
    previousVersion: null,
    issuedAtMs: now,
    issuedBy: 'test-operator',
    deleted: false,
    routes: [{ host: null, pathPrefix: `/${serviceId}` }],
    instances: instanceIds.map((id, i) => ({ id, address: `127.0.0.1:${9000 + i}`, weight: 1, zone: null, tags: {} })),
    policy: { type: 'LEAST_REQUEST', hashOn: null, boundedLoadFactor: null },
    slowStartMs: 1_500,
    panicThresholdPercent: 30,
    healthCheck: null,
    outlierDetection: null,
    retries: null,
    timeouts: { requestMs: 5_000, idleMs: 60_000 },
    circuitBreaker: null,
    requestBufferBytes: 1_048_576,
    signature: null,
    ...overrides,
  };
}

export function healthScore(serviceId: string, instanceId: string, score: number, windowEndMs: number): HealthScore {
  const errorRate = score < 0.5 ? 0.4 : 0.001;
  return {
    serviceId,
    instanceId,
    score,
    components: [
      { name: 'successRate', value: score, weight: 0.6, detail: `error rate ${errorRate}` },
      { name: 'latency', value: 1, weight: 0.4, detail: '' },
    ],
    windowStartMs: windowEndMs - WINDOW_MS,
    windowEndMs,
    computedAtMs: windowEndMs + 5,
    inputs: { requests: 100, rps: 400, errorRate, p95LatencyMs: 20, p99LatencyMs: 40, inFlight: 1, proxiesReporting: 2, healthyChecks: 2, unhealthyChecks: 0, degradedChecks: 0 },
    sources: [{ topic: 'metrics-aggregated', partition: 0, offset: windowEndMs % 100_000 }],
  };
}

/**
 * Publishes one window of scores per WINDOW_MS for every service in `scores` (service ->
 * instance -> score; change the numbers to change what the scorer "sees").
 */
export function startScoreFeeder(bus: EventBus, scores: Record<string, Record<string, number>>): { stop(): void; windows: () => number } {
  let windowEnd = Math.floor(Date.now() / WINDOW_MS) * WINDOW_MS;
  let windows = 0;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    windowEnd += WINDOW_MS;
    windows += 1;
    const sends = Object.entries(scores).flatMap(([serviceId, byInstance]) =>
      Object.entries(byInstance).map(([instanceId, score]) => bus.publish('health-scores', serviceId, healthScore(serviceId, instanceId, score, windowEnd))),
    );
    void Promise.allSettled(sends).finally(() => {
      busy = false;
    });
  }, WINDOW_MS);
  return { stop: () => clearInterval(timer), windows: () => windows };
}

export interface TopicWatch<T extends TopicName> {
  readonly items: Delivered<T>[];
  /** The first delivered message (from the start) matching `predicate`. */
  waitFor(predicate: (value: EventOf<T>) => boolean, label: string, timeoutMs?: number): Promise<EventOf<T>>;
}

/** Everything on `topic` from the beginning, through a group of its own. */
export async function watchTopic<T extends TopicName>(bus: EventBus, topic: T): Promise<TopicWatch<T>> {
  const items: Delivered<T>[] = [];
  const waiters = new Set<{ predicate: (v: EventOf<T>) => boolean; resolve: (v: EventOf<T>) => void }>();
  await bus.subscribe([topic], { groupId: uniqueName(`watch-${topic}`), fromBeginning: true }, (m) => {
    items.push(m);
    for (const w of [...waiters]) {
      if (w.predicate(m.value)) {
        waiters.delete(w);
        w.resolve(m.value);
      }
    }
  });
  return {
    items,
    waitFor(predicate, label, timeoutMs = 30_000) {
      const found = items.find((m) => predicate(m.value));
      if (found !== undefined) return Promise.resolve(found.value);
      return new Promise((resolve, reject) => {
        const w = { predicate, resolve };
        waiters.add(w);
        const timer = setTimeout(() => {
          if (!waiters.delete(w)) return;
          reject(new Error(`${topic}: no ${label} after ${timeoutMs} ms (${items.length} messages seen)`));
        }, timeoutMs);
        timer.unref();
      });
    },
  };
}
