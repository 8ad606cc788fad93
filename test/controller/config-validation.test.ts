/**
 * Config validation on the real broker and registry: a valid config is applied and audited;
 * invalid ones (empty instance list, a policy parameter without hysteresis room, an update of
 * an unknown service, a concurrent writer) raise CONFIG_REJECTED and are audited while the
 * last good config stays in force (decisions keep its membership); the next valid version
 * resolves the alert.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ConfigUpdate, KafkaBus } from '@slb/core';
import type { Controller } from '@slb/controller';
import { uniqueName } from '../support/kafka.js';
import { controllerNamespace, serviceConfig, startMember, startScoreFeeder, watchTopic, type ControllerMember } from './support.js';

let member: ControllerMember;
let publisher: KafkaBus;
let controller: Controller;
let feeder: { stop(): void } | undefined;

beforeAll(async () => {
  member = await startMember(await controllerNamespace('ctl-config'), 'controller-cfg');
  ({ publisher, controller } = member);
});

afterAll(async () => {
  feeder?.stop();
  await member?.close();
});

it('rejects invalid config-updates with CONFIG_REJECTED and an audit record, keeps the last good, and resolves on the next valid one', async () => {
  const serviceId = uniqueName('billing');
  const alerts = await watchTopic(publisher, 'alerts');
  const audit = await watchTopic(publisher, 'audit-logs');
  const decisions = await watchTopic(publisher, 'routing-decisions');
  const forService = (r: { entityId: string }) => r.entityId === serviceId;

  const good = serviceConfig(serviceId, ['x1', 'x2', 'x3']);
  await publisher.publish('config-updates', serviceId, good);
  const applied = await audit.waitFor((r) => forService(r) && r.action === 'config.apply', 'config.apply');
  expect(applied.before).toBeNull();
  expect(JSON.parse(applied.after!)).toMatchObject({ serviceId, version: good.version });
  feeder = startScoreFeeder(publisher, { [serviceId]: { x1: 0.9, x2: 0.9, x3: 0.9 } });
  await decisions.waitFor((d) => d.serviceId === serviceId && d.configVersion === good.version, 'a decision on the good config');

  // 1. Meaning: an empty instance list.
  const empty: ConfigUpdate = { ...good, version: good.version + 1, previousVersion: good.version, issuedAtMs: good.issuedAtMs + 1, instances: [] };
  await publisher.publish('config-updates', serviceId, empty);
  const rejected = await alerts.waitFor((a) => a.serviceId === serviceId && a.name === 'CONFIG_REJECTED' && a.state === 'FIRING', 'CONFIG_REJECTED firing');
  expect(rejected.summary).toMatch(/instances: must list at least one instance/);
  const rejectRecord = await audit.waitFor((r) => forService(r) && r.action === 'config.reject', 'config.reject');
  expect(rejectRecord.reason).toMatch(/^SLB_SERVICE_CONFIG_INVALID: /);
  expect(JSON.parse(rejectRecord.after!)).toMatchObject({ version: good.version });
  expect(rejectRecord.evidence?.sources[0]?.topic).toBe('config-updates');

  // 2. Policy parameters: panic at 100 % leaves no room for its release hysteresis.
  await publisher.publish('config-updates', serviceId, { ...good, version: good.version + 2, previousVersion: good.version, issuedAtMs: good.issuedAtMs + 2, panicThresholdPercent: 100 });
  await audit.waitFor((r) => forService(r) && r.action === 'config.reject' && r.reason.startsWith('SLB_POLICY_INVALID'), 'policy rejection');

  // 3. A concurrent writer: written against a version that is not the current one.
  await publisher.publish('config-updates', serviceId, { ...good, version: good.version + 3, previousVersion: good.version - 5, issuedAtMs: good.issuedAtMs + 3 });
  await audit.waitFor((r) => forService(r) && r.action === 'config.reject' && r.reason.startsWith('SLB_SERVICE_CONFIG_CONFLICT'), 'conflict rejection');

  // 4. An unknown service: deleting (or updating by previous version) a service with no config.
  const ghost = uniqueName('ghost');
  await publisher.publish('config-updates', ghost, { ...serviceConfig(ghost, ['g1']), deleted: true });
  await audit.waitFor((r) => r.entityId === ghost && r.action === 'config.reject' && r.reason.startsWith('SLB_SERVICE_CONFIG_UNKNOWN_SERVICE'), 'unknown service rejection');
  await alerts.waitFor((a) => a.serviceId === ghost && a.name === 'CONFIG_REJECTED' && a.state === 'FIRING', 'CONFIG_REJECTED for the unknown service');

  // The last good config stays: the controller's view and its decisions still use it.
  expect(controller.config(serviceId)?.version).toBe(good.version);
  const later = await decisions.waitFor((d) => d.serviceId === serviceId && d.issuedAtMs > rejectRecord.atMs, 'a decision after the rejections', 20_000);
  expect(later.configVersion).toBe(good.version);
  expect(later.instances.map((i) => i.instanceId)).toEqual(['x1', 'x2', 'x3']);

  // 5. The next valid version (plain JSON, as kcat would write it) is applied and resolves the alert.
  const next = { ...good, version: good.version + 10, previousVersion: good.version, issuedAtMs: good.issuedAtMs + 10, instances: [...good.instances, { id: 'x4', address: '127.0.0.1:9100', weight: 1, zone: null, tags: {} }] };
  await publisher.publish('config-updates', serviceId, next);
  await audit.waitFor((r) => forService(r) && r.action === 'config.apply' && JSON.parse(r.after!).version === next.version, 'config.apply of the next version');
  const resolved = await alerts.waitFor((a) => a.serviceId === serviceId && a.name === 'CONFIG_REJECTED' && a.state === 'RESOLVED', 'CONFIG_REJECTED resolved');
  expect(resolved.dedupKey).toBe(rejected.dedupKey);
  const grown = await decisions.waitFor((d) => d.serviceId === serviceId && d.configVersion === next.version, 'a decision on the new config');
  // A new instance joins a running service in slow start.
  expect(grown.instances.find((i) => i.instanceId === 'x4')?.state).toBe('SLOW_START');
});
