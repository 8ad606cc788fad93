/**
 * The global control loop's latency: from a scoring window closing to the routing decision it
 * caused being applied on EVERY proxy. Three proxies (this process, each with its own Kafka
 * bus) in front of three real upstream instances with paced traffic; one health-scorer and one
 * controller, each in its own process (this file again, with a role argument), as deployed.
 * Instance i3 alternates between failing (503) and healthy; each decision that ejects or
 * returns it is one sample.
 *
 *   npx tsx bench/pipeline/loop-latency.ts [iterations=20] [proxies=3]
 *
 * KAFKA_BROKERS / SCHEMA_REGISTRY_URL default to the development broker and registry
 * (127.0.0.1:19092, http://127.0.0.1:18081/apis/ccompat/v7). Run `npx tsc -b` first (the
 * roles load @slb/core from its dist/).
 *
 * Every timestamp is read from the topics, so nothing is instrumented inside the roles:
 *   window end      = evidence.scores[i3].windowEndMs of the decision (the window that caused it)
 *   score published = the Kafka timestamp of that window's health-scores record for i3
 *   decision        = the Kafka timestamp of the routing-decisions record
 *   applied on P    = updatedAtMs of proxy P's first config-status record whose
 *                     decisionVersions[service] reached the decision's version (the proxy
 *                     writes one on every apply, stamped at the moment of applying)
 * All processes share one machine and one clock.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { loadavg } from 'node:os';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { request } from 'undici';
import { checkConfigUpdate, createKafkaBus, createRegistryCodec, ensureTopics, readBusEnv, type KafkaBus, type RoutingDecision } from '@slb/core';
import { createProxy, type Proxy, type ProxyAddresses } from '../../services/proxy/src/index.js';
import { createHealthScorer } from '../../services/health-scorer/src/index.js';
import { createController } from '../../services/controller/src/index.js';

const PROXY_WINDOW_MS = 100;
const SCORER_WINDOW = { sizeMs: 500, allowedLatenessMs: 100, idleTimeoutMs: 1_000 };
const POLICY = { ejectAfterWindows: 1, returnAfterWindows: 1, minEjectionMs: 0, maxEjectionMs: 1_000, resetEjectionsAfterMs: 0, refreshAfterMs: 20_000, decisionTtlMs: 60_000, maxEjectionPercent: 50 };
const BATCH_MS = 50;

interface Shared {
  readonly brokers: string[];
  readonly registryUrl: string;
  readonly prefix: string;
}

const quiet = pino({ level: 'silent' });
const kafkaOf = (s: Shared, clientId: string) => new kafkajs.Kafka({ brokers: s.brokers, clientId, logLevel: kafkajs.logLevel.NOTHING });
const busOf = (s: Shared, clientId: string): KafkaBus =>
  createKafkaBus({
    connection: { brokers: s.brokers },
    codec: createRegistryCodec({ registryUrl: s.registryUrl, subjectPrefix: s.prefix }),
    clientId,
    topicPrefix: s.prefix,
    groupIdPrefix: s.prefix,
    registry: new Registry(),
    telemetry: { lingerMs: 5 },
  });

// ---- child roles ----------------------------------------------------------------------------

async function runRole(role: string, shared: Shared): Promise<void> {
  if (role === 'scorer') {
    const scorer = createHealthScorer({
      transport: { kind: 'kafka', kafka: kafkaOf(shared, 'bench-scorer'), codec: createRegistryCodec({ registryUrl: shared.registryUrl, subjectPrefix: shared.prefix }), topicPrefix: shared.prefix },
      groupId: `${shared.prefix}scorer`,
      memberName: 'bench-scorer',
      window: SCORER_WINDOW,
      fromBeginning: true,
    });
    await scorer.start();
  } else {
    const controller = createController({ bus: busOf(shared, 'bench-controller'), member: 'bench-controller', groupId: 'controller', fromBeginning: true, policy: POLICY, batchMs: BATCH_MS, tickMs: 250, logger: quiet });
    await controller.start();
  }
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => process.exit(0));
}

function spawnRole(role: string, shared: Shared): { child: ChildProcess; ready: Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--role', role, JSON.stringify(shared)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => {
      if (b.toString().includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
  });
  return { child, ready };
}

// ---- the bench --------------------------------------------------------------------------------

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

async function upstream(id: string, failing: () => boolean): Promise<{ server: Server; address: string }> {
  const server = createServer((req, res) => {
    req.resume();
    res.statusCode = failing() ? 503 : 200;
    res.end(id);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, address: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function main(): Promise<void> {
  const iterations = Number(process.argv[2] ?? 20);
  const proxyCount = Number(process.argv[3] ?? 3);
  const env = readBusEnv({
    ...process.env,
    KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:19092',
    SCHEMA_REGISTRY_URL: process.env['SCHEMA_REGISTRY_URL'] ?? 'http://127.0.0.1:18081/apis/ccompat/v7',
  });
  const shared: Shared = { brokers: [...env.kafka.brokers], registryUrl: env.registry.url, prefix: `bench-loop-${randomBytes(4).toString('hex')}.` };
  const admin = kafkaOf(shared, 'bench-admin').admin();
  await admin.connect();
  await ensureTopics(admin, { prefix: shared.prefix });
  await admin.disconnect();
  const load0 = loadavg();

  let bad = false;
  const ups = await Promise.all(['i1', 'i2', 'i3'].map((id) => upstream(id, () => id === 'i3' && bad)));
  const serviceId = 'shop';
  const checked = checkConfigUpdate({
    serviceId,
    version: 1,
    routes: [{ pathPrefix: '/shop' }],
    instances: ups.map((u, i) => ({ id: `i${i + 1}`, address: u.address })),
    policy: { type: 'ROUND_ROBIN' },
    slowStartMs: 0,
    // Local outlier detection off: only the controller's decisions move i3.
    outlierDetection: { consecutive5xx: 1_000_000, consecutiveGatewayFailures: 1_000_000, maxEjectionPercent: 0, successRateMinimumHosts: 1_000_000, enforcingSuccessRatePercent: 0 },
  });
  if (!checked.ok) throw checked.error;
  const publisher = busOf(shared, 'bench-publisher');
  await publisher.publish('config-updates', serviceId, checked.value);

  // Timestamps, read from the topics.
  const scoreTs = new Map<number, number>(); // i3 windowEndMs -> health-scores record timestamp
  const decisions: Array<{ value: RoutingDecision; ts: number }> = [];
  const applied = new Map<string, Array<{ version: number; atMs: number }>>();
  const watcher = busOf(shared, 'bench-watch');
  await watcher.subscribe(['health-scores'], { groupId: 'watch-scores', fromBeginning: true }, (m) => {
    if (m.value.instanceId === 'i3') scoreTs.set(m.value.windowEndMs, m.timestamp);
  });
  await watcher.subscribe(['routing-decisions'], { groupId: 'watch-decisions', fromBeginning: true }, (m) => void decisions.push({ value: m.value, ts: m.timestamp }));
  await watcher.subscribe(['config-status'], { groupId: 'watch-status', fromBeginning: true }, (m) => {
    const v = m.value.decisionVersions[serviceId];
    if (v === undefined) return;
    const list = applied.get(m.value.proxyId) ?? [];
    list.push({ version: v, atMs: m.value.updatedAtMs });
    applied.set(m.value.proxyId, list);
  });

  const proxies: Array<{ proxy: Proxy; addr: ProxyAddresses; bus: KafkaBus }> = [];
  for (let i = 0; i < proxyCount; i += 1) {
    const bus = busOf(shared, `bench-proxy-${i}`);
    const proxy = createProxy({ proxyId: `proxy-${i}`, host: '127.0.0.1', port: 0, adminPort: 0, telemetryWindowMs: PROXY_WINDOW_MS, accessLog: false, logger: quiet, bus });
    proxies.push({ proxy, addr: await proxy.listen(), bus });
  }
  const roles = [spawnRole('scorer', shared), spawnRole('controller', shared)];
  await Promise.all(roles.map((r) => r.ready));

  // Paced traffic through every proxy: 2 loops each, 10 ms apart.
  let running = true;
  const loops = proxies.flatMap((p) =>
    [0, 1].map(async () => {
      while (running) {
        try {
          const r = await request(`${p.addr.url}/shop/x`, { headersTimeout: 5_000, bodyTimeout: 5_000 });
          await r.body.dump();
        } catch {
          // counted by the proxies; the bench measures the control loop
        }
        await delay(10);
      }
    }),
  );

  const i3 = (d: RoutingDecision) => d.instances.find((x) => x.instanceId === 'i3');
  const allApplied = (version: number) => proxies.every((p) => (applied.get(p.proxy.proxyId) ?? []).some((a) => a.version >= version));
  const waitFor = async (pred: () => boolean, label: string, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
      await delay(5);
    }
  };
  const transition = async (ejected: boolean, since: number): Promise<RoutingDecision> => {
    let found: RoutingDecision | undefined;
    await waitFor(() => {
      found = decisions.map((d) => d.value).find((d) => d.version > since && (i3(d)?.state === 'EJECTED') === ejected);
      return found !== undefined;
    }, ejected ? 'an ejection' : 'a return');
    await waitFor(() => allApplied(found!.version), `decision ${found!.version} on every proxy`);
    return found!;
  };

  // Warm-up: the first decision with i3 in rotation, applied everywhere.
  let last = await transition(false, 0);
  const samples: Array<{ kind: string; total: number; toScore: number; toDecision: number; toApplied: number; spread: number }> = [];
  for (let n = 0; n < iterations; n += 1) {
    for (const eject of [true, false]) {
      bad = eject;
      const d = await transition(eject, last.version);
      last = d;
      if (n === 0 && eject) continue; // the first ejection also pays for cold caches
      const windowEnd = i3(d) === undefined ? undefined : d.evidence.scores.find((s) => s.instanceId === 'i3')?.windowEndMs;
      const published = decisions.find((x) => x.value.version === d.version)!.ts;
      if (windowEnd === undefined || !scoreTs.has(windowEnd)) await waitFor(() => windowEnd !== undefined && scoreTs.has(windowEnd), 'the score record', 5_000).catch(() => undefined);
      const scoredAt = windowEnd === undefined ? undefined : scoreTs.get(windowEnd);
      if (windowEnd === undefined || scoredAt === undefined) {
        console.warn(`decision ${d.version}: no i3 score in its evidence; skipped`);
        continue;
      }
      const appliedAt = proxies.map((p) => applied.get(p.proxy.proxyId)!.find((a) => a.version >= d.version)!.atMs);
      const all = Math.max(...appliedAt);
      samples.push({ kind: eject ? 'eject' : 'return', total: all - windowEnd, toScore: scoredAt - windowEnd, toDecision: published - scoredAt, toApplied: all - published, spread: all - Math.min(...appliedAt) });
    }
  }
  running = false;
  await Promise.all(loops);
  const load1 = loadavg();

  const row = (label: string, values: number[]) => {
    const s = [...values].sort((a, b) => a - b);
    return `${label.padEnd(44)} p50 ${String(quantile(s, 0.5)).padStart(5)} ms   p99 ${String(quantile(s, 0.99)).padStart(5)} ms   max ${String(s.at(-1)).padStart(5)} ms`;
  };
  console.log(`loop latency, ${samples.length} decisions (${samples.filter((s) => s.kind === 'eject').length} ejections, ${samples.filter((s) => s.kind === 'return').length} returns), ${proxyCount} proxies`);
  console.log(`proxy window ${PROXY_WINDOW_MS} ms, scorer window ${SCORER_WINDOW.sizeMs} ms (lateness ${SCORER_WINDOW.allowedLatenessMs} ms), controller batch ${BATCH_MS} ms`);
  console.log(row('window end -> applied on every proxy', samples.map((s) => s.total)));
  console.log(row('  window end -> score published', samples.map((s) => s.toScore)));
  console.log(row('  score -> decision published', samples.map((s) => s.toDecision)));
  console.log(row('  decision -> applied on every proxy', samples.map((s) => s.toApplied)));
  console.log(row('  (first -> last proxy applied)', samples.map((s) => s.spread)));
  console.log(`load average: start ${load0.map((x) => x.toFixed(2)).join(' ')}, end ${load1.map((x) => x.toFixed(2)).join(' ')} (${(await import('node:os')).cpus().length} cores)`);

  for (const r of roles) r.child.kill('SIGTERM');
  await Promise.allSettled(proxies.map((p) => p.proxy.close()));
  await Promise.allSettled([...proxies.map((p) => p.bus.close()), watcher.close(), publisher.close()]);
  for (const u of ups) u.server.close();
  process.exit(0);
}

if (process.argv[2] === '--role') await runRole(process.argv[3]!, JSON.parse(process.argv[4]!) as Shared);
else await main();
