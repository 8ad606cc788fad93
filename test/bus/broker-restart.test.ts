/**
 * Done-when: a broker stopped for 20 s and restarted loses no acks=all message, and consumers
 * resume without a process restart. The test runs its OWN broker and registry through
 * deployment/kafka/kafka-management.sh (private runtime dir and ports), stops the broker alone
 * (SIGTERM to the pid the script recorded, i.e. a controlled shutdown) and starts it again with
 * the script, while the bus, its producers and its consumers stay up in this process.
 */
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { exampleEvents, type Delivered, type KafkaBus } from '@slb/core';
import { javaProcessesOf, planLocalKafka, removeRuntimeDir, runManagement, type LocalKafka } from '../harness/local-kafka.js';
import { audit } from './behaviour.js';
import { collector, eventually } from './collect.js';
import { kafkaNamespace } from './kafka-fixture.js';

const OUTAGE_MS = 20_000;
let local: LocalKafka;
let bus: KafkaBus | undefined;

beforeAll(async () => {
  local = await planLocalKafka('bus-restart');
  const start = await runManagement(['start'], local.env);
  if (start.code !== 0) throw new Error(`could not start the private broker:\n${start.stdout}${start.stderr}`);
}, 180_000);

afterAll(async () => {
  await bus?.close();
  const stop = await runManagement(['stop'], local.env);
  const left = javaProcessesOf(local.runtimeDir);
  if (stop.code === 0 && left.length === 0) removeRuntimeDir(local.runtimeDir);
  expect(left).toEqual([]);
}, 120_000);

async function stopBrokerOnly(): Promise<void> {
  const pidFile = `${local.runtimeDir}/kafka.pid`;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  // Only the broker the script started for this test, by its recorded pid.
  expect(javaProcessesOf(local.runtimeDir).map((p) => p.pid)).toContain(pid);
  process.kill(pid, 'SIGTERM');
  await eventually(() => !existsSync(`/proc/${pid}`), 'broker process exited', 60_000, 100);
}

it('loses no acks=all message across a 20 s broker outage, and consumers resume by themselves', async () => {
  const ns = await kafkaNamespace('restart', { brokers: [local.broker], registryUrl: local.registryUrl });
  bus = ns.bus({ telemetry: { failureThreshold: 2, openMs: 500, maxOpenMs: 2_000 } });
  const key = 'checkout';
  const got = collector<number>('audit-logs');
  const telemetry = collector<number>('service-metrics');
  await bus.subscribe(['audit-logs'], { groupId: 'survivor', fromBeginning: true }, (m: Delivered<'audit-logs'>) => got.push(m.value.atMs - 1_767_225_600_000));
  await bus.subscribe(['service-metrics'], { groupId: 'telemetry-reader', fromBeginning: true }, (m: Delivered<'service-metrics'>) => telemetry.push(m.value.requests));

  for (let seq = 0; seq < 50; seq += 1) await bus.publish('audit-logs', key, audit(key, seq));
  const sample = exampleEvents()['service-metrics'];
  bus.publishTelemetry('service-metrics', key, { ...sample, requests: 1 });
  await got.until(50);
  await telemetry.until(1);

  await stopBrokerOnly();
  let acked = 0;
  const during = Array.from({ length: 50 }, (_, i) =>
    bus!.publish('audit-logs', key, audit(key, 50 + i)).then(() => {
      acked += 1;
    }),
  );
  // Telemetry while the broker is down: accepted at once, never blocking.
  for (let i = 0; i < 100; i += 1) expect(bus.publishTelemetry('service-metrics', key, { ...sample, requests: 2 }).accepted).toBe(true);
  await delay(OUTAGE_MS); // the outage itself is the scenario: the broker stays down this long
  expect(acked).toBe(0);
  expect(bus.telemetryCircuit).not.toBe('closed');

  const restart = await runManagement(['start'], local.env);
  expect(restart.code, restart.stderr).toBe(0);
  await Promise.all(during);
  for (let seq = 100; seq < 120; seq += 1) await bus.publish('audit-logs', key, audit(key, seq));

  // The same consumer (no process restart) reads everything, in order, nothing lost.
  const seen = await got.until(120, 60_000);
  const firstSeen = [...new Set(seen)];
  expect(firstSeen).toEqual(Array.from({ length: 120 }, (_, i) => i));

  // The breaker closes by itself and telemetry flows again.
  bus.publishTelemetry('service-metrics', key, { ...sample, requests: 3 });
  await eventually(() => telemetry.items.includes(3), 'telemetry after restart', 60_000);
  expect(bus.telemetryCircuit).toBe('closed');
}, 150_000);
