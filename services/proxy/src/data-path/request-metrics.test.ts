import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createRequestMetrics, outcomeIndex, UPSTREAM_OUTCOMES, type UpstreamFailure } from './request-metrics.js';

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
    expect(first).toContain('slb_proxy_requests_total{service="svc",upstream="a",status="200",outcome="2xx"} 3');
    expect(first).toContain('slb_proxy_requests_total{service="svc",upstream="none",status="503",outcome="5xx"} 1');
    expect(await registry.metrics()).toContain('slb_proxy_requests_total{service="svc",upstream="a",status="200",outcome="2xx"} 3');
    ok.n += 2;
    expect(await registry.metrics()).toContain('slb_proxy_requests_total{service="svc",upstream="a",status="200",outcome="2xx"} 5');
  });

  it('tries counter: one series per upstream and outcome, a 502 the proxy sent for a refused connection is "connect"', async () => {
    const registry = new Registry();
    const m = createRequestMetrics(registry, BUCKETS);
    m.tryCount('svc', 'a', '5xx').n += 2;
    m.tryCount('svc', 'a', '2xx').n += 1;
    m.requestCount('svc', 'a', 502, 'connect').n += 1;
    const text = await registry.metrics();
    expect(text).toContain('slb_proxy_upstream_tries_total{service="svc",upstream="a",outcome="5xx"} 2');
    expect(text).toContain('slb_proxy_upstream_tries_total{service="svc",upstream="a",outcome="2xx"} 1');
    expect(text).toContain('slb_proxy_requests_total{service="svc",upstream="a",status="502",outcome="connect"} 1');
    expect(text).toContain('# TYPE slb_proxy_upstream_tries_total counter');
  });

  const outcomes: Array<[number, UpstreamFailure | undefined, string]> = [
    [200, undefined, '2xx'],
    [204, undefined, '2xx'],
    [301, undefined, '3xx'],
    [404, undefined, '4xx'],
    [429, undefined, '4xx'],
    [499, undefined, '4xx'],
    [500, undefined, '5xx'],
    [503, undefined, '5xx'],
    [101, undefined, '1xx'],
    [0, 'connect', 'connect'],
    [502, 'connect', 'connect'],
    [504, 'timeout', 'timeout'],
    [0, 'reset', 'reset'],
  ];
  it.each(outcomes)('outcome of status %i with failure %s is %s', (status, failure, expected) => {
    expect(UPSTREAM_OUTCOMES[outcomeIndex(status, failure)]).toBe(expected);
  });

  it('reset clears the histogram like prom-client does', async () => {
    const registry = new Registry();
    const m = createRequestMetrics(registry, BUCKETS);
    m.observe(m.durationCell('a'), 0.5);
    registry.resetMetrics();
    expect(await registry.getSingleMetricAsString('slb_proxy_request_duration_seconds')).toContain('slb_proxy_request_duration_seconds_count{service="a"} 0');
  });
});
