/**
 * Members come and go under live traffic, on the real broker and registry. Two proxies in front
 * of three services (one per partition, two real upstream instances each) with traffic through
 * both; one health-scorer member and one controller member run in this process. A second
 * scorer and a second controller join, each in a child process, and take a share of the
 * services; then both are killed with SIGKILL (no leave, possibly mid-transaction or
 * mid-publish) and the first members take everything back after the session timeouts.
 *
 * Read with isolation read_committed, every (service, instance, window) appears on
 * metrics-aggregated and on health-scores exactly once, with no window missing from the first
 * to the last; on routing-decisions every service's versions strictly increase (no duplicate,
 * none going back) across both handovers, and decisions continue after the kill.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { KafkaBus } from '@slb/core';
import type { Controller } from '@slb/controller';
import type { HealthScorer } from '@slb/health-scorer';
import { uniqueName } from '../support/kafka.js';
import type { KafkaNamespace } from '../bus/kafka-fixture.js';
import { eventually } from '../bus/collect.js';
import { watchTopic } from '../controller/support.js';
import { quietKafka, readOutputs, servicesOnEveryPartition, spawnMember, type ChildMember, type Outputs } from '../health-scorer/support.js';
import { E2E_POLICY, e2eNamespace, SCORER_WINDOW, serviceConfig, startController, startE2eProxy, startE2eUpstream, startScorer, startTraffic, type E2eProxy, type E2eUpstream, type Traffic } from './support.js';

const SERVICES = servicesOnEveryPartition(1);
const SIZE = SCORER_WINDOW.sizeMs;

let ns: KafkaNamespace;
let publisher: KafkaBus;
let outputs: Outputs | undefined;
const upstreams = new Map<string, E2eUpstream[]>();
let proxies: E2eProxy[] = [];
let scorer: HealthScorer | undefined;
let control: { controller: Controller; bus: KafkaBus } | undefined;
let scorerB: ChildMember | undefined;
let controllerB: { child: ChildProcess; started: Promise<void>; exited: Promise<unknown> } | undefined;
let traffic: Traffic | undefined;

/** A controller member in its own process (controller-member.ts); SIGKILL leaves no trace. */
function spawnController(options: Record<string, unknown>): NonNullable<typeof controllerB> {
  const script = fileURLToPath(new URL('./controller-member.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const started = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('"started":true')) resolve();
    });
    // It loads @slb/core from dist/: a stale build shows up here, not as a timeout.
    void exited.then((code) => reject(new Error(`controller-b exited (${String(code)}) before it started; is dist/ built (npx tsc -b)?`)));
  });
  started.catch(() => undefined); // awaited later; not an unhandled rejection meanwhile
  return { child, started, exited };
}

beforeAll(async () => {
  ns = await e2eNamespace('e2e-members');
  publisher = ns.bus();
  outputs = await readOutputs(quietKafka(ns.brokers, 'e2e-reader'), ns.codec, ns.prefix);
  for (const s of SERVICES) upstreams.set(s, await Promise.all(['a', 'b'].map((i) => startE2eUpstream(`${s}-${i}`))));
});

afterAll(async () => {
  scorerB?.kill();
  controllerB?.child.kill('SIGKILL');
  await traffic?.stop();
  await control?.controller.stop();
  await scorer?.stop();
  await outputs?.stop();
  await Promise.allSettled(proxies.map((p) => p.proxy.close()));
  await Promise.allSettled([...proxies.map((p) => p.bus.close()), control?.bus.close(), publisher?.close()]);
  await Promise.allSettled([...upstreams.values()].flat().map((u) => u.close()));
});

