import { describe, expect, it } from 'vitest';
import type { HealthStatus, ServiceMetrics } from '@slb/core';
import { CommitPoint, decodeCommitMetadata, encodeCommitMetadata } from './commit-point.js';
import { ScorerPipeline, type Emission } from './scorer-pipeline.js';
import { LatencySketch } from './windows/index.js';

const SIZE = 1_000;
const T0 = 1_700_000_000_000;
const POLICY = { window: { sizeMs: SIZE, allowedLatenessMs: 500, idleTimeoutMs: 2_000 } };

function sketch(valueMs: number, count: number): Buffer {
  const s = new LatencySketch();
  s.accept(valueMs, count);
  return Buffer.from(s.toBytes());
}

function metrics(proxyId: string, instanceId: string, window: number, requests: number, latencyMs = 10, status4xx = 0): ServiceMetrics {
  const start = T0 + window * SIZE;
  return {
    timestamp: start + SIZE,
    serviceId: 'checkout',
    instanceId,
    proxyId,
    windowStartMs: start,
    windowEndMs: start + SIZE,
    metrics: { rps: requests, p95Latency: latencyMs, errorRate: 0, activeConnections: 0, cpuUsage: null, memoryUsage: null },
    requests,
    errors: { status5xx: 1, status4xx, connectFailures: 0, timeouts: 0, resets: 0 },
    inFlight: 2,
    latencySketch: requests > 0 ? sketch(latencyMs, requests) : null,
    tags: {},
  };
}

function status(proxyId: string, instanceId: string, atMs: number): HealthStatus {
  return { timestamp: atMs, serviceId: 'checkout', instanceId, proxyId, status: 'HEALTHY', responseTime: 1, checkType: 'HTTP', details: {} };
}

function closeWindow0(p: ScorerPipeline): Emission {
  p.addMetrics(metrics('p1', 'late-mover', 2, 1), T0 + 3_000); // moves the watermark past window 0
  const e = p.advance(T0 + 3_000).find((x) => x.windowStartMs === T0);
  if (e === undefined) throw new Error('window 0 not closed');
  return e;
}

describe('the pipeline judges latency per proxy and says what it could not judge', () => {
  it('a CPU-starved proxy that carried most of one instance\'s traffic does not condemn it', () => {
    const p = new ScorerPipeline(POLICY);
    // p2 adds ~150 ms to everything it forwards; it sent i1 most of its traffic.
    p.addMetrics(metrics('p1', 'i1', 0, 30, 10), T0);
    p.addMetrics(metrics('p2', 'i1', 0, 300, 160), T0);
    for (const id of ['i2', 'i3', 'i4']) {
      // Under 5 % through p2: the merged p95 of the peers is p1's 10 ms, i1's is p2's 160 ms.
      p.addMetrics(metrics('p1', id, 0, 1_000, 10), T0);
      p.addMetrics(metrics('p2', id, 0, 40, 160), T0);
    }
    const scores = closeWindow0(p).scores;
    const i1 = scores.find((r) => r.instanceId === 'i1');
    expect(i1?.components.find((c) => c.name === 'latency')?.value).toBe(1);
    expect(i1?.score).toBe(1);
  });

  it('a pair of instances: the latency detail says the relative term is off', () => {
    const p = new ScorerPipeline(POLICY);
    p.addMetrics(metrics('p1', 'i1', 0, 300, 10), T0);
    p.addMetrics(metrics('p1', 'i2', 0, 300, 250), T0);
    const i2 = closeWindow0(p).scores.find((r) => r.instanceId === 'i2');
    expect(i2?.components.find((c) => c.name === 'latency')).toMatchObject({ value: 1, detail: expect.stringMatching(/not compared with peers: 1 serving peer, 2 needed/) });
  });
});

