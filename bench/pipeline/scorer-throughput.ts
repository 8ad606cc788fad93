/**
 * Metric events per second through ONE health-scorer process (distributed mode, Kafka
 * transactions on). N service-metrics events (many services x instances x proxies, each with a
 * latency sketch) are produced first into a fresh topic namespace; then one scorer process
 * (services/health-scorer/dist/main.js: run `npx tsc -b` first) starts from offset 0 and the
 * clock runs from its group join until every event was consumed and every window that the
 * backlog closes was published (committed). Progress is read from the scorer's /metrics.
 *
 *   npx tsx bench/pipeline/scorer-throughput.ts [events=200000] [services=500] [instances=10] [proxies=4]
 *
 * KAFKA_BROKERS / SCHEMA_REGISTRY_URL default to the development broker and registry. Prints
 * events/s (wall clock) and events per CPU-second of the scorer process (on a shared machine the
 * wall clock also counts time spent waiting for a core), and the load average before and after.
 * SCORER_PROFILE_DIR=<dir> makes the scorer process write a CPU profile (--cpu-prof) there.
 *
 * A baseline in the same run: SCORER_BASELINE=<another build's services/health-scorer/dist/main.js>
 * (e.g. a `git worktree` of HEAD) scores the same pre-produced events with both builds, alternating
 * (baseline first), SCORER_ROUNDS times each (default 3 with a baseline, else 1), each round in a
 * fresh consumer group from offset 0; it prints every round and the medians.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import { createRegistryCodec, ensureTopics, readBusEnv, type ServiceMetrics } from '../../services/core/src/index.js';
import { LatencySketch } from '../../services/health-scorer/src/index.js';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const EVENTS = Number(process.argv[2] ?? 200_000);
const SERVICES = Number(process.argv[3] ?? 500);
const INSTANCES = Number(process.argv[4] ?? 10);
const PROXIES = Number(process.argv[5] ?? 4);
const WINDOW_MS = 5_000;

const env = readBusEnv({
  ...process.env,
  KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:19092',
  SCHEMA_REGISTRY_URL: process.env['SCHEMA_REGISTRY_URL'] ?? 'http://127.0.0.1:18081/apis/ccompat/v7',
});
const prefix = `bench-scorer-${randomBytes(4).toString('hex')}.`;
const kafka = new kafkajs.Kafka({ brokers: [...env.kafka.brokers], clientId: 'bench-scorer', logLevel: kafkajs.logLevel.NOTHING });
const codec = createRegistryCodec({ registryUrl: env.registry.url, subjectPrefix: prefix });

const admin = kafka.admin();
await admin.connect();
await ensureTopics(admin, { prefix });

// A few distinct sketches (a proxy's latency distribution), reused across records.
const sketches = Array.from({ length: 8 }, (_, k) => {
  const s = new LatencySketch();
  for (let i = 0; i < 200; i += 1) s.accept(5 + k * 3 + (i % 40));
  return Buffer.from(s.toBytes());
});
const perWindow = SERVICES * INSTANCES * PROXIES;
const windows = Math.max(2, Math.ceil(EVENTS / perWindow));
const t0 = Math.floor((Date.now() - windows * WINDOW_MS - 60_000) / WINDOW_MS) * WINDOW_MS;

function record(n: number): ServiceMetrics {
  const w = Math.floor(n / perWindow);
  const r = n % perWindow;
  const service = Math.floor(r / (INSTANCES * PROXIES));
  const instance = Math.floor(r / PROXIES) % INSTANCES;
  const proxy = r % PROXIES;
  const start = t0 + w * WINDOW_MS;
  return {
    timestamp: start + WINDOW_MS,
    serviceId: `service-${service}`,
    instanceId: `instance-${instance}`,
    proxyId: `proxy-${proxy}`,
    windowStartMs: start,
    windowEndMs: start + WINDOW_MS,
    metrics: { rps: 40, p95Latency: 30, errorRate: 0.01, activeConnections: 3, cpuUsage: null, memoryUsage: null },
    requests: 200,
    errors: { status5xx: 2, status4xx: 1, connectFailures: 0, timeouts: 0, resets: 0 },
    inFlight: 3,
    latencySketch: sketches[(service + instance + proxy) % sketches.length]!,
    tags: {},
  };
}

const producer = kafka.producer({ allowAutoTopicCreation: false });
await producer.connect();
const produceStart = performance.now();
const BATCH = 5_000;
for (let n = 0; n < EVENTS; n += BATCH) {
  const messages = [];
  for (let i = n; i < Math.min(EVENTS, n + BATCH); i += 1) {
    const value = record(i);
    messages.push({ key: value.serviceId, value: await codec.encode('service-metrics', value) });
  }
  await producer.send({ topic: `${prefix}service-metrics`, acks: 1, messages });
}
await producer.disconnect();
const produceS = (performance.now() - produceStart) / 1000;
console.log(`produced ${EVENTS} events (${SERVICES} services x ${INSTANCES} instances x ${PROXIES} proxies, ${windows} windows) in ${produceS.toFixed(1)} s`);

const loadBefore = loadavg();
console.log(`load average before: ${loadBefore.map((x) => x.toFixed(2)).join(' ')} (above ~1 on this 2-core machine is not a measurement)`);

interface Round {
  readonly seconds: number;
  readonly cpu: number;
  readonly consumed: number;
  readonly emitted: number;
  readonly transactions: number;
}

// Every window but the last closes by event time; each has SERVICES x INSTANCES instance windows.
const closable = (windows - 1) * SERVICES * INSTANCES;

/**
 * The scorer runs as the service does: its own process (a built dist/main.js, so run `npx tsc -b`
 * first), configured by the environment. Its group starts at offset 0, set the way an operator
 * resets a group; progress is read from its /metrics.
 */
