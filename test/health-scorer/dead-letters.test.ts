/**
 * Distributed mode, bad input: undecodable bytes and an impossible report on service-metrics go
 * to dead-letters (inside the scorer's transactions, so read_committed sees each once) with
 * their error code, and the windows around them are published as if they were not there.
 */
import { expect, it } from 'vitest';
import type { DeadLetter } from '@slb/core';
import { collector } from '../bus/collect.js';
import { uniqueName } from '../support/kafka.js';
import { metricsRecord, PAST_WINDOW_START_MS as T0, scorerFixture, WINDOW_SIZE_MS as SIZE, type ProxyProfile } from './support.js';

const PROXIES: ProxyProfile[] = [
  { proxyId: 'proxy-a', requests: 60, errors5xx: 0, latencyMs: 10 },
  { proxyId: 'proxy-b', requests: 40, errors5xx: 0, latencyMs: 20 },
];

const fx = scorerFixture('scorer-dlq');

it('dead-letters undecodable and invalid reports once and keeps scoring', async () => {
  const { ns } = fx;
  await fx.publish(0, ['checkout'], ['i-1'], PROXIES);
  const impossible = metricsRecord({ proxyId: 'proxy-c', requests: 1, errors5xx: 0, latencyMs: 1 }, 'checkout', 'i-1', T0 + SIZE, SIZE);
  await fx.producer.send({
    topic: `${ns.prefix}service-metrics`,
    messages: [
      { key: 'checkout', value: Buffer.from('not avro at all') },
      // Decodes, but claims more errors than requests.
      { key: 'checkout', value: await ns.codec.encode('service-metrics', { ...impossible, errors: { ...impossible.errors, status5xx: 3 } }) },
    ],
  });
  for (const w of [1, 2, 3]) await fx.publish(w, ['checkout'], ['i-1'], PROXIES);

  const deadLetters = collector<DeadLetter>('dead-letters');
  const reader = fx.kafka.consumer({ groupId: uniqueName('dlq-reader'), readUncommitted: false, maxWaitTimeInMs: 100 });
  await reader.connect();
  fx.defer(() => reader.disconnect());
  await reader.subscribe({ topics: [`${ns.prefix}dead-letters`], fromBeginning: true });
  await reader.run({ eachMessage: async ({ message }) => deadLetters.push(await ns.codec.decode('dead-letters', message.value!)) });
  const outputs = await fx.readOutputs();
  await fx.startScorer();

  // Windows 0..2 close by event time (window 3 waits for later data).
  await outputs.aggregated.until(3);
  await deadLetters.until(2);
  expect(outputs.aggregated.items.map((a) => [a.windowStartMs - T0, a.requests, a.proxiesReporting])).toEqual([
    [0, 100, 2],
    [1_000, 100, 2],
    [2_000, 100, 2],
  ]);
  expect(deadLetters.items.map((d) => [d.originalTopic, d.errorCode])).toEqual([
    ['service-metrics', 'SLB_EVENT_UNDECODABLE'],
    ['service-metrics', 'SLB_EVENT_INVALID'],
  ]);
  expect(deadLetters.items[0]!.value.toString()).toBe('not avro at all');
});
