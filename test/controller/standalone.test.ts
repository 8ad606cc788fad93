/**
 * Standalone mode: the controller on the in-process bus. A bad instance is ejected with
 * evidence, alerted and audited, and "why" is answered; an operator drain through the admin API
 * becomes a new config version and a DRAINING decision; mutations need the bearer token.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { createInProcessBus, type EventBus } from '@slb/core';
import { createController, startConsoleServer, type ConsoleServer, type Controller, type WhyAnswer } from '@slb/controller';
import { serviceConfig, startScoreFeeder, TEST_POLICY, watchTopic } from './support.js';

const TOKEN = 'standalone-test-token-0123456789';
let bus: EventBus;
let controller: Controller;
let server: ConsoleServer;
let feeder: { stop(): void } | undefined;

beforeAll(async () => {
  bus = createInProcessBus();
  const registry = new Registry();
  controller = createController({ bus, member: 'controller-solo', policy: TEST_POLICY, alertPolicy: { resolveHoldMs: 300 }, batchMs: 50, tickMs: 200, registry });
  server = await startConsoleServer({ controller, registry, host: '127.0.0.1', port: 0, adminToken: TOKEN });
  await controller.start();
});

afterAll(async () => {
  feeder?.stop();
  await controller?.stop();
  await server?.close();
  await bus?.close();
});

it('ejects a failing instance with evidence, alerts, audits, explains, and drains on an operator action', async () => {
  const decisions = await watchTopic(bus, 'routing-decisions');
  const alerts = await watchTopic(bus, 'alerts');
  const audit = await watchTopic(bus, 'audit-logs');
  const configs = await watchTopic(bus, 'config-updates');
  const v1 = serviceConfig('shop', ['a', 'b', 'c', 'd']);
  await bus.publish('config-updates', 'shop', v1);
  await audit.waitFor((r) => r.action === 'config.apply' && r.entityId === 'shop', 'config.apply');

  const scores = { shop: { a: 0.95, b: 0.95, c: 0.95, d: 0.1 } };
  feeder = startScoreFeeder(bus, scores);
  const ejecting = await decisions.waitFor((d) => d.instances.some((i) => i.instanceId === 'd' && i.state === 'EJECTED'), 'decision ejecting d');
  expect(ejecting.issuedBy).toBe('controller-solo');
  expect(ejecting.configVersion).toBe(v1.version);
  expect(ejecting.evidence.scores.find((s) => s.instanceId === 'd')?.score).toBe(0.1);
  expect(ejecting.evidence.sources.some((s) => s.topic === 'health-scores')).toBe(true);
  expect(ejecting.instances.filter((i) => i.state !== 'EJECTED').map((i) => i.instanceId)).toEqual(['a', 'b', 'c']);

  const fired = await alerts.waitFor((a) => a.name === 'INSTANCE_EJECTED' && a.state === 'FIRING' && a.instanceId === 'd', 'INSTANCE_EJECTED firing');
  expect(fired.dedupKey).toBe('INSTANCE_EJECTED/shop/d');
  const ejectRecord = await audit.waitFor((r) => r.action === 'instance.eject' && r.entityId === 'shop/d', 'instance.eject audit');
  expect(JSON.parse(ejectRecord.before ?? 'null')).toMatchObject({ ejected: false });
  expect(JSON.parse(ejectRecord.after ?? 'null')).toMatchObject({ ejected: true, weight: 0 });
  expect(ejectRecord.actor).toBe('controller-solo');
  expect(ejectRecord.evidence?.sources.some((s) => s.topic === 'health-scores')).toBe(true);

  const why = (await (await fetch(`${server.url}/api/why/shop/d`)).json()) as WhyAnswer;
  expect(why.state).toBe('EJECTED');
  expect(why.lastEjection?.auditId).toBe(ejectRecord.auditId);
  expect(why.answer).toMatch(/was ejected .* windows below/);

  // Mutations need the token; reads do not.
  const url = `${server.url}/api/services/shop/instances/b/drain`;
  expect((await fetch(url, { method: 'POST' })).status).toBe(401);
  expect((await fetch(url, { method: 'POST', headers: { authorization: 'Bearer wrong-token-wrong-token' } })).status).toBe(401);
  expect((await fetch(`${server.url}/api/services/nope/instances/b/drain`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
  const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'x-slb-operator': 'alice' } });
  expect(res.status).toBe(202);
  const { version } = (await res.json()) as { version: number };
  const drainedConfig = await configs.waitFor((c) => c.version === version, 'drain config version');
  expect(drainedConfig.previousVersion).toBe(v1.version);
  expect(drainedConfig.issuedBy).toBe('controller-solo');
  expect(drainedConfig.instances.find((i) => i.id === 'b')?.weight).toBe(0);
  const opRecord = await audit.waitFor((r) => r.action === 'instance.drain' && r.entityId === 'shop/b', 'operator audit');
  expect(opRecord.actor).toBe('alice');
  expect(opRecord.role).toBe('operator');
  await audit.waitFor((r) => r.action === 'config.apply' && r.after !== null && r.after.includes(`"version":${version}`), 'config.apply of the drain');
  const draining = await decisions.waitFor((d) => d.configVersion === version && d.instances.some((i) => i.instanceId === 'b' && i.state === 'DRAINING'), 'DRAINING decision');
  expect(draining.instances.find((i) => i.instanceId === 'b')?.weight).toBe(0);

  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  expect(metrics).toMatch(/slb_controller_decisions_total\{reason="change"\} [1-9]/);
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
});
