/**
 * One answer to "why?" on every surface (rule 6): a real controller ejects an instance on the
 * broker; then the controller's why (what /api/why serves), `slbctl why` and `slbctl status`
 * (reading the topics) and the console's model (fed the same topics) give the same state,
 * weight, reason and last-ejection record, because all of them read core's fleet read model.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AuditLog } from '@slb/core';
import { ConsoleModel } from '@slb/controller';
import { uniqueName } from '../support/kafka.js';
import { serviceConfig, startMember, startScoreFeeder, watchTopic, type ControllerMember } from '../controller/support.js';
import { slbctlNamespace, type SlbctlNamespace } from './support.js';

let ns: SlbctlNamespace;
let member: ControllerMember;
let feeder: { stop(): void } | undefined;

beforeAll(async () => {
  ns = await slbctlNamespace('slbctl-why-agrees');
  member = await startMember(ns, 'controller-a');
});
afterAll(async () => {
  feeder?.stop();
  await member?.close();
});

it('the controller, slbctl why, slbctl status and the console agree on an ejected instance', async () => {
  const serviceId = uniqueName('orders');
  const { controller, publisher } = member;
  const decisions = await watchTopic(publisher, 'routing-decisions');
  const audit = await watchTopic(publisher, 'audit-logs');
  await publisher.publish('config-updates', serviceId, serviceConfig(serviceId, ['i1', 'i2', 'i3', 'i4']));
  feeder = startScoreFeeder(publisher, { [serviceId]: { i1: 0.95, i2: 0.95, i3: 0.95, i4: 0.1 } });

  const ejection = await audit.waitFor((r) => r.action === 'instance.eject' && r.entityId === `${serviceId}/i4`, 'the instance.eject record');
  await decisions.waitFor((d) => d.serviceId === serviceId && d.instances.some((i) => i.instanceId === 'i4' && i.state === 'EJECTED'), 'i4 ejected');
  // Windows stop: the controller leaves its last decision as it is (no refresh from stale
  // evidence), so every surface below reads the same latest decision.
  feeder.stop();
  await new Promise((resolve) => setTimeout(resolve, 1_500));

  const cli = await ns.json<{ state: string; reason: string; answer: string; lastEjection: AuditLog | null; decision: { version: number; instance: { weight: number } } }>(['why', 'i4', '--service', serviceId]);
  const status = await ns.json<{ services: { serviceId: string; instances: { instanceId: string; state: string; weight: number; reason: string }[] }[] }>(['status', '--service', serviceId]);
  const fromController = controller.why(serviceId, 'i4');

  const consoleModel = new ConsoleModel();
  for (const m of decisions.items) consoleModel.apply('routing-decisions', m.value);
  const consoleView = consoleModel.snapshot(Date.now()).services.find((s) => s.serviceId === serviceId)!.instances.find((i) => i.instanceId === 'i4')!;
  const statusRow = status.services[0]!.instances.find((i) => i.instanceId === 'i4')!;

  expect(fromController.state).toBe('EJECTED');
  expect(fromController.reason).toBe(ejection.reason);
  expect(fromController.lastEjection?.auditId).toBe(ejection.auditId);
  expect(cli.decision.version).toBe(fromController.decisionVersion);
  for (const surface of [
    { state: cli.state, weight: cli.decision.instance.weight, reason: cli.reason },
    { state: statusRow.state, weight: statusRow.weight, reason: statusRow.reason },
    { state: consoleView.state, weight: consoleView.weight, reason: consoleView.reason },
  ]) {
    expect(surface).toEqual({ state: fromController.state, weight: fromController.weight, reason: fromController.reason });
  }
  expect(cli.lastEjection).toEqual(fromController.lastEjection);
  expect(cli.answer).toBe(fromController.answer);
});
