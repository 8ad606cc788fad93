import { describe, expect, it } from 'vitest';
import type { ConfigStatus } from '@slb/core';
import { dueVersion, staleProxySignals } from './proxy-staleness.js';

const status = (proxyId: string, config: number | undefined, decision: number | undefined, updatedAtMs = 10_000): ConfigStatus => ({
  proxyId,
  appliedVersions: config === undefined ? {} : { svc: config },
  decisionVersions: decision === undefined ? {} : { svc: decision },
  lastRejected: null,
  updatedAtMs,
  snapshotLoaded: false,
});

describe('dueVersion', () => {
  it.each([
    { now: 10_000, expected: null },
    { now: 11_001, expected: 1 },
    { now: 12_001, expected: 2 },
  ])('at $now the due version is $expected', ({ now, expected }) => {
    expect(dueVersion([{ version: 1, publishedAtMs: 10_000 }, { version: 2, publishedAtMs: 11_000 }], 1_000, now)?.version ?? null).toBe(expected);
  });
});

describe('staleProxySignals', () => {
  const base = { serviceId: 'svc', decisions: [{ version: 5, publishedAtMs: 1_000 }, { version: 6, publishedAtMs: 9_900 }], config: { version: 3, publishedAtMs: 500 }, graceMs: 1_000, goneAfterMs: 60_000, nowMs: 10_000 };
  it.each([
    { name: 'up to date', s: status('p', 3, 6), active: [] },
    { name: 'one fresh decision behind is not stale', s: status('p', 3, 5), active: [] },
    { name: 'behind on the due decision', s: status('p', 3, 4), active: ['p'] },
    { name: 'no decision applied at all', s: status('p', 3, undefined), active: ['p'] },
    { name: 'behind on config', s: status('p', 2, 6), active: ['p'] },
    { name: 'a proxy that does not serve the service is not judged', s: status('p', undefined, undefined), active: [] },
    { name: 'a gone proxy is not judged', s: status('p', 1, 1, -100_000), active: [] },
  ])('$name', ({ s, active }) => {
    const r = staleProxySignals({ ...base, statuses: [s] });
    expect(r.signals.filter((x) => x.active).map((x) => x.subject)).toEqual(active);
    expect(r.scope).toEqual({ serviceId: 'svc', types: ['PROXY_STALE'] });
  });
});
