/**
 * Throughput of this proxy against nginx and haproxy, all in one run on loopback, with wrk.
 *
 *   npx tsx bench/proxy/run.ts [--duration 10] [--warmup 3] [--connections 64] [--threads 2]
 *     [--rounds 1] [--peers nginx,haproxy,slb,slb-no-telemetry,slb-bus]
 *     [--proxy-cpus 0] [--load-cpus 1]
 *
 * Placement (2 cores): the proxy under test alone on --proxy-cpus; wrk, the upstream process
 * and this orchestrator on --load-cpus. Identical for every peer. Each peer: start, warm-up wrk
 * run, measured wrk run while its RSS is sampled, stop. Prints a Markdown table with ratios to
 * nginx and writes JSON to bench/results/ (gitignored).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus as cpuInfo, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_PROXY_MAIN, PEER_DESCRIPTIONS, PEER_KINDS, PeerNotRunnable, notRunnableReason, startPeer, type PeerKind } from './peers.js';
import { freePorts, killChildrenOnSignal, pinSelf, RssSampler, versionOf } from './processes.js';
import { fmt, markdownTable, median, writeResults } from './report.js';
import { startUpstreams } from './upstreams.js';
import { COMMON_OPTIONS, commonSettings } from './common-options.js';
import { runWrk, type WrkResult } from './wrk.js';

const { values: opt } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '64' },
    threads: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '1' },
    peers: { type: 'string', default: 'nginx,haproxy,slb,slb-no-telemetry,slb-bus' },
    ...COMMON_OPTIONS,
  },
  strict: true,
});

const durationSec = Number(opt.duration);
const warmupSec = Number(opt.warmup);
const connections = Number(opt.connections);
const threads = Number(opt.threads);
const rounds = Number(opt.rounds);
const { proxyCpus, loadCpus, proxyMain, kafka } = commonSettings(opt);
let kafkaWritten: Record<string, number> | undefined;
const peers = opt.peers.split(',').map((p) => p.trim()) as PeerKind[];
for (const p of peers) if (!PEER_KINDS.includes(p)) throw new Error(`unknown peer ${p}; known: ${PEER_KINDS.join(', ')}`);

interface Measured {
  readonly round: number;
  readonly wrk: WrkResult;
  readonly command: string;
  readonly rss: { maxRssMb: number; hwmMb: number } | null;
  /** Upstream TCP connections opened during the measured run (keep-alive evidence). */
  readonly upstreamConnections: number;
  /** 1-minute load average when the measured run started: is this a measurement? */
  readonly loadavg1: number;
}

killChildrenOnSignal();
await pinSelf(loadCpus);
const dir = mkdtempSync(join(tmpdir(), 'slb-bench-proxy-'));
const [up1, up2, ...peerPorts] = await freePorts(2 + peers.length * 2);
const backends = [
  { id: 'u1', port: up1! },
  { id: 'u2', port: up2! },
];
const startedAt = new Date().toISOString();
const loadBefore = loadavg();
const upstreams = await startUpstreams(loadCpus, backends, true);
const results = new Map<string, Measured[]>();
const notRunnable = new Map<string, string>();

const measure = async (name: string, url: string, pid: number | undefined, round: number) => {
  const base = { url, threads, connections, cpus: loadCpus };
  if (warmupSec > 0) await runWrk({ ...base, durationSec: warmupSec });
  const sampler = pid === undefined ? undefined : new RssSampler(pid);
  const connsBefore = await upstreams.connectionsAccepted();
  const loadavg1 = loadavg()[0] ?? 0;
  const { result, command } = await runWrk({ ...base, durationSec });
  // Minus our own two queries (one per instance) made after the run.
  const upstreamConnections = (await upstreams.connectionsAccepted()) - connsBefore - backends.length;
  const rss = sampler?.stop() ?? null;
  const list = results.get(name) ?? [];
  list.push({ round, wrk: result, command, rss, upstreamConnections, loadavg1 });
  results.set(name, list);
  process.stderr.write(`  ${name}: ${result.requestsPerSec.toFixed(0)} req/s, p50 ${fmt(result.p50Ms)} ms, p99 ${fmt(result.p99Ms)} ms, errors ${result.errors} (load average ${loadavg1.toFixed(1)})\n`);
};

try {
  for (let r = 1; r <= rounds; r++) {
    process.stderr.write(`round ${r}/${rounds}\n`);
    // Reference: wrk against one upstream, no proxy: the ceiling of the load CPU (wrk + upstreams).
    await measure('direct (no proxy, 1 upstream)', `http://127.0.0.1:${up1}/`, undefined, r);
    for (const [i, kind] of peers.entries()) {
      if (notRunnable.has(kind)) continue;
      let peer;
      try {
        peer = await startPeer({
          kind,
          cpus: proxyCpus,
          proxyMain,
          extraEnv: await kafka.envFor(kind),
          adminPort: peerPorts[i * 2 + 1]!,
          layout: { listenPort: peerPorts[i * 2]!, backends, dir: join(dir, kind) },
        });
      } catch (err) {
        if (!(err instanceof PeerNotRunnable)) throw err;
        notRunnable.set(kind, notRunnableReason(err));
        process.stderr.write(`  ${kind}: not runnable (${notRunnable.get(kind)})\n`);
        continue;
      }
      try {
        await measure(kind, peer.url, peer.pid, r);
      } finally {
        await peer.stop();
      }
    }
  }
} finally {
  await upstreams.close();
  kafkaWritten = await kafka.close();
  if (kafkaWritten !== undefined) process.stderr.write(`slb-kafka wrote to Kafka: ${JSON.stringify(kafkaWritten)}\n`);
  rmSync(dir, { recursive: true, force: true });
}