async function runScorer(main: string, groupId: string): Promise<Round> {
  for (const topic of ['service-metrics', 'health-status']) {
    const partitions = (await admin.fetchTopicOffsets(prefix + topic)).map((o) => ({ partition: o.partition, offset: '0' }));
    await admin.setOffsets({ groupId, topic: prefix + topic, partitions });
  }
  const port = await freePort();
  const child = spawn(process.execPath, [...(process.env['SCORER_PROFILE_DIR'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['SCORER_PROFILE_DIR']}`] : []), main], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      KAFKA_BROKERS: env.kafka.brokers.join(','),
      SCHEMA_REGISTRY_URL: env.registry.url,
      SLB_TOPIC_PREFIX: prefix,
      SLB_SCORER_GROUP: groupId,
      SLB_SCORER_MEMBER: 'bench',
      SLB_WINDOW_MS: String(WINDOW_MS),
      SLB_METRICS_HOST: '127.0.0.1',
      SLB_METRICS_PORT: String(port),
      LOG_LEVEL: 'warn',
    },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  /** Sum of a metric's samples on the scorer's /metrics (0 while it is not up yet). */
  async function metric(name: string): Promise<number> {
    try {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      let sum = 0;
      for (const line of text.split('\n')) if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
      return sum;
    } catch {
      return 0;
    }
  }
  /** CPU seconds (user + system) the scorer process has used so far, from /proc. */
  function cpuSeconds(): number {
    const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  }

  try {
    // The clock starts when the scorer owns its partitions (process start and group join excluded).
    while ((await metric('slb_scorer_partitions_owned')) < 6) await new Promise((r) => setTimeout(r, 20));
    const start = performance.now();
    const cpuStart = cpuSeconds();
    let consumed = 0;
    let emitted = 0;
    while (consumed < EVENTS || emitted < closable) {
      await new Promise((r) => setTimeout(r, 50));
      consumed = await metric('slb_scorer_reports_consumed_total');
      emitted = await metric('slb_scorer_windows_emitted_total');
      if (performance.now() - start > 600_000) throw new Error(`timed out: ${consumed} of ${EVENTS} consumed, ${emitted} of ${closable} windows`);
    }
    const seconds = (performance.now() - start) / 1000;
    const cpu = cpuSeconds() - cpuStart;
    const transactions = await metric('slb_scorer_transactions_total');
    return { seconds, cpu, consumed, emitted, transactions };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const current = fileURLToPath(new URL('../../services/health-scorer/dist/main.js', import.meta.url));
const baseline = process.env['SCORER_BASELINE'];
const rounds = Number(process.env['SCORER_ROUNDS'] ?? (baseline === undefined ? 1 : 3));
const builds: readonly (readonly [string, string])[] = baseline === undefined ? [['current', current]] : [['baseline', baseline], ['current', current]];
const results = new Map<string, Round[]>(builds.map(([label]) => [label, []]));
const rate = (r: Round): string => `${Math.round(EVENTS / r.seconds).toLocaleString('en-US')} events/s, ${Math.round(EVENTS / r.cpu).toLocaleString('en-US')} per CPU-second`;
for (let round = 1; round <= rounds; round += 1) {
  // ABBA order (baseline first in odd rounds, second in even ones), so an advantage of running
  // first or second (a warm broker cache, the load of the moment) falls on both builds alike.
  for (const [label, main] of round % 2 === 1 ? builds : [...builds].reverse()) {
    const r = await runScorer(main, `${prefix}scorer-${label}-${round}`);
    results.get(label)!.push(r);
    console.log(
      `${label} round ${round}: scored ${r.consumed} events into ${r.emitted} instance windows in ${r.seconds.toFixed(2)} s (cpu ${r.cpu.toFixed(2)} s), ` +
        `${r.transactions} transactions: ${rate(r)} (load ${loadavg()[0]!.toFixed(2)})`,
    );
  }
}
await admin.deleteTopics({ topics: ['service-metrics', 'health-status', 'metrics-aggregated', 'health-scores', 'routing-decisions', 'config-updates', 'config-status', 'alerts', 'audit-logs', 'dead-letters'].map((t) => prefix + t) }).catch(() => undefined);
await admin.disconnect();

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const medians = new Map([...results].map(([label, rs]) => [label, { wall: EVENTS / median(rs.map((r) => r.seconds)), cpu: EVENTS / median(rs.map((r) => r.cpu)) }]));
for (const [label, m] of medians) {
  // On a shared machine wall time includes waiting for a core; CPU time is what the scorer used.
  console.log(`${label}: throughput ${Math.round(m.wall).toLocaleString('en-US')} metric events/s through one scorer process, ${Math.round(m.cpu).toLocaleString('en-US')} metric events per CPU-second (median of ${rounds})`);
}
const b = medians.get('baseline');
const c = medians.get('current')!;
if (b !== undefined) console.log(`current / baseline: ${(c.wall / b.wall).toFixed(3)} wall, ${(c.cpu / b.cpu).toFixed(3)} per CPU-second`);
console.log(`load average after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
