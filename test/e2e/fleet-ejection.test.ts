/**
 * The whole control loop on the real broker and registry: two proxies (each with its own Kafka
 * bus) in front of three real upstream instances of one service, a health-scorer and a
 * controller, and gentle traffic through both proxies. One instance starts answering 503 to
 * everything: it is ejected fleet-wide (both proxies' balancers show it ejected by the
 * decision, and neither sends it traffic), INSTANCE_EJECTED fires, and "why was it ejected?"
 * is answered from audit-logs down to the health-scores records it cites. It recovers: the
 * next decisions bring it back in slow start, then ACTIVE, both proxies route to it again,
 * and the alert resolves.
 *
 * Local outlier detection is configured never to fire, so what takes the instance out of
 * rotation here is the fleet-wide decision alone.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { uniqueName } from '../support/kafka.js';
import { eventually } from '../bus/collect.js';
import { watchTopic } from '../controller/support.js';
import { E2E_POLICY, endpointOf, NO_LOCAL_EJECTION, serviceConfig, startController, startE2eProxy, startFleet, startScorer, startTraffic, stopFleet, type Fleet } from './support.js';

let fleet: Fleet | undefined;

beforeAll(async () => {
  fleet = await startFleet('e2e-eject');
});

afterAll(() => stopFleet(fleet));

it('ejects a failing instance on every proxy, alerts, explains it from audit-logs, and brings it back after recovery', async () => {
  const f = fleet!;
  const { ns, publisher, upstreams } = f;
  const serviceId = uniqueName('shop');
  const decisions = await watchTopic(publisher, 'routing-decisions');
  const alerts = await watchTopic(publisher, 'alerts');
  const audit = await watchTopic(publisher, 'audit-logs');
  const scores = await watchTopic(publisher, 'health-scores');
  const mine = (v: { serviceId: string }) => v.serviceId === serviceId;

  await publisher.publish('config-updates', serviceId, serviceConfig(serviceId, upstreams, { slowStartMs: 2_000, ...NO_LOCAL_EJECTION }));
  const proxies = (f.proxies = await Promise.all(['proxy-a', 'proxy-b'].map((id) => startE2eProxy(ns, id))));
  await eventually(() => proxies.every((p) => p.proxy.controlPlane.status().appliedVersions[serviceId] === 1), 'both proxies applied the config', 30_000);

  const scorer = (f.scorer = startScorer(ns, uniqueName('scorer'), 'scorer-a'));
  // An ejection long enough to watch the traffic stop before the (now idle) instance may return.
  const control = (f.control = startController(ns, uniqueName('controller'), 'controller-a', { ...E2E_POLICY, minEjectionMs: 6_000 }));
  await Promise.all([scorer.start(), control.controller.start()]);
  const traffic = (f.traffic = startTraffic(proxies, [`/${serviceId}/items`], { concurrency: 2, pauseMs: 20 }));

  // Steady state first: the controller decides for the service and every instance serves both proxies.
  await decisions.waitFor((d) => mine(d) && d.instances.every((i) => i.state === 'ACTIVE'), 'a decision with every instance ACTIVE', 45_000);
  const steadySince = Date.now();
  await eventually(() => upstreams.every((u) => proxies.every((p) => u.count(p.id, steadySince) > 0)), 'every instance serves both proxies', 10_000);

  // i3 fails every request.
  const bad = upstreams[2]!;
  bad.behaviour = { kind: 'fail', status: 503 };
  const ejecting = await decisions.waitFor((d) => mine(d) && d.instances.some((i) => i.instanceId === 'i3' && i.state === 'EJECTED'), 'a decision ejecting i3', 30_000);
  expect(ejecting.instances.find((i) => i.instanceId === 'i3')!.weight).toBe(0);
  expect(ejecting.instances.filter((i) => i.instanceId !== 'i3').every((i) => i.state !== 'EJECTED')).toBe(true);

  // Applied on every proxy: the balancer has it out by the decision (not by a local signal).
  await eventually(() => proxies.every((p) => endpointOf(p, serviceId, 'i3')?.ejectedByDecision === true), 'i3 ejected by decision on both proxies', 10_000);
  for (const p of proxies) {
    expect(p.proxy.controlPlane.status().decisionVersions[serviceId]).toBeGreaterThanOrEqual(ejecting.version);
    expect(endpointOf(p, serviceId, 'i3')).toMatchObject({ ejectedByDecision: true, effectiveWeight: 0, healthy: true });
    // The same through the admin API an operator would use.
    const admin = (await (await fetch(`${p.addr.adminUrl}/admin/services/${serviceId}/instances`)).json()) as { instances: Array<{ id: string; balancer: { ejectedByDecision: boolean } }> };
    expect(admin.instances.find((i) => i.id === 'i3')!.balancer.ejectedByDecision).toBe(true);
  }

  // Traffic to i3 stops on both proxies (after the requests already in flight), while the others keep serving both.
  await traffic.drained();
  const quietFrom = Date.now();
  await delay(1_500);
  const quietTo = Date.now();
  for (const p of proxies) {
    expect(bad.count(p.id, quietFrom, quietTo)).toBe(0);
    for (const good of upstreams.slice(0, 2)) expect(good.count(p.id, quietFrom, quietTo)).toBeGreaterThan(0);
  }
  bad.behaviour = { kind: 'ok' };

  const fired = await alerts.waitFor((a) => mine(a) && a.name === 'INSTANCE_EJECTED' && a.state === 'FIRING', 'INSTANCE_EJECTED firing');
  expect(fired.instanceId).toBe('i3');
  expect(fired.dedupKey).toBe(`INSTANCE_EJECTED/${serviceId}/i3`);

  // "Why was i3 ejected?", answered from audit-logs alone: the records keyed by the instance,
  // the newest instance.eject, and the health-scores records its evidence points at.
  await audit.waitFor((r) => r.action === 'instance.eject' && r.entityId === `${serviceId}/i3`, 'instance.eject audit record');
  const history = audit.items.filter((m) => m.key === `${serviceId}/i3`).map((m) => m.value);
  const why = history.filter((r) => r.action === 'instance.eject').at(-1)!;
  expect(why).toMatchObject({ role: 'controller', actor: 'controller-a', entityType: expect.any(String) });
  expect(why.reason).toMatch(/windows below 0\.4/);
  expect(JSON.parse(why.before!)).toMatchObject({ ejected: false });
  expect(JSON.parse(why.after!)).toMatchObject({ ejected: true, weight: 0, decisionVersion: ejecting.version });
  const cited = why.evidence!.sources.filter((s) => s.topic === 'health-scores');
  expect(cited.length).toBeGreaterThan(0);
  await eventually(() => cited.every((s) => scores.items.some((m) => m.partition === s.partition && m.offset === String(s.offset))), 'the cited health-scores records are readable', 10_000);
  for (const s of cited) {
    const record = scores.items.find((m) => m.partition === s.partition && m.offset === String(s.offset))!.value;
    expect(record).toMatchObject({ serviceId, instanceId: 'i3' });
    expect(record.score).toBeLessThan(0.4);
    expect(record.inputs.errorRate).toBeGreaterThan(0.5);
  }

  // Recovery: back in slow start, then ACTIVE; both proxies route to it again; the alert resolves.
  const returned = await decisions.waitFor((d) => mine(d) && d.version > ejecting.version && d.instances.some((i) => i.instanceId === 'i3' && i.state === 'SLOW_START'), 'i3 in slow start', 30_000);
  expect(returned.instances.find((i) => i.instanceId === 'i3')!.weight).toBeLessThan(1);
  await eventually(() => proxies.every((p) => endpointOf(p, serviceId, 'i3')?.ejectedByDecision === false), 'i3 no longer ejected on both proxies', 10_000);
  const backSince = Date.now();
  await eventually(() => proxies.every((p) => bad.count(p.id, backSince) > 0), 'both proxies send i3 traffic again', 10_000);
  // ACTIVE again at full weight, give or take what a busy machine does to its latency score (a
  // score of 0.89 maps to 0.99: full weight starts at fullWeightAtScore 0.9). The first ACTIVE
  // decision may still carry a lower weight when the whole suite loads both cores (seen once:
  // 0.69), so this waits for the full weight rather than requiring it of that first decision.
  await decisions.waitFor((d) => mine(d) && d.version > returned.version && d.instances.find((i) => i.instanceId === 'i3')?.state === 'ACTIVE', 'i3 ACTIVE again', 30_000);
  await decisions.waitFor((d) => mine(d) && d.version > returned.version && d.instances.some((i) => i.instanceId === 'i3' && i.state === 'ACTIVE' && i.weight >= 0.9), 'i3 ACTIVE again at (near) full weight', 30_000);
  await eventually(() => proxies.every((p) => (endpointOf(p, serviceId, 'i3')?.effectiveWeight ?? 0) >= 0.9), 'i3 at (near) full weight on both proxies', 15_000);
  const resolved = await alerts.waitFor((a) => a.dedupKey === fired.dedupKey && a.state === 'RESOLVED', 'INSTANCE_EJECTED resolved', 30_000);
  expect(resolved.endsAtMs).toBeGreaterThan(fired.startsAtMs);
  await audit.waitFor((r) => r.action === 'instance.return' && r.entityId === `${serviceId}/i3`, 'instance.return audit record');
}, 110_000);