interface Summary {
  readonly peer: string;
  readonly requestsPerSec: number | null;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly errors: number;
  readonly maxRssMb: number | null;
  readonly hwmMb: number | null;
  readonly upstreamConnections: number;
}

const summaries: Summary[] = [...results.entries()].map(([peer, runs]) => ({
  peer,
  requestsPerSec: median(runs.map((m) => m.wrk.requestsPerSec)),
  p50Ms: median(runs.flatMap((m) => (m.wrk.p50Ms === null ? [] : [m.wrk.p50Ms]))),
  p99Ms: median(runs.flatMap((m) => (m.wrk.p99Ms === null ? [] : [m.wrk.p99Ms]))),
  errors: runs.reduce((a, m) => a + m.wrk.errors, 0),
  maxRssMb: runs.some((m) => m.rss !== null) ? Math.max(...runs.map((m) => m.rss?.maxRssMb ?? 0)) : null,
  hwmMb: runs.some((m) => m.rss !== null) ? Math.max(...runs.map((m) => m.rss?.hwmMb ?? 0)) : null,
  upstreamConnections: Math.max(...runs.map((m) => m.upstreamConnections)),
}));
const ratio = (v: number | null, ref: number | null | undefined) => (v === null || ref === null || ref === undefined || ref === 0 ? null : v / ref);
/**
 * Ratio to nginx: the median of the per-round ratios (each against nginx in the same round),
 * which drifting background load disturbs less than a ratio of medians.
 */
const ratioToNginx = (peer: string, pick: (w: WrkResult) => number | null): number | null => {
  const ref = new Map((results.get('nginx') ?? []).map((m) => [m.round, pick(m.wrk)]));
  const per = (results.get(peer) ?? []).flatMap((m) => {
    const r = ratio(pick(m.wrk), ref.get(m.round));
    return r === null ? [] : [r];
  });
  return median(per);
};

const rows = summaries.map((s) => [
  s.peer,
  fmt(s.requestsPerSec, 0),
  fmt(ratioToNginx(s.peer, (w) => w.requestsPerSec)),
  fmt(s.p50Ms),
  fmt(s.p99Ms),
  fmt(ratioToNginx(s.peer, (w) => w.p99Ms)),
  s.errors,
  fmt(s.maxRssMb, 1),
  s.upstreamConnections,
]);
for (const kind of notRunnable.keys()) rows.push([kind, 'not runnable (below)', '', '', '', '', '', '', '']);
const loadAfter = loadavg();
const table = markdownTable(['peer', 'req/s', '× nginx', 'p50 ms', 'p99 ms', 'p99 × nginx', 'errors', 'RSS MB (max)', 'upstream conns opened'], rows);
const cmd = `npx tsx bench/proxy/run.ts --duration ${durationSec} --warmup ${warmupSec} --connections ${connections} --threads ${threads} --rounds ${rounds} --peers ${peers.join(',')} --proxy-cpus ${proxyCpus} --load-cpus ${loadCpus}${proxyMain === DEFAULT_PROXY_MAIN ? '' : ` --proxy-main ${proxyMain}`}`;
const direct = summaries.find((s) => s.peer.startsWith('direct'));
// A peer close to the direct row may be held back by the load CPU (wrk + upstreams), not itself.
const capped = summaries.filter((s) => s !== direct && direct?.requestsPerSec && s.requestsPerSec !== null && s.requestsPerSec > 0.85 * direct.requestsPerSec);
const notes = [
  ...[...notRunnable].map(([kind, reason]) => `- ${kind}: not runnable (${reason})`),
  ...capped.map((s) => `- ${s.peer}: within 15% of the direct row; the load CPU (wrk + upstreams) may be its limit`),
].join('\n');
process.stdout.write(
  `\n${cmd}\n${rounds > 1 ? `median of ${rounds} rounds (ratios: median of per-round ratios); ` : ''}load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}\n\n${table}\n${notes === '' ? '' : `\n${notes}\n`}`,
);

const file = writeResults('proxy', {
  benchmark: 'bench/proxy/run.ts',
  command: cmd,
  startedAt,
  finishedAt: new Date().toISOString(),
  machine: { cpus: cpuInfo().map((c) => c.model), loadavgBefore: loadBefore, loadavgAfter: loadAfter },
  versions: {
    node: process.version,
    nginx: await versionOf('nginx', ['-v']),
    haproxy: await versionOf('haproxy', ['-v']),
    wrk: await versionOf('wrk', ['-v']),
  },
  placement: { proxyCpus, loadCpus, note: 'proxy under test alone on proxyCpus; wrk, upstream process and orchestrator on loadCpus' },
  settings: { durationSec, warmupSec, connections, threads, rounds },
  peers: Object.fromEntries(peers.map((p) => [p, PEER_DESCRIPTIONS[p]])),
  summaries: summaries.map((s) => ({ ...s, rpsRatioToNginx: ratioToNginx(s.peer, (w) => w.requestsPerSec), p99RatioToNginx: ratioToNginx(s.peer, (w) => w.p99Ms) })),
  runs: Object.fromEntries(results),
  notRunnable: Object.fromEntries(notRunnable),
  kafkaRecordsWritten: kafkaWritten ?? null,
});
process.stdout.write(`\nresults: ${file}\n`);
