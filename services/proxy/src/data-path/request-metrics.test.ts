import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createRequestMetrics } from './request-metrics.js';

const BUCKETS = [0.001, 0.01, 0.1, 1];

/** prom-client's own Histogram fed the same values: the exposition must not tell them apart. */
async function promClientText(observations: ReadonlyArray<[string, number]>): Promise<string> {
  const registry = new Registry();
  const h = new Histogram({ name: 'slb_proxy_request_duration_seconds', help: 'Time from request to the end of the response, by service.', labelNames: ['service'], buckets: BUCKETS, registers: [registry] });
  for (const [service, v] of observations) h.observe({ service }, v);
  return registry.metrics();
}

describe('request metrics folded at scrape time', () => {
  const cases: Array<[string, Array<[string, number]>]> = [
    ['one service, every bucket and beyond the last', [['a', 0.0005], ['a', 0.001], ['a', 0.005], ['a', 0.05], ['a', 0.5], ['a', 5]]],
    ['two services interleaved', [['a', 0.002], ['b', 0.2], ['a', 0.02], ['b', 0.0001], ['b', 2]]],
    ['no observation', []],
  ];
  it.each(cases)('duration histogram: %s', async (_name, observations) => {
    const registry = new Registry();
    const m = createRequestMetrics(registry, BUCKETS);
    for (const [service, v] of observations) m.observe(m.durationCell(service), v);
    const ours = (await registry.getSingleMetricAsString('slb_proxy_request_duration_seconds')).trim();
    const theirs = (await promClientText(observations)).trim();
    expect(ours).toBe(theirs);
  });

  it('requests counter: counts since the last scrape are added once, series stay cumulative', async () => {
    const registry = new Registry();
    const m = createRequestMetrics(registry, BUCKETS);
    const ok = m.requestCount('svc', 'a', 200);
    expect(m.requestCount('svc', 'a', 200)).toBe(ok);
    ok.n += 3;
    m.requestCount('svc', 'none', 503).n++;
    const first = await registry.metrics();
    expect(first).toContain('slb_proxy_requests_total{service="svc",instance="a",status="200"} 3');
    expect(first).toContain('slb_proxy_requests_total{service="svc",instance="none",status="503"} 1');
    expect(await registry.metrics()).toContain('slb_proxy_requests_total{service="svc",instance="a",status="200"} 3');
    ok.n += 2;
    expect(await registry.metrics()).toContain('slb_proxy_requests_total{service="svc",instance="a",status="200"} 5');
  });

  it('reset clears the histogram like prom-client does', async () => {
    const registry = new Registry();
    const m = createRequestMetrics(registry, BUCKETS);
    m.observe(m.durationCell('a'), 0.5);
    registry.resetMetrics();
    expect(await registry.getSingleMetricAsString('slb_proxy_request_duration_seconds')).toContain('slb_proxy_request_duration_seconds_count{service="a"} 0');
  });
});
