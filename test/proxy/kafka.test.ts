/**
 * Distributed mode on the real test broker and registry: config arrives through Kafka,
 * config-status goes back through it; with its bus gone the proxy keeps routing, and a proxy
 * whose broker is unreachable boots from its snapshot and routes at once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createKafkaBus, createRegistryCodec, normalizeConfigUpdate, type ConfigStatus } from '@slb/core';
import { kafkaNamespace } from '../bus/kafka-fixture.js';
import { testKafka, uniqueName } from '../support/kafka.js';
import { hits, service, startProxy, startUpstream, type Upstream } from './support.js';

describe('proxy on Kafka', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    // Note: closing the bus whose broker is unreachable takes ~30 s (the bus's own bounded wait).
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
  });

  it('applies config from Kafka, reports status there, keeps routing without it and boots from its snapshot with Kafka down', async () => {
    const ups: Upstream[] = await Promise.all(['ka', 'kb'].map((id) => startUpstream(id)));
    cleanup.push(() => Promise.all(ups.map((u) => u.close())));
    const dir = await mkdtemp(join(tmpdir(), 'slb-kafka-snap-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const ns = await kafkaNamespace('proxy');
    const operator = ns.bus();
    cleanup.push(() => operator.close());
    const statuses: ConfigStatus[] = [];
    // Fresh topics may not have a leader yet for a moment: retry opening the view.
    await vi.waitFor(() => operator.watchLatest('config-status', (_k, v) => void statuses.push(v)), { timeout: 30_000, interval: 500 });

    const proxyBus = ns.bus();
    const first = await startProxy({ bus: proxyBus, snapshotDir: dir, proxyId: uniqueName('proxy') });
    cleanup.push(() => first.proxy.close());
    await vi.waitFor(() => operator.publish('config-updates', 'svc', normalizeConfigUpdate({ ...service('svc', ups), issuedBy: 'test' }).value), { timeout: 30_000, interval: 500 });
    await vi.waitFor(() => expect(first.proxy.state().status.appliedVersions).toEqual({ svc: 1 }), { timeout: 30_000, interval: 100 });
    expect((await hits(`${first.addr.url}/svc/x`, 10)).size).toBe(2);
    await vi.waitFor(() => expect(statuses.some((s) => s.appliedVersions.svc === 1)).toBe(true), { timeout: 30_000, interval: 100 });

    // The control plane goes away: routing goes on from the applied state.
    await proxyBus.close();
    expect((await hits(`${first.addr.url}/svc/x`, 10)).size).toBe(2);
    await first.proxy.close();

    // Kafka unreachable at boot: the snapshot is routing at once.
    const deadBus = createKafkaBus({
      connection: { brokers: ['127.0.0.1:1'] },
      codec: createRegistryCodec({ registryUrl: testKafka().registryUrl, subjectPrefix: `${uniqueName('down')}.` }),
    });
    cleanup.push(() => deadBus.close());
    const started = Date.now();
    const second = await startProxy({ bus: deadBus, snapshotDir: dir });
    cleanup.push(() => second.proxy.close());
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(second.proxy.state().snapshotLoaded).toBe(true);
    expect((await hits(`${second.addr.url}/svc/x`, 10)).size).toBe(2);
  });
});
