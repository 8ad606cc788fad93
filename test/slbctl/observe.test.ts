/**
 * slbctl status, why and alerts read what the control plane wrote on the real broker:
 * configs, routing decisions (weights, ejections, evidence), health scores, proxy statuses,
 * alerts and audit records.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleEvents, type KafkaBus } from '@slb/core';
import { EXIT } from '@slb/slbctl';
import { slbctlNamespace, type SlbctlNamespace } from './support.js';

describe('slbctl status, why and alerts', () => {
  let ns: SlbctlNamespace;
  let bus: KafkaBus;
  const now = Date.now();

  beforeAll(async () => {
    ns = await slbctlNamespace('slbctl-observe');
    bus = ns.bus();
    const ex = exampleEvents();
    await bus.publish('config-updates', 'checkout', { ...ex['config-updates'], issuedAtMs: now - 60_000 });
    await bus.publish('routing-decisions', 'checkout', {
      ...ex['routing-decisions'],
      issuedAtMs: now - 1_000,
      expiresAtMs: now + 60_000,
      instances: [
        { instanceId: 'checkout-1', weight: 1, state: 'ACTIVE', reason: 'score 0.97', stateUntilMs: null },
        { instanceId: 'checkout-2', weight: 0, state: 'EJECTED', reason: 'score 0.21 < 0.5', stateUntilMs: now + 30_000 },
      ],
    });
    const score = ex['health-scores'];
    await bus.publish('health-scores', 'checkout', { ...score, instanceId: 'checkout-1', score: 0.97, windowStartMs: now - 20_000, windowEndMs: now - 10_000, computedAtMs: now - 9_000 });
    await bus.publish('health-scores', 'checkout', { ...score, score: 0.55, windowStartMs: now - 20_000, windowEndMs: now - 10_000, computedAtMs: now - 9_000 });
    await bus.publish('health-scores', 'checkout', { ...score, windowStartMs: now - 10_000, windowEndMs: now, computedAtMs: now });
    await bus.publish('config-status', 'proxy-a', { ...ex['config-status'], updatedAtMs: now - 2_000 });
    await bus.publish('config-status', 'proxy-old', { ...ex['config-status'], proxyId: 'proxy-old', appliedVersions: { checkout: 6 }, lastRejected: null, updatedAtMs: now - 3_600_000 });
    const alert = ex.alerts;
    await bus.publish('alerts', 'checkout', { ...alert, startsAtMs: now - 5_000 });
    await bus.publish('alerts', 'checkout', { ...alert, alertId: 'a-2', dedupKey: 'LATENCY_SLO_BREACH/checkout', name: 'LATENCY_SLO_BREACH', instanceId: null, summary: 'p95 over SLO', startsAtMs: now - 50_000 });
    await bus.publish('alerts', 'checkout', { ...alert, alertId: 'a-3', dedupKey: 'LATENCY_SLO_BREACH/checkout', name: 'LATENCY_SLO_BREACH', instanceId: null, summary: 'p95 over SLO', state: 'RESOLVED', startsAtMs: now - 50_000, endsAtMs: now - 4_000 });
    await bus.publish('audit-logs', 'checkout-2', { ...ex['audit-logs'], auditId: 'au-ej', atMs: now - 1_000, actor: 'controller-1', role: 'controller', action: 'instance.eject', entityType: 'instance', entityId: 'checkout-2', before: null, after: null, reason: 'score 0.21 < 0.5' });
  });
  afterAll(async () => {
    await bus.close();
  });

  it('status shows services, instances with weights, states and scores, and which proxy runs which version', async () => {
    const status = await ns.json<{
      services: { serviceId: string; configVersion: number; decisionVersion: number; decisionExpired: boolean; instances: { instanceId: string; state: string; weight: number; configWeight: number; score: number; address: string }[] }[];
      proxies: { proxyId: string; live: boolean; appliedVersions: Record<string, number>; lastRejected: unknown }[];
    }>(['status']);
    expect(status.services).toHaveLength(1);
    expect(status.services[0]).toMatchObject({ serviceId: 'checkout', configVersion: 7, decisionVersion: 42, decisionExpired: false });
    expect(status.services[0]!.instances.map((i) => [i.instanceId, i.address, i.state, i.weight, i.configWeight, i.score])).toEqual([
      ['checkout-1', '10.0.0.11:8080', 'ACTIVE', 1, 1, 0.97],
      ['checkout-2', '10.0.0.12:8080', 'EJECTED', 0, 1, 0.21],
    ]);
    expect(status.proxies.map((p) => [p.proxyId, p.live, p.appliedVersions['checkout']])).toEqual([
      ['proxy-a', true, 7],
      ['proxy-old', false, 6],
    ]);

    const text = await ns.cli(['status']);
    expect(text.code).toBe(EXIT.OK);
    expect(text.stdout).toMatch(/checkout\s+checkout-2\s+10\.0\.0\.12:8080\s+EJECTED\s+0\s+1\s+0\.21/);
    expect(text.stdout).toMatch(/proxy-a\s+yes\s+\S+\s+checkout@7 _global@3\s+checkout@42\s+checkout@8 SLB_EVENT_INVALID/);
  });

  it('why shows the decision, its evidence, the score components, alerts and audit records of an instance', async () => {
    const report = await ns.json<{
      serviceId: string;
      decision: { version: number; instance: { state: string; weight: number; reason: string }; evidence: { scores: unknown[]; notes: string[]; sources: unknown[] } };
      score: { score: number; components: { name: string; detail: string }[] };
      recentScores: { score: number }[];
      alerts: { name: string }[];
      audits: { action: string }[];
    }>(['why', 'checkout-2']);
    expect(report.serviceId).toBe('checkout');
    expect(report.decision).toMatchObject({ version: 42, instance: { state: 'EJECTED', weight: 0, reason: 'score 0.21 < 0.5' } });
    expect(report.decision.evidence.notes).toEqual(['error rate 0.31 over 10 s from 3 proxies']);
    expect(report.decision.evidence.sources).toEqual([{ topic: 'health-scores', partition: 1, offset: 4_812 }]);
    expect(report.score.score).toBe(0.21);
    expect(report.score.components.map((c) => c.name)).toEqual(['errorRate', 'latency', 'healthChecks']);
    expect(report.recentScores.map((s) => s.score)).toEqual([0.55, 0.21]);
    expect(report.alerts.map((a) => a.name)).toContain('INSTANCE_EJECTED');
    expect(report.audits.map((a) => a.action)).toEqual(['instance.eject']);

    const text = await ns.cli(['why', 'checkout-2']);
    expect(text.stdout).toContain('weight 0, EJECTED until');
    expect(text.stdout).toContain('errorRate: 0.100 x weight 0.5 (error rate 0.31 > 0.05)');
    expect(text.stdout).toContain('trend: 0.55 0.21');

    const unknown = await ns.cli(['why', 'nobody']);
    expect(unknown.code).toBe(EXIT.FAILURE);
    expect(unknown.stderr).toContain('instance nobody is not in any config');
  });

  it('alerts lists firing alerts by default and resolved ones with --all', async () => {
    const firing = await ns.json<{ alerts: { dedupKey: string; state: string }[] }>(['alerts']);
    expect(firing.alerts.map((a) => [a.dedupKey, a.state])).toEqual([['INSTANCE_EJECTED/checkout/checkout-2', 'FIRING']]);
    const all = await ns.json<{ alerts: { dedupKey: string; state: string }[] }>(['alerts', '--all']);
    expect(all.alerts.map((a) => [a.dedupKey, a.state])).toEqual([
      ['INSTANCE_EJECTED/checkout/checkout-2', 'FIRING'],
      ['LATENCY_SLO_BREACH/checkout', 'RESOLVED'],
    ]);
    const other = await ns.json<{ alerts: unknown[] }>(['alerts', '--service', 'search']);
    expect(other.alerts).toEqual([]);
    const text = await ns.cli(['alerts']);
    expect(text.stdout).toMatch(/FIRING\s+WARNING\s+INSTANCE_EJECTED\s+checkout\s+checkout-2/);
  });
});
