/**
 * Failover side by side: three upstream instances (one process each), a fixed request rate,
 * one instance SIGKILLed mid-run and (by default) started again later. For this proxy and for
 * haproxy with active health checks (inter/fall/rise as below, `option redispatch` + `retries`):
 * client errors, latency around the kill, when the proxy marks the instance down, when the last
 * request still reached it, and when traffic returns to it after the restart.
 *
 *   npx tsx bench/proxy/failover.ts [--rate 500] [--duration 14] [--warmup 3] [--kill-at 4] [--restart-after 5]
 *     [--peers haproxy,haproxy-observe,slb] [--interval-ms 1000] [--fall 2] [--rise 2] [--retries 2]
 *     [--proxy-cpus 0] [--load-cpus 1]
 *
 * Both proxies get the same check (HTTP GET /health, interval, fall/unhealthy and rise/healthy
 * thresholds) and the same number of retries on another instance. This proxy also runs its
 * passive outlier detection (5 consecutive gateway failures), which is part of its design;
 * `haproxy-observe` adds haproxy's own passive check for comparison.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { DEFAULT_PROXY_MAIN, PEER_DESCRIPTIONS, PEER_KINDS, PeerNotRunnable, notRunnableReason, startPeer, type Peer, type PeerKind } from './peers.js';
import { haproxyProbe, slbProbe, type InstanceProbe, type Probe } from './peer-probes.js';
import { runPaced, quantile, type RequestRecord } from './paced-client.js';
import { freePorts, killChildrenOnSignal, pinSelf, versionOf } from './processes.js';
import { fmt, markdownTable, writeResults } from './report.js';
import { startUpstreams } from './upstreams.js';
import { COMMON_OPTIONS, commonSettings } from './common-options.js';

const { values: opt } = parseArgs({
  options: {
    rate: { type: 'string', default: '500' },
    duration: { type: 'string', default: '14' },
    warmup: { type: 'string', default: '3' },
    'kill-at': { type: 'string', default: '4' },
    'restart-after': { type: 'string', default: '5' },
    peers: { type: 'string', default: 'haproxy,haproxy-observe,slb' },
    'interval-ms': { type: 'string', default: '1000' },
    fall: { type: 'string', default: '2' },
    rise: { type: 'string', default: '2' },
    retries: { type: 'string', default: '2' },
    'timeout-ms': { type: 'string', default: '5000' },
    ...COMMON_OPTIONS,
  },
  strict: true,
});

const rate = Number(opt.rate);
const durationMs = Number(opt.duration) * 1_000;
const warmupMs = Number(opt.warmup) * 1_000;
const killAtMs = Number(opt['kill-at']) * 1_000;
const restartAfterMs = Number(opt['restart-after']) * 1_000;
const failover = { intervalMs: Number(opt['interval-ms']), fall: Number(opt.fall), rise: Number(opt.rise), retries: Number(opt.retries) };
const timeoutMs = Number(opt['timeout-ms']);
const { proxyCpus, loadCpus, proxyMain, kafka } = commonSettings(opt);
let kafkaWritten: Record<string, number> | undefined;
const peers = opt.peers.split(',').map((p) => p.trim()) as PeerKind[];
for (const p of peers) if (!PEER_KINDS.includes(p) || p === 'nginx' || p === 'node-bare') throw new Error(`unknown or unsupported failover peer ${p}`);
const VICTIM = 'u2';
/** How often each proxy is asked about the victim: the resolution of the two times measured. */
const PROBE_EVERY_MS = 100;

interface ProbeSample {
  readonly atMs: number;
  readonly probe: InstanceProbe;
}

interface FailoverResult {
  readonly peer: PeerKind;
  readonly sent: number;
  readonly ok: number;
  readonly clientErrors: number;
  readonly errorKinds: Record<string, number>;
  readonly firstErrorAfterKillMs: number | null;
  readonly lastErrorAfterKillMs: number | null;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  /** Requests sent in the 5 s after the kill. */
  readonly p99AfterKillMs: number | null;
  readonly maxAfterKillMs: number | null;
  readonly markedDownAfterMs: number | null;
  readonly lastFailedAttemptAfterMs: number | null;
  readonly failedAttemptsOnVictim: number;
  readonly servedBy: Record<string, number>;
  readonly backAfterRestartMs: number | null;
  readonly probeTrace: ReadonlyArray<{ atMs: number; detail: string }>;
  /** Per 500 ms of send time, relative to the kill: requests, errors, p50/p99/max latency. */
  readonly timeline: ReadonlyArray<{ fromMs: number; requests: number; errors: number; p50Ms: number | null; p99Ms: number | null; maxMs: number | null }>;
}