describe('the pipeline judges local failures per proxy (finding: one proxy that cannot reach an instance)', () => {
  it('keeps an instance that one proxy of two cannot connect to, and finds one that none can', () => {
    const p = new ScorerPipeline(POLICY);
    const unreachable = (m: ServiceMetrics): ServiceMetrics => ({ ...m, errors: { ...m.errors, status5xx: 0, connectFailures: m.requests }, latencySketch: null });
    p.addMetrics(unreachable(metrics('p1', 'i1', 0, 300)), T0);
    p.addMetrics(metrics('p2', 'i1', 0, 300), T0);
    p.addMetrics(unreachable(metrics('p1', 'dead', 0, 300)), T0);
    p.addMetrics(unreachable(metrics('p2', 'dead', 0, 300)), T0);
    for (const id of ['i2', 'i3']) for (const proxy of ['p1', 'p2']) p.addMetrics(metrics(proxy, id, 0, 300), T0);
    const scores = closeWindow0(p).scores;
    const i1 = scores.find((r) => r.instanceId === 'i1');
    expect(i1?.score).toBeGreaterThanOrEqual(0.9);
    expect(i1?.components.find((c) => c.name === 'success')).toMatchObject({ value: 1, detail: expect.stringMatching(/300 of 300 connect failures.*not held against it/) });
    expect(scores.find((r) => r.instanceId === 'dead')?.score).toBeLessThan(0.4);
  });
});

describe('the pipeline merges every proxy into one record per instance and window', () => {
  it('sums counts, merges sketches, combines checks and scores', () => {
    const p = new ScorerPipeline(POLICY);
    expect(p.addMetrics(metrics('p1', 'i1', 0, 90, 10, 3), T0)).toBe('accepted');
    expect(p.addMetrics(metrics('p2', 'i1', 0, 10, 100, 1), T0)).toBe('accepted');
    expect(p.addStatus(status('p1', 'i1', T0 + 900), T0)).toBe(true);
    expect(p.addStatus(status('p2', 'i1', T0 + 950), T0)).toBe(true);
    expect(p.advance(T0)).toEqual([]);
    p.addMetrics(metrics('p1', 'i1', 2, 1), T0 + 3_000); // moves the watermark past window 0
    const [e] = p.advance(T0 + 3_000);
    expect(e).toMatchObject({ serviceId: 'checkout', windowStartMs: T0, windowEndMs: T0 + SIZE });
    const [agg] = e!.aggregated;
    expect(agg).toMatchObject({ instanceId: 'i1', requests: 100, proxiesReporting: 2, inFlight: 4, lateCount: 0, computedAtMs: T0 + 3_000 });
    expect(agg!.errors).toEqual({ status5xx: 2, status4xx: 4, connectFailures: 0, timeouts: 0, resets: 0 });
    expect(agg!.p50LatencyMs).toBeCloseTo(10, -0.3);
    expect(Math.abs(agg!.p95LatencyMs! - 100) / 100).toBeLessThan(0.01);
    const [score] = e!.scores;
    expect(score!.components.map((c) => c.name)).toEqual(['success', 'latency', 'activeCheck', 'saturation']);
    expect(score!.inputs).toMatchObject({ requests: 100, healthyChecks: 2, unhealthyChecks: 0, proxiesReporting: 2 });
    expect(score!.score).toBeGreaterThan(0);
    expect(score!.score).toBeLessThanOrEqual(1);
  });

  it('counts a late report on the next window of its instance, without merging it', () => {
    const p = new ScorerPipeline(POLICY);
    p.addMetrics(metrics('p1', 'i1', 0, 5), T0);
    p.addMetrics(metrics('p1', 'i1', 2, 5), T0);
    expect(p.advance(T0).map((e) => e.windowStartMs)).toEqual([T0]);
    expect(p.addMetrics(metrics('p2', 'i1', 0, 50), T0)).toBe('late');
    p.addMetrics(metrics('p1', 'i1', 4, 5), T0);
    const emitted = p.advance(T0).flatMap((e) => e.aggregated);
    const w2 = emitted.find((a) => a.windowStartMs === T0 + 2 * SIZE);
    expect(w2).toMatchObject({ requests: 5, lateCount: 1 });
  });
});

/**
 * The exactly-once argument in pure form: the stream of one partition is cut at every point,
 * the first owner's output counts only up to its last commit (what a crash keeps), and a new
 * owner rebuilds from that commit's offset and metadata. Together they must publish every
 * window of the uninterrupted run exactly once, with the same figures.
 */
