/**
 * Distributed mode, one proxy that alone cannot reach one instance (issue 10): its connect
 * failures are a path problem, not the instance's. The scorer judges local failures per proxy
 * view (docs/scoring.md, "success"), so the instance the other proxy reaches fine keeps its
 * score for the fleet, while an instance no proxy reaches still scores low.
 */
import { expect, it } from 'vitest';
import type { HealthScore, HealthStatus, ServiceMetrics } from '@slb/core';
import { scorerFixture, type ProxyProfile } from './support.js';

const PROXIES: ProxyProfile[] = [
  { proxyId: 'proxy-a', requests: 60, errors5xx: 0, latencyMs: 10 },
  { proxyId: 'proxy-b', requests: 60, errors5xx: 0, latencyMs: 10 },
];
const INSTANCES = ['i-1', 'i-2', 'i-3', 'i-4'];
/** instance -> proxies that cannot connect to it at all. */
const UNREACHABLE: Record<string, readonly string[]> = { 'i-1': ['proxy-b'], 'i-4': ['proxy-a', 'proxy-b'] };

const fx = scorerFixture('scorer-path');

function report(r: ServiceMetrics, p: ProxyProfile): ServiceMetrics {
  if (!(UNREACHABLE[r.instanceId] ?? []).includes(p.proxyId)) return r;
  // Refused before any answer: counted, no latency sample.
  return { ...r, metrics: { ...r.metrics, errorRate: 1, p95Latency: 0 }, errors: { ...r.errors, connectFailures: p.requests }, latencySketch: null };
}

function check(s: HealthStatus): HealthStatus {
  // The proxy that cannot reach i-1 fails its checks too (a split: DEGRADED). i-4's checks are
  // left healthy so that the success term alone has to find it.
  return s.instanceId === 'i-1' && s.proxyId === 'proxy-b' ? { ...s, status: 'UNHEALTHY' } : s;
}

it('does not condemn fleet-wide an instance that one proxy of two cannot reach', async () => {
  for (let w = 0; w < 4; w += 1) await fx.publish(w, ['checkout'], INSTANCES, PROXIES, { metrics: report, status: check });

  const outputs = await fx.readOutputs();
  await fx.startScorer();

  // Windows 0..2 close by event time (window 3 waits for later data): 4 instances each.
  await outputs.scores.until(12);
  await outputs.aggregated.until(12);
  const of = (id: string): HealthScore[] => outputs.scores.items.filter((s) => s.instanceId === id);
  const success = (s: HealthScore) => s.components.find((c) => c.name === 'success')!;
  for (const id of INSTANCES) expect(of(id), id).toHaveLength(3); // no loop below passes empty

  for (const s of of('i-1')) {
    expect(success(s).value).toBe(1);
    expect(success(s).detail).toMatch(/not held against it \(seen through 1 of 2 proxies/);
    // Only the split active checks cost anything (DEGRADED: 0.5^0.2 = 0.87), far above ejection.
    expect(s.score).toBeGreaterThan(0.85);
  }
  // What the proxies saw is still published as they saw it.
  for (const a of outputs.aggregated.items.filter((x) => x.instanceId === 'i-1')) expect(a.errorRate).toBe(0.5);
  for (const s of of('i-4')) {
    expect(success(s).value).toBeLessThan(0.01);
    expect(s.score).toBeLessThan(0.4);
  }
  for (const id of ['i-2', 'i-3']) for (const s of of(id)) expect(s.score).toBe(1);
});
