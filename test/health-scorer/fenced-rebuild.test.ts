/**
 * Distributed mode, a failed transaction: another producer takes the scorer's transactional id
 * (as a zombie's successor would), so the scorer's next transaction is fenced. The scorer rebuilds
 * that partition from the committed offsets after a back-off (core's retrier, docs/health-scorer.md)
 * and goes on: every window is published exactly once.
 */
import { expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { partitionForKey } from '@slb/core';
import { transactionalIdFor } from '@slb/health-scorer';
import { uniqueName } from '../support/kafka.js';
import { PAST_WINDOW_START_MS as T0, scorerFixture, type ProxyProfile } from './support.js';

const PROXIES: ProxyProfile[] = [{ proxyId: 'proxy-a', requests: 50, errors5xx: 0, latencyMs: 10 }];

const fx = scorerFixture('scorer-fenced');

it('rebuilds a fenced partition after a back-off and publishes every window once', async () => {
  const publish = (w: number) => fx.publish(w, ['checkout'], ['i-1'], PROXIES);
  const outputs = await fx.readOutputs();

  const registry = new Registry();
  const groupId = uniqueName('scorer-fenced');
  await fx.startScorer({ groupId, registry });
  for (const w of [0, 1, 2]) await publish(w);
  await outputs.aggregated.until(2); // windows 0 and 1

  // Fence the scorer's producer of the partition that holds 'checkout'.
  const fencer = fx.kafka.producer({ transactionalId: transactionalIdFor(groupId, partitionForKey('checkout', 3)), idempotent: true, maxInFlightRequests: 1 });
  await fencer.connect();
  fx.defer(() => fencer.disconnect());
  await (await fencer.transaction()).abort();

  for (const w of [3, 4, 5]) await publish(w);
  // Windows 0..4 (5 waits for later data). The output is written in order, so a duplicate of an
  // older window would be among the first five.
  await outputs.aggregated.until(5, 30_000);
  const rebuilds = await registry.getSingleMetric('slb_scorer_state_rebuilds_total')?.get();
  expect(rebuilds?.values.find((v) => v.labels['reason'] === 'transaction-failed')?.value).toBeGreaterThanOrEqual(1);
  expect(outputs.aggregated.items.map((a) => a.windowStartMs - T0)).toEqual([0, 1_000, 2_000, 3_000, 4_000]);
});
