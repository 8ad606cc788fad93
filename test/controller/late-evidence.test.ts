/**
 * A restarted instance is not ejected on the late windows of its downtime (finding: distributed
 * scorecard, recovery-slow-start), on the real broker and registry. The controller reads
 * health-scores records shaped as the scorer published them in that run:
 * - the window of the kill: traffic, every try refused, every proxy's verdict UNHEALTHY: 0.000;
 * - the next window: no traffic (the proxies held it out, then let it back in), every proxy's
 *   verdict HEALTHY again when the scorer closed it: the scorer says 1.000.
 * Before the fix the decision held that silent window at 0.000 ("silence is not health"), saw two
 * bad windows and ejected an instance that had been serving for 4 s, with an INSTANCE_EJECTED
 * alert. Beside it, a service whose instance stays dead (the silent window's checks still fail)
 * is ejected as before: the control that shows an ejection would have been seen.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { HealthScore, KafkaBus } from '@slb/core';
import { uniqueName } from '../support/kafka.js';
import { controllerNamespace, serviceConfig, startMember, watchTopic, type ControllerMember } from './support.js';

/** Windows of the production size: the no-signal hold (30 s) spans as many of them as it does there. */
const WINDOW = 5_000;

interface Seen {
  readonly score: number;
  readonly requests: number;
  readonly errors: number;
  readonly healthy: number;
  readonly out: number;
}
const good: Seen = { score: 1, requests: 150, errors: 0, healthy: 2, out: 0 };
const dead: Seen = { score: 0, requests: 120, errors: 120, healthy: 0, out: 2 };
const back: Seen = { score: 1, requests: 0, errors: 0, healthy: 2, out: 0 };
const trickle: Seen = { score: 1, requests: 6, errors: 0, healthy: 2, out: 0 };
const stillDead: Seen = { score: 0, requests: 0, errors: 0, healthy: 0, out: 2 };

/** A health-scores record as the scorer writes one (components, inputs with the proxies' verdicts). */
function scored(serviceId: string, instanceId: string, s: Seen, windowEndMs: number): HealthScore {
  const check = s.out > s.healthy ? 0 : 1;
  const errorRate = s.requests === 0 ? null : s.errors / s.requests;
  return {
    serviceId,
    instanceId,
    score: s.score,
    components: [
      { name: 'success', value: s.errors > 0 ? 0 : 1, weight: 0.35, detail: s.errors > 0 ? `${s.errors} errors in ${s.requests} requests` : '' },
      { name: 'latency', value: 1, weight: 0.35, detail: '' },
      { name: 'activeCheck', value: check, weight: 0.2, detail: check === 0 ? `active checks UNHEALTHY (majority: ${s.healthy} healthy, ${s.out} unhealthy, 0 degraded)` : '' },
      { name: 'saturation', value: 1, weight: 0.1, detail: '' },
    ],
    windowStartMs: windowEndMs - WINDOW,
    windowEndMs,
    computedAtMs: windowEndMs + 2_300,
    inputs: { requests: s.requests, rps: s.requests / 5, errorRate, p95LatencyMs: s.requests >= 20 ? 4 : null, p99LatencyMs: null, inFlight: 0, proxiesReporting: 2, healthyChecks: s.healthy, unhealthyChecks: s.out, degradedChecks: 0 },
    sources: [{ topic: 'service-metrics', partition: 0, offset: windowEndMs % 100_000 }],
  };
}

/**
 * Publishes one window of scores for every instance of every service each 400 ms (each its own
 * controller step: the controller collects a window for batchMs, 100 ms here). u2 follows its
 * service's script, then `after`; the other instances are good throughout.
 */
function playWindows(bus: KafkaBus, firstEnd: number, instances: readonly string[], scripts: Record<string, { u2: readonly Seen[]; after: Seen }>): { stop(): Promise<void> } {
  let stopped = false;
  const playing = (async () => {
    for (let k = 0; !stopped && k < 40; k += 1) {
      const end = firstEnd + k * WINDOW;
      const sends = Object.entries(scripts).flatMap(([serviceId, s]) =>
        instances.map((id) => bus.publish('health-scores', serviceId, scored(serviceId, id, id === 'u2' ? (s.u2[k] ?? s.after) : good, end))),
      );
      await Promise.all(sends);
      await delay(400);
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await playing;
    },
  };
}

let ctl: ControllerMember;

beforeAll(async () => {
  const ns = await controllerNamespace('ctl-late');
  // The production default policy (the hold, the two-window ejection, 10-s minimum ejection) as
  // the scorecard ran it; refreshes every second so that decisions on the later windows go out.
  ctl = await startMember(ns, 'controller-a', { policy: { refreshAfterMs: 1_000 } });
});

afterAll(async () => {
  await ctl?.close();
});

it('does not eject a restarted instance on the late windows of its downtime; one still dead is ejected as before', async () => {
  const bus = ctl.publisher;
  const restarted = uniqueName('restarted');
  const killed = uniqueName('killed');
  const decisions = await watchTopic(bus, 'routing-decisions');
  const alerts = await watchTopic(bus, 'alerts');
  const instances = ['u1', 'u2', 'u3', 'u4'];
  for (const serviceId of [restarted, killed]) await bus.publish('config-updates', serviceId, serviceConfig(serviceId, instances));

  const firstEnd = Math.floor(Date.now() / WINDOW) * WINDOW;
  const scriptEnd = firstEnd + 5 * WINDOW;
  const play = playWindows(bus, firstEnd, instances, {
    [restarted]: { u2: [good, good, dead, back, trickle, good], after: good },
    [killed]: { u2: [good, good, dead, stillDead], after: stillDead },
  });
  try {
    // The control: the instance that stays dead is ejected on the window after the kill, alert and all.
    const ejecting = await decisions.waitFor((d) => d.serviceId === killed && d.instances.some((i) => i.instanceId === 'u2' && i.state === 'EJECTED'), 'the dead instance ejected', 30_000);
    expect(ejecting.instances.find((i) => i.instanceId === 'u2')!.reason).toBe('2 windows below 0.4 in a row (scores 0.000, 0.000); out for at least 10000 ms');
    expect(ejecting.evidence.scores.filter((s) => s.instanceId === 'u2').map((s) => s.windowEndMs)).toEqual([firstEnd + 2 * WINDOW, firstEnd + 3 * WINDOW]);
    await alerts.waitFor((a) => a.serviceId === killed && a.name === 'INSTANCE_EJECTED' && a.state === 'FIRING', 'INSTANCE_EJECTED for the dead instance');

    // The restarted one: decisions on windows after the script went out, and none ever had it out or cut.
    await decisions.waitFor((d) => d.serviceId === restarted && d.evidence.scores.some((s) => s.instanceId === 'u2' && s.windowEndMs > scriptEnd), 'a decision on a window after the script', 30_000);
  } finally {
    await play.stop();
  }
  const mine = decisions.items.map((m) => m.value).filter((d) => d.serviceId === restarted);
  const cuts = mine.flatMap((d) => d.instances.filter((i) => i.state !== 'ACTIVE' || i.weight < 0.9).map((i) => `v${d.version} ${i.instanceId} ${i.state} ${i.weight}: ${i.reason}`));
  expect(cuts).toEqual([]);
  // A step publishes its alerts right after its decision; the dead instance's alert is in, and
  // the restarted one would have been ejected in the same step, so its alert would be in too.
  expect(alerts.items.map((m) => m.value).filter((a) => a.serviceId === restarted).map((a) => `${a.name} ${a.instanceId ?? '-'} ${a.state}: ${a.summary}`)).toEqual([]);
});
