/**
 * One rule for "is this proxy still there?": the console's convergence table, `slbctl status`
 * and the controller's PROXY_STALE judge the same config-status the same way (core's fleet read
 * model, live while the status is at most 5 minutes old).
 */
import { describe, expect, it } from 'vitest';
import { PROXY_GONE_AFTER_MS, type ConfigStatus } from '@slb/core';
import { ConsoleModel, staleProxySignals } from '@slb/controller';
import { fleetStatus } from '@slb/slbctl';

const NOW = 10_000_000;
const status = (proxyId: string, ageMs: number): ConfigStatus => ({
  proxyId,
  appliedVersions: { svc: 1 },
  decisionVersions: { svc: 1 },
  lastRejected: null,
  updatedAtMs: NOW - ageMs,
  snapshotLoaded: false,
});

describe('proxy liveness is judged the same on every surface', () => {
  const statuses = [
    status('p-now', 0),
    status('p-4m59s', PROXY_GONE_AFTER_MS - 1_000),
    status('p-5m', PROXY_GONE_AFTER_MS),
    status('p-5m1ms', PROXY_GONE_AFTER_MS + 1),
    status('p-1h', 3_600_000),
  ];
  const expected = ['p-4m59s', 'p-5m', 'p-now'];

  it('slbctl status, the console and PROXY_STALE see the same live proxies', () => {
    const slbctl = fleetStatus({ configs: new Map(), decisions: new Map(), scores: [], statuses: new Map(statuses.map((s) => [s.proxyId, s])), nowMs: NOW });
    const model = new ConsoleModel();
    for (const s of statuses) model.apply('config-status', s);
    const consoleProxies = model.snapshot(NOW).proxies;
    // Every proxy is behind on config v2 (published long ago): PROXY_STALE fires for the live ones only.
    const stale = staleProxySignals({ serviceId: 'svc', decisions: [], config: { version: 2, publishedAtMs: 0 }, statuses, graceMs: 1_000, nowMs: NOW });

    expect(slbctl.proxies.filter((p) => p.live).map((p) => p.proxyId).sort()).toEqual(expected);
    expect(consoleProxies.filter((p) => p.live).map((p) => p.proxyId).sort()).toEqual(expected);
    expect(stale.signals.filter((s) => s.active).map((s) => s.subject).sort()).toEqual(expected);
    for (const p of consoleProxies) expect(p.goneAtMs).toBe(p.updatedAtMs + PROXY_GONE_AFTER_MS);
  });
});