async function waitAllUp(probe: Probe, ids: readonly string[], timeout: number): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const states = await Promise.all(ids.map((id) => probe(id)));
    if (states.every((s) => !s.down)) return;
    if (Date.now() > deadline) throw new Error(`instances not all up: ${states.map((s) => s.detail).join('; ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function timeline(records: RequestRecord[], killMs: number, isError: (r: RequestRecord) => boolean): FailoverResult['timeline'] {
  const buckets = new Map<number, RequestRecord[]>();
  for (const r of records) {
    const b = Math.floor((r.sentMs - killMs) / 500) * 500;
    buckets.set(b, [...(buckets.get(b) ?? []), r]);
  }
  return [...buckets.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([fromMs, rs]) => {
      const l = rs.map((r) => r.doneMs - r.sentMs).sort((a, b) => a - b);
      return { fromMs, requests: rs.length, errors: rs.filter(isError).length, p50Ms: quantile(l, 0.5), p99Ms: quantile(l, 0.99), maxMs: l.at(-1) ?? null };
    });
}

function summarise(peer: PeerKind, records: RequestRecord[], killMs: number, restartMs: number | null, samples: ProbeSample[]): FailoverResult {
  const isError = (r: RequestRecord) => r.error !== undefined || r.status < 200 || r.status > 299;
  const errors = records.filter(isError);
  const errorKinds: Record<string, number> = {};
  for (const e of errors) {
    const k = e.error ?? `HTTP ${e.status}`;
    errorKinds[k] = (errorKinds[k] ?? 0) + 1;
  }
  const lat = (rs: RequestRecord[]) => rs.map((r) => r.doneMs - r.sentMs).sort((a, b) => a - b);
  const all = lat(records);
  const afterKill = lat(records.filter((r) => r.sentMs >= killMs && r.sentMs < killMs + 5_000));
  const errAfter = errors.filter((e) => e.doneMs >= killMs).map((e) => e.doneMs - killMs);
  const servedBy: Record<string, number> = {};
  for (const r of records) if (r.instance !== undefined) servedBy[r.instance] = (servedBy[r.instance] ?? 0) + 1;
  const after = samples.filter((s) => s.atMs >= killMs);
  const down = after.find((s) => s.probe.down);
  const baseline = samples.filter((s) => s.atMs < killMs).at(-1)?.probe.failedAttempts ?? 0;
  const finalCount = samples.at(-1)?.probe.failedAttempts ?? baseline;
  let lastMove: number | null = null;
  let prev = baseline;
  for (const s of after) {
    if (restartMs !== null && s.atMs > restartMs) break;
    if (s.probe.failedAttempts > prev) lastMove = s.atMs - killMs;
    prev = s.probe.failedAttempts;
  }
  const back = restartMs === null ? undefined : records.find((r) => r.sentMs >= restartMs && r.instance === VICTIM);
  let trace = samples.map((s) => ({ atMs: Math.round(s.atMs - killMs), detail: s.probe.detail }));
  trace = trace.filter((s, i) => i === 0 || s.detail !== trace[i - 1]!.detail);
  return {
    peer,
    sent: records.length,
    ok: records.length - errors.length,
    clientErrors: errors.length,
    errorKinds,
    firstErrorAfterKillMs: errAfter.length === 0 ? null : Math.min(...errAfter),
    lastErrorAfterKillMs: errAfter.length === 0 ? null : Math.max(...errAfter),
    p50Ms: quantile(all, 0.5),
    p99Ms: quantile(all, 0.99),
    p99AfterKillMs: quantile(afterKill, 0.99),
    maxAfterKillMs: afterKill.at(-1) ?? null,
    markedDownAfterMs: down === undefined ? null : down.atMs - killMs,
    lastFailedAttemptAfterMs: lastMove,
    failedAttemptsOnVictim: finalCount - baseline,
    servedBy,
    backAfterRestartMs: back === undefined || restartMs === null ? null : back.doneMs - restartMs,
    probeTrace: trace,
    timeline: timeline(records, killMs, isError),
  };
}

killChildrenOnSignal();
await pinSelf(loadCpus);
const dir = mkdtempSync(join(tmpdir(), 'slb-bench-failover-'));
const results: FailoverResult[] = [];
const notRunnable = new Map<string, string>();
const loadBefore = loadavg();
const startedAt = new Date().toISOString();

try {
  for (const kind of peers) {
    const [p1, p2, p3, listenPort, adminPort] = await freePorts(5);
    const backends = [
      { id: 'u1', port: p1! },
      { id: 'u2', port: p2! },
      { id: 'u3', port: p3! },
    ];
    const upstreams = await startUpstreams(loadCpus, backends, false);
    let peer: Peer | undefined;
    try {
      try {
        peer = await startPeer({ kind, cpus: proxyCpus, proxyMain, extraEnv: await kafka.envFor(kind), adminPort: adminPort!, layout: { listenPort: listenPort!, backends, dir: join(dir, kind), failover } });
      } catch (err) {
        if (!(err instanceof PeerNotRunnable)) throw err;
        notRunnable.set(kind, notRunnableReason(err));
        process.stderr.write(`${kind}: not runnable (${notRunnable.get(kind)})\n`);
        continue;
      }
      const probe = peer.statsSocket !== undefined ? haproxyProbe(peer.statsSocket) : slbProbe(peer.adminUrl!);
      await waitAllUp(probe, backends.map((b) => b.id), 15_000);
      // Warm-up at the same rate (not recorded): JIT and connection pools, equal for every peer.
      if (warmupMs > 0) await runPaced({ url: peer.url, ratePerSec: rate, durationMs: warmupMs, timeoutMs }).done;
      process.stderr.write(`${kind}: ${rate} req/s for ${durationMs / 1_000} s, kill ${VICTIM} at ${killAtMs / 1_000} s\n`);

      const samples: ProbeSample[] = [];
      let polling = true;
      const poller = (async () => {
        while (polling) {
          const atMs = performance.now();
          try {
            samples.push({ atMs, probe: await probe(VICTIM) });
          } catch {
            // A probe answer lost under load is a gap in the trace, not a failure of the run.
          }
          await new Promise((r) => setTimeout(r, PROBE_EVERY_MS));
        }
      })();
      const run = runPaced({ url: peer.url, ratePerSec: rate, durationMs, timeoutMs });
      await new Promise((r) => setTimeout(r, killAtMs));
      const killMs = performance.now();
      await upstreams.kill(VICTIM);
      let restartMs: number | null = null;
      if (restartAfterMs > 0 && killAtMs + restartAfterMs < durationMs) {
        await new Promise((r) => setTimeout(r, killMs + restartAfterMs - performance.now()));
        restartMs = performance.now();
        await upstreams.restart(VICTIM);
      }
      const records = await run.done;
      polling = false;
      await poller;
      const r = summarise(kind, records, killMs, restartMs, samples);
      results.push(r);
      process.stderr.write(`  errors ${r.clientErrors}, marked down after ${fmt(r.markedDownAfterMs, 0)} ms, last failed attempt ${fmt(r.lastFailedAttemptAfterMs, 0)} ms\n`);
    } finally {
      await peer?.stop();
      await upstreams.close();
    }
  }
} finally {
  kafkaWritten = await kafka.close();
  if (kafkaWritten !== undefined) process.stderr.write(`slb-kafka wrote to Kafka: ${JSON.stringify(kafkaWritten)}\n`);
  rmSync(dir, { recursive: true, force: true });
}

const loadAfter = loadavg();
const cmd = `npx tsx bench/proxy/failover.ts --rate ${rate} --duration ${durationMs / 1_000} --warmup ${warmupMs / 1_000} --kill-at ${killAtMs / 1_000} --restart-after ${restartAfterMs / 1_000} --peers ${peers.join(',')} --interval-ms ${failover.intervalMs} --fall ${failover.fall} --rise ${failover.rise} --retries ${failover.retries} --proxy-cpus ${proxyCpus} --load-cpus ${loadCpus}${proxyMain === DEFAULT_PROXY_MAIN ? '' : ` --proxy-main ${proxyMain}`}`;
const rows = results.map((r) => [
  r.peer,
  r.sent,
  r.clientErrors,
  Object.entries(r.errorKinds)
    .map(([k, v]) => `${k}×${v}`)
    .join(' ') || '–',
  fmt(r.markedDownAfterMs, 0),
  fmt(r.lastFailedAttemptAfterMs, 0),
  r.failedAttemptsOnVictim,
  fmt(r.p99AfterKillMs, 1),
  fmt(r.maxAfterKillMs, 1),
  fmt(r.backAfterRestartMs, 0),
]);
for (const kind of notRunnable.keys()) rows.push([kind, 'not runnable (below)', '', '', '', '', '', '', '', '']);
const table = markdownTable(
  ['peer', 'requests', 'client errors', 'error kinds', 'marked down after ms', 'last failed attempt on it after ms', 'failed attempts on it', 'p99 ms (5 s after kill)', 'max ms (5 s after kill)', 'traffic back after restart ms'],
  rows,
);
const notes = [...notRunnable].map(([kind, reason]) => `- ${kind}: not runnable (${reason})`).join('\n');
process.stdout.write(
  `\n${cmd}\nload average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}\n\n${table}\n${notes === '' ? '' : `\n${notes}\n`}`,
);
const file = writeResults('failover', {
  benchmark: 'bench/proxy/failover.ts',
  command: cmd,
  startedAt,
  finishedAt: new Date().toISOString(),
  loadavgBefore: loadBefore,
  loadavgAfter: loadAfter,
  versions: { node: process.version, haproxy: await versionOf('haproxy', ['-v']) },
  placement: { proxyCpus, loadCpus },
  settings: { rate, durationMs, warmupMs, killAtMs, restartAfterMs, failover, timeoutMs, victim: VICTIM },
  peers: Object.fromEntries(peers.map((p) => [p, PEER_DESCRIPTIONS[p]])),
  results,
  notRunnable: Object.fromEntries(notRunnable),
  kafkaRecordsWritten: kafkaWritten ?? null,
});
process.stdout.write(`\nresults: ${file}\n`);
