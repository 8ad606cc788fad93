/**
 * Done-when: telemetry publishing while the broker is unreachable never blocks and reports its
 * drops. The bus points at a port nothing listens on; the circuit breaker opens instead of
 * hammering it.
 */
import { Registry } from 'prom-client';
import { afterAll, expect, it } from 'vitest';
import { createKafkaBus, createRegistryCodec, exampleEvents, type KafkaBus } from '@slb/core';
import { testKafka, uniqueName } from '../support/kafka.js';
import { eventually } from './collect.js';

const registry = new Registry();
const CAPACITY = 200;
const bus: KafkaBus = createKafkaBus({
  connection: { brokers: ['127.0.0.1:1'] },
  codec: createRegistryCodec({ registryUrl: testKafka().registryUrl, subjectPrefix: `${uniqueName('down')}.` }),
  registry,
  telemetry: { capacity: CAPACITY, lingerMs: 5, failureThreshold: 2, openMs: 200, maxOpenMs: 1_000, closeTimeoutMs: 1_000 },
});
afterAll(() => bus.close());

const value = async (name: string, labels: Record<string, string> = {}): Promise<number> => {
  const metric = await registry.getSingleMetric(name)!.get();
  return metric.values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((n, v) => n + v.value, 0);
};

it('accepts every telemetry event at once, drops the oldest when full and counts the drops', async () => {
  const sample = exampleEvents()['service-metrics'];
  let evicted = 0;
  for (let i = 0; i < 1_000; i += 1) {
    // Synchronous by type: returning at all is "not blocking"; each call is accepted.
    const result = bus.publishTelemetry('service-metrics', 'checkout', { ...sample, requests: i });
    expect(result.accepted).toBe(true);
    evicted += result.evicted;
  }
  expect(evicted).toBeGreaterThanOrEqual(1_000 - CAPACITY);
  expect(bus.telemetryQueued).toBeLessThanOrEqual(CAPACITY);
  expect(await value('slb_bus_telemetry_dropped_total', { reason: 'evicted' })).toBe(evicted);
  expect(await value('slb_bus_messages_produced_total', { outcome: 'dropped' })).toBe(evicted);
  expect(await value('slb_bus_backpressure_events_total', { level: 'emergency' })).toBeGreaterThanOrEqual(1);
  expect(await value('slb_bus_queue_utilization')).toBe(bus.telemetryQueued / CAPACITY);
});

it('opens the circuit instead of hammering the unreachable broker, and keeps accepting', async () => {
  await eventually(() => bus.telemetryCircuit === 'open' || bus.telemetryCircuit === 'half-open', 'circuit opened');
  expect(await value('slb_bus_circuit_transitions_total', { to: 'open' })).toBeGreaterThanOrEqual(1);
  expect(await value('slb_bus_messages_produced_total', { outcome: 'success' })).toBe(0);
  const result = bus.publishTelemetry('health-status', 'checkout', exampleEvents()['health-status']);
  expect(result.accepted).toBe(true);
  expect(await value('slb_bus_errors_total')).toBeGreaterThanOrEqual(2);
});

it('closes within its bounded wait and counts what it could not send', async () => {
  const queued = bus.telemetryQueued;
  expect(queued).toBeGreaterThan(0);
  const before = await value('slb_bus_telemetry_dropped_total', { reason: 'closed' });
  await bus.close();
  expect(await value('slb_bus_telemetry_dropped_total', { reason: 'closed' })).toBe(before + queued);
  expect(bus.publishTelemetry('service-metrics', 'checkout', exampleEvents()['service-metrics'])).toEqual({ accepted: false, evicted: 0 });
});
