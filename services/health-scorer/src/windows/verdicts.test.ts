import { describe, expect, it } from 'vitest';
import { combineVerdicts, VerdictBook } from './verdicts.js';
import type { CheckStatus, HealthVerdict } from './types.js';

const NOW = 1_000_000;

function verdicts(statuses: readonly CheckStatus[], ageMs = 0): HealthVerdict[] {
  return statuses.map((status, i) => ({ proxyId: `p${i}`, serviceId: 's', instanceId: 'i', status, atMs: NOW - ageMs }));
}

describe('combining active-check verdicts across proxies', () => {
  it.each([
    // [statuses, quorum, expected status, rule]
    [['HEALTHY', 'HEALTHY', 'UNHEALTHY'], 2, 'HEALTHY', 'majority'],
    [['UNHEALTHY', 'UNHEALTHY', 'HEALTHY'], 2, 'UNHEALTHY', 'majority'],
    [['DEGRADED', 'DEGRADED', 'HEALTHY'], 2, 'DEGRADED', 'majority'],
    [['HEALTHY', 'UNHEALTHY'], 2, 'DEGRADED', 'split'], // a tie is a partial fault, not an ejection
    [['HEALTHY', 'UNHEALTHY', 'DEGRADED'], 2, 'DEGRADED', 'split'],
    [['HEALTHY', 'HEALTHY', 'UNHEALTHY', 'UNHEALTHY'], 3, 'DEGRADED', 'split'],
    [['UNHEALTHY'], 2, 'UNKNOWN', 'no-quorum'], // one proxy alone cannot condemn an instance
    [['UNHEALTHY'], 1, 'UNHEALTHY', 'majority'],
    [[], 1, 'UNKNOWN', 'no-quorum'],
  ] as const)('%j with quorum %i -> %s (%s)', (statuses, quorum, status, rule) => {
    const c = combineVerdicts(verdicts(statuses), NOW, { quorum, maxAgeMs: 10_000 });
    expect(c.status).toBe(status);
    expect(c.rule).toBe(rule);
    expect(c.healthy + c.unhealthy + c.degraded).toBe(statuses.length);
  });

  it('ignores verdicts older than maxAgeMs and counts them as stale', () => {
    const fresh = verdicts(['HEALTHY']);
    const old = verdicts(['UNHEALTHY', 'UNHEALTHY'], 20_000).map((v, i) => ({ ...v, proxyId: `old${i}` }));
    const c = combineVerdicts([...fresh, ...old], NOW, { quorum: 1, maxAgeMs: 10_000 });
    expect(c).toMatchObject({ status: 'HEALTHY', stale: 2, healthy: 1, unhealthy: 0 });
  });

  it('keeps only the newest verdict per proxy, whatever the arrival order', () => {
    const book = new VerdictBook({ quorum: 1, maxAgeMs: 10_000 });
    const base = { proxyId: 'p1', serviceId: 's', instanceId: 'i' };
    expect(book.add({ ...base, status: 'UNHEALTHY', atMs: NOW - 100 })).toBe(true);
    expect(book.add({ ...base, status: 'HEALTHY', atMs: NOW - 500 })).toBe(false); // older: replay
    expect(book.combined('s', 'i', NOW).status).toBe('UNHEALTHY');
    expect(book.add({ ...base, status: 'HEALTHY', atMs: NOW })).toBe(true);
    expect(book.combined('s', 'i', NOW).status).toBe('HEALTHY');
    book.prune(NOW + 60_000);
    expect(book.combined('s', 'i', NOW + 60_000)).toMatchObject({ status: 'UNKNOWN', stale: 0 });
  });
});
