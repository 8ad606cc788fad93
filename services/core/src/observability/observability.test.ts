import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createBusMetrics } from './bus-metrics.js';
import { createLogger } from './logger.js';

describe('bus metrics', () => {
  it("registers seed 001's metrics under slb_bus_ on the registry passed in", async () => {
    const registry = new Registry();
    const metrics = createBusMetrics(registry);
    expect(createBusMetrics(registry)).toBe(metrics);
    metrics.consumerLag.set({ topic: 'alerts', group: 'g', partition: '0' }, 4);
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name).sort();
    expect(names).toEqual([
      'slb_bus_backpressure_events_total',
      'slb_bus_batch_size_messages',
      'slb_bus_circuit_state',
      'slb_bus_circuit_transitions_total',
      'slb_bus_connection_state',
      'slb_bus_consumer_lag',
      'slb_bus_dead_letters_total',
      'slb_bus_errors_total',
      'slb_bus_messages_consumed_total',
      'slb_bus_messages_produced_total',
      'slb_bus_queue_depth',
      'slb_bus_queue_utilization',
      'slb_bus_send_duration_seconds',
      'slb_bus_telemetry_dropped_total',
    ]);
    expect(await registry.metrics()).toContain('slb_bus_consumer_lag{topic="alerts",group="g",partition="0"} 4');
  });
});

describe('createLogger', () => {
  it('names loggers service:subsystem and writes structured fields', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger('core:bus', { destination });
    logger.warn({ topic: 'alerts', partition: 1, offset: '42' }, 'dead-lettered');
    expect(JSON.parse(lines[0]!)).toMatchObject({ name: 'core:bus', topic: 'alerts', partition: 1, offset: '42', msg: 'dead-lettered' });
  });

  it.each(['bus', 'Core:Bus', 'core:bus:extra'])('refuses the name %j', (name) => {
    expect(() => createLogger(name)).toThrow(TypeError);
  });
});
