/**
 * Standalone mode: the same scorer over the in-process bus. Two proxies' reports for a few
 * windows come out as one metrics-aggregated and one health-scores record per instance and
 * window, merged, in window order; an invalid report goes to dead-letters and the rest flows on.
 */
import { afterEach, expect, it } from 'vitest';
import { createInProcessBus, type DeadLetter, type EventBus, type HealthScore, type MetricsAggregated } from '@slb/core';
import { createHealthScorer, type HealthScorer } from '@slb/health-scorer';
import { collector } from '../bus/collect.js';
import { metricsRecord, statusRecord, type ProxyProfile } from './support.js';

const SIZE = 1_000;
const T0 = 1_700_000_000_000;
const PROXIES: ProxyProfile[] = [
  { proxyId: 'proxy-a', requests: 90, errors5xx: 0, latencyMs: 10 },
  { proxyId: 'proxy-b', requests: 10, errors5xx: 5, latencyMs: 100 },
];

let bus: EventBus | undefined;
let scorer: HealthScorer | undefined;

afterEach(async () => {
  await scorer?.stop();
  await bus?.close();
});

it('merges every proxy per instance and window over the in-process bus', async () => {
  bus = createInProcessBus();
  const aggregated = collector<MetricsAggregated>('metrics-aggregated');
  const scores = collector<HealthScore>('health-scores');
  const deadLetters = collector<DeadLetter>('dead-letters');
  await bus.subscribe(['metrics-aggregated'], { groupId: 'reader-a' }, (m) => aggregated.push(m.value));
  await bus.subscribe(['health-scores'], { groupId: 'reader-s' }, (m) => scores.push(m.value));
  await bus.subscribe(['dead-letters'], { groupId: 'reader-d' }, (m) => deadLetters.push(m.value));
  // Event time drives the windows; the idle rule (clock) stays out of the way.
  scorer = createHealthScorer({ transport: { kind: 'bus', bus }, window: { sizeMs: SIZE, allowedLatenessMs: 500, idleTimeoutMs: 3_600_000 } });
  await scorer.start();

  for (let w = 0; w < 4; w += 1) {
    for (const p of PROXIES) {
      for (const instance of ['i-1', 'i-2']) {
        await bus.publish('service-metrics', 'checkout', metricsRecord(p, 'checkout', instance, T0 + w * SIZE, SIZE));
        await bus.publish('health-status', 'checkout', statusRecord(p.proxyId, 'checkout', instance, T0 + (w + 1) * SIZE));
      }
    }
    if (w === 1) {
      // More errors than requests: rejected, dead-lettered, not merged.
      const bad = metricsRecord({ proxyId: 'proxy-c', requests: 1, errors5xx: 0, latencyMs: 1 }, 'checkout', 'i-1', T0 + w * SIZE, SIZE);
      await bus.publish('service-metrics', 'checkout', { ...bad, errors: { ...bad.errors, status5xx: 5 } });
    }
  }

  // Windows 0..2 close (window 3 waits for later data); two instances each.
  await aggregated.until(6);
  await scores.until(6);
  await deadLetters.until(1);
  expect(aggregated.items.map((a) => `${a.instanceId}@${a.windowStartMs - T0}`)).toEqual(['i-1@0', 'i-2@0', 'i-1@1000', 'i-2@1000', 'i-1@2000', 'i-2@2000']);
  for (const a of aggregated.items) {
    expect(a).toMatchObject({ requests: 100, proxiesReporting: 2, errorRate: 0.05 });
    expect(Math.abs(a.p99LatencyMs! - 100) / 100).toBeLessThan(0.011);
  }
  for (const s of scores.items) {
    expect(s.inputs).toMatchObject({ requests: 100, healthyChecks: 2 });
    expect(s.components.find((c) => c.name === 'success')!.value).toBeLessThan(1);
  }
  expect(deadLetters.items[0]).toMatchObject({ originalTopic: 'service-metrics', errorCode: 'SLB_EVENT_INVALID' });
});