describe('a takeover at any point neither loses nor duplicates a window', () => {
  type Rec = { kind: 'metrics'; value: ServiceMetrics } | { kind: 'status'; value: HealthStatus } | { kind: 'quiet'; nowMs: number };
  const stream: Rec[] = [];
  for (let w = 0; w < 8; w += 1) {
    for (const inst of ['i1', 'i2']) {
      stream.push({ kind: 'metrics', value: metrics('p1', inst, w, 10 + w) });
      stream.push({ kind: 'metrics', value: metrics('p2', inst, w, 20 + w) });
      stream.push({ kind: 'status', value: status('p1', inst, T0 + (w + 1) * SIZE) });
    }
    // A straggler: p3's report of window w - 2 arrives after window w, when it is already closed.
    if (w >= 2) stream.push({ kind: 'metrics', value: metrics('p3', 'i1', w - 2, 1) });
  }
  // Input goes quiet: the clock closes the last windows (and empty ones for the known
  // instances). Then a straggler for a window the clock closed: late, whoever reads it.
  stream.push({ kind: 'quiet', nowMs: T0 + 13_000 });
  stream.push({ kind: 'metrics', value: { ...metrics('p3', 'i2', 7, 1), timestamp: T0 + 13_000 } });
  stream.push({ kind: 'quiet', nowMs: T0 + 20_000 });
  // Both kinds share one offset space here (one partition per kind in reality; the order is what matters).
  const key = (a: { instanceId: string; windowStartMs: number }): string => `${a.instanceId}@${a.windowStartMs - T0}`;

  interface Owner {
    readonly pipeline: ScorerPipeline;
    readonly commit: CommitPoint;
    committed: { offset: number; meta: string } | null;
    published: Emission[];
  }

  function owner(): Owner {
    // Lateness above the window size: a rebuilt watermark starts below the emitted one, which
    // is when resuming it from the commit metadata matters.
    return { pipeline: new ScorerPipeline({ window: { ...POLICY.window, allowedLatenessMs: 1_500 } }), commit: new CommitPoint(), committed: null, published: [] };
  }

  /** Feeds records [from, to) and commits with every emission, as the Kafka unit does. */
  function feed(o: Owner, from: number, to: number, handledBelow: number, clockFrom = 0): void {
    for (let offset = from; offset < to; offset += 1) {
      const r = stream[offset]!;
      // Quiet periods before the crash were the first owner's clock, not input to re-read.
      if (r.kind === 'quiet' && offset < clockFrom) continue;
      const kind = 'metrics';
      // A quiet period is no record (an offset gap, as a transaction marker would leave).
      if (r.kind !== 'quiet') o.commit.consumed(kind, offset);
      const now = r.kind === 'quiet' ? r.nowMs : r.value.timestamp;
      if (r.kind === 'quiet') {
        // nothing arrives
      } else if (r.kind === 'metrics') {
        const outcome = o.pipeline.addMetrics(r.value, now, undefined, offset < handledBelow);
        if (outcome === 'accepted') o.commit.holdWindow(o.pipeline.windowOf(r.value), offset);
      } else {
        o.pipeline.addStatus(r.value, now);
      }
      const emitted = o.pipeline.advance(now);
      if (emitted.length > 0) {
        o.commit.release(o.pipeline.watermarkMs, SIZE, 30_000);
        o.published.push(...emitted);
        o.committed = { offset: o.commit.offset(kind)!, meta: encodeCommitMetadata({ w: o.pipeline.watermarkMs, n: Math.max(o.commit.position(kind)!, handledBelow) }) };
      }
    }
  }

  const reference = owner();
  feed(reference, 0, stream.length, 0);
  // Windows with traffic. Empty windows of instances that went silent come from the owner's
  // memory of which instances exist, which a rebuild only regains from re-read input
  // (docs/health-scorer.md, "Limits"); they are checked for duplicates only.
  const expected = reference.published
    .flatMap((e) => e.aggregated)
    .filter((a) => a.requests > 0)
    .map((a) => [key(a), a.requests] as const);

  it.each(Array.from({ length: stream.length }, (_, i) => i + 1))('crash after record %i', (cut) => {
    const first = owner();
    feed(first, 0, cut, 0);
    // What survives the crash: windows published by committed transactions only. A commit
    // happens with every emission, so all of `published` is committed.
    const survived = first.published.flatMap((e) => e.aggregated);
    const second = owner();
    const start = first.committed?.offset ?? 0;
    const meta = decodeCommitMetadata(first.committed?.meta);
    if (meta !== null) second.pipeline.resumeFrom(meta.w);
    second.commit.restore('metrics', start);
    feed(second, start, stream.length, meta?.n ?? 0, cut);
    const all = [...survived, ...second.published.flatMap((e) => e.aggregated)];
    const got = all.map((a) => [key(a), a.requests] as const);
    expect(new Set(got.map(([k]) => k)).size).toBe(got.length); // no duplicate
    expect(got.filter(([, requests]) => requests > 0).sort()).toEqual([...expected].sort()); // nothing lost, same figures
  });
});
