/**
 * Per-request CPU cost of two proxies, measured side by side on one core:
 *
 *   npx tsx bench/proxy/paired.ts --a slb --b node-bare [--a-main dist/main.js] [--b-main ...]
 *     [--rounds 5] [--duration 5] [--connections 32] [--post-bytes 0] [--proxy-cpus 0] [--load-cpus 1]
 *
 * --post-bytes N: every request a POST with an N-byte body (what request buffering costs:
 * --a slb --b slb-streamed-bodies --post-bytes 1024).
 *
 * Both proxies run at once on --proxy-cpus and both are kept saturated by their own wrk
 * (one thread each) on --load-cpus. The scheduler gives each half of the core, so the ratio
 * of their request rates is the inverse ratio of their CPU cost per request, and whatever
 * else the machine does in that second slows both alike. Sequential runs (run.ts) on a shared
 * VM drift by ±20% from one run to the next; this ratio moved by a few percent. It compares
 * builds (or this proxy with the bare Node floor); the ratios to nginx belong to run.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PEER_KINDS, startPeer, type Peer, type PeerKind } from './peers.js';
import { freePorts, killChildrenOnSignal, pinSelf } from './processes.js';
import { fmt, markdownTable, median, writeResults } from './report.js';
import { COMMON_OPTIONS, commonSettings } from './common-options.js';
import { startUpstreams } from './upstreams.js';
import { postScript, runWrk } from './wrk.js';

const { values: opt } = parseArgs({
  options: {
    a: { type: 'string', default: 'slb' },
    b: { type: 'string', default: 'node-bare' },
    'a-main': { type: 'string' },
    'b-main': { type: 'string' },
    rounds: { type: 'string', default: '5' },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
    'post-bytes': { type: 'string', default: '0' },
    ...COMMON_OPTIONS,
  },
  strict: true,
});
const sides = [
  { label: 'A', kind: opt.a as PeerKind, main: opt['a-main'] },
  { label: 'B', kind: opt.b as PeerKind, main: opt['b-main'] },
];
for (const s of sides) if (!PEER_KINDS.includes(s.kind)) throw new Error(`unknown peer ${s.kind}; known: ${PEER_KINDS.join(', ')}`);
const rounds = Number(opt.rounds);
const durationSec = Number(opt.duration);
const connections = Number(opt.connections);
const { proxyCpus, loadCpus, proxyMain } = commonSettings(opt);

killChildrenOnSignal();
await pinSelf(loadCpus);
const dir = mkdtempSync(join(tmpdir(), 'slb-bench-paired-'));
const [up1, up2, ...ports] = await freePorts(2 + sides.length * 2);
const backends = [
  { id: 'u1', port: up1! },
  { id: 'u2', port: up2! },
];
const upstreams = await startUpstreams(loadCpus, backends, true);
const peers: Peer[] = [];
const perRound: { a: number; b: number; ratio: number }[] = [];
try {
  for (const [i, s] of sides.entries()) {
    peers.push(
      await startPeer({
        kind: s.kind,
        cpus: proxyCpus,
        proxyMain: s.main === undefined ? proxyMain : resolve(s.main),
        adminPort: ports[i * 2 + 1]!,
        layout: { listenPort: ports[i * 2]!, backends, dir: join(dir, `${s.label}-${s.kind}`) },
      }),
    );
  }
  const postBytes = Number(opt['post-bytes']);
  let script: string | undefined;
  if (postBytes > 0) {
    script = join(dir, 'post.lua');
    writeFileSync(script, postScript(postBytes));
  }
  const both = (sec: number) => Promise.all(peers.map((p) => runWrk({ url: p.url, threads: 1, connections, cpus: loadCpus, durationSec: sec, script })));
  await both(2); // warm-up: JIT, connection pools
  for (let r = 1; r <= rounds; r++) {
    const [a, b] = (await both(durationSec)).map((x) => x.result.requestsPerSec) as [number, number];
    perRound.push({ a, b, ratio: b / a });
    process.stderr.write(`round ${r}/${rounds}: A ${a.toFixed(0)} req/s, B ${b.toFixed(0)} req/s, B/A ${fmt(b / a, 3)}\n`);
  }
} finally {
  await Promise.all(peers.map((p) => p.stop()));
  await upstreams.close();
  rmSync(dir, { recursive: true, force: true });
}

const ratios = perRound.map((r) => r.ratio);
const describe = (s: (typeof sides)[number]) => `${s.kind}${s.main === undefined ? '' : ` (${s.main})`}`;
process.stdout.write(`\nnpx tsx bench/proxy/paired.ts ${process.argv.slice(2).join(' ')}\n`);
process.stdout.write(`A = ${describe(sides[0]!)}, B = ${describe(sides[1]!)}, sharing CPU ${proxyCpus}\n\n`);
process.stdout.write(
  `${markdownTable(
    ['round', 'A req/s', 'B req/s', 'B/A'],
    perRound.map((r, i) => [i + 1, r.a.toFixed(0), r.b.toFixed(0), fmt(r.ratio, 3)]),
  )}\n\nmedian B/A ${fmt(median(ratios), 3)} (min ${fmt(Math.min(...ratios), 3)}, max ${fmt(Math.max(...ratios), 3)}): A costs ${fmt(median(ratios), 2)}× B's CPU per request\n`,
);
process.stdout.write(`results: ${writeResults('paired', { a: describe(sides[0]!), b: describe(sides[1]!), proxyCpus, loadCpus, connections, durationSec, postBytes: Number(opt['post-bytes']), perRound })}\n`);