it('loses and duplicates no window and no decision while a second scorer and controller join and are killed', async () => {
  const decisions = await watchTopic(publisher, 'routing-decisions');
  for (const s of SERVICES) await publisher.publish('config-updates', s, serviceConfig(s, upstreams.get(s)!, { slowStartMs: 0 }));
  proxies = await Promise.all(['proxy-a', 'proxy-b'].map((id) => startE2eProxy(ns, id)));
  await eventually(() => proxies.every((p) => SERVICES.every((s) => p.proxy.controlPlane.status().appliedVersions[s] === 1)), 'both proxies applied every config', 30_000);

  const scorerGroup = uniqueName('scorer');
  const controllerGroup = uniqueName('controller');
  scorer = startScorer(ns, scorerGroup, 'scorer-a');
  control = startController(ns, controllerGroup, 'controller-a');
  await Promise.all([scorer.start(), control.controller.start()]);
  traffic = startTraffic(proxies, SERVICES.map((s) => `/${s}/x`), { concurrency: 2, pauseMs: 20 });

  const latestOf = (s: string) => decisions.items.filter((m) => m.key === s).at(-1)?.value;
  await eventually(() => SERVICES.every((s) => latestOf(s)?.issuedBy === 'controller-a'), 'controller-a decides for every service', 45_000);

  // The second members join and take a share.
  scorerB = spawnMember({ brokers: ns.brokers, registryUrl: ns.registryUrl, prefix: ns.prefix, groupId: scorerGroup, memberName: 'scorer-b', window: SCORER_WINDOW, sessionTimeoutMs: 6_000 });
  controllerB = spawnController({ brokers: ns.brokers, registryUrl: ns.registryUrl, prefix: ns.prefix, groupId: controllerGroup, member: 'controller-b', policy: E2E_POLICY });
  await scorerB.untilOwns((owned) => owned.length > 0, 45_000);
  await eventually(() => scorer!.owned().length < 3, 'scorer-a gives up a share', 20_000);
  await controllerB.started;
  await eventually(() => SERVICES.some((s) => latestOf(s)?.issuedBy === 'controller-b'), 'controller-b decides for some service', 45_000);
  const sharedSince = Date.now();
  await eventually(() => outputs!.aggregated.items.some((r) => r.windowStartMs >= sharedSince), 'windows published while shared', 15_000);

  // Both joiners die without leaving.
  const killedAt = Date.now();
  scorerB.kill();
  controllerB.child.kill('SIGKILL');
  await Promise.all([scorerB.exited, controllerB.exited]);
  const ownedByB = { scorer: scorerB.owned, controller: SERVICES.filter((s) => latestOf(s)?.issuedBy === 'controller-b') };
  await eventually(() => scorer!.owned().length === 3, 'scorer-a takes every partition back', 30_000, 100);
  const scorerBackMs = Date.now() - killedAt;
  await eventually(() => SERVICES.every((s) => latestOf(s)?.issuedBy === 'controller-a' && latestOf(s)!.issuedAtMs > killedAt), 'controller-a decides for every service again', 45_000);
  console.info(`killed scorer-b (partitions ${JSON.stringify(ownedByB.scorer)}) and controller-b (services ${ownedByB.controller.join(', ')}); scorer-a owned all again after ${scorerBackMs} ms, controller-a decided every service after ${Date.now() - killedAt} ms`);

  // Every window up to a cutoff after the takeover must be in, exactly once.
  const cutoff = Math.floor(Date.now() / SIZE) * SIZE - SIZE;
  const pairs = SERVICES.flatMap((s) => upstreams.get(s)!.map((u) => `${s}/${u.id}`));
  const newest = (items: readonly { serviceId: string; instanceId: string; windowStartMs: number }[], pair: string) =>
    Math.max(-1, ...items.filter((r) => `${r.serviceId}/${r.instanceId}` === pair).map((r) => r.windowStartMs));
  await eventually(() => pairs.every((p) => newest(outputs!.aggregated.items, p) >= cutoff && newest(outputs!.scores.items, p) >= cutoff), 'windows up to the cutoff on both topics', 20_000, 100);

  for (const [topic, items] of [['metrics-aggregated', outputs!.aggregated.items], ['health-scores', outputs!.scores.items]] as const) {
    const counts = new Map<string, number>();
    for (const r of items) {
      const k = `${r.serviceId}/${r.instanceId}@${r.windowStartMs}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    expect([...counts].filter(([, n]) => n > 1), `duplicated windows on ${topic}`).toEqual([]);
    for (const pair of pairs) {
      const starts = [...new Set(items.filter((r) => `${r.serviceId}/${r.instanceId}` === pair).map((r) => r.windowStartMs))].filter((w) => w <= cutoff).sort((a, b) => a - b);
      // From before the join to after the takeover ...
      expect(starts[0]!, `${topic} ${pair} first window`).toBeLessThan(sharedSince - SIZE);
      expect(starts.at(-1)!, `${topic} ${pair} last window`).toBe(cutoff);
      // ... with none missing in between.
      const gaps = starts.slice(1).flatMap((w, i) => (w - starts[i]! === SIZE ? [] : [`${starts[i]}..${w}`]));
      expect(gaps, `missing windows on ${topic} for ${pair}`).toEqual([]);
    }
  }
  // Traffic was real: most windows carry requests from both proxies.
  const busy = outputs!.aggregated.items.filter((r) => r.requests > 0 && r.proxiesReporting === 2).length;
  expect(busy).toBeGreaterThan(outputs!.aggregated.items.length / 2);

  // Per service, in topic order: versions strictly increase (no duplicate, none going back),
  // both controllers wrote some, and decisions continued after the kill.
  for (const s of SERVICES) {
    const mine = decisions.items.filter((m) => m.key === s).map((m) => m.value);
    const versions = mine.map((d) => d.version);
    for (let i = 1; i < versions.length; i += 1) expect(versions[i]!, `${s} decision ${i}`).toBeGreaterThan(versions[i - 1]!);
    expect(mine.some((d) => d.issuedAtMs > killedAt)).toBe(true);
  }
  expect(new Set(decisions.items.map((m) => m.value.issuedBy))).toEqual(new Set(['controller-a', 'controller-b']));
}, 120_000);
