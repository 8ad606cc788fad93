import { describe, expect, it } from 'vitest';
import type { ConfigStatus } from '@slb/core';
import { convergence } from './convergence.js';

const T = 1_000_000;
const status = (proxyId: string, applied: number | undefined, updatedAtMs: number, rejected?: number): ConfigStatus => ({
  proxyId,
  appliedVersions: applied === undefined ? {} : { svc: applied },
  decisionVersions: {},
  lastRejected: rejected === undefined ? null : { serviceId: 'svc', version: rejected, reason: 'bad route', errorCode: 'SLB_SERVICE_CONFIG_INVALID', atMs: updatedAtMs },
  updatedAtMs,
  snapshotLoaded: false,
});
const target = { serviceId: 'svc', version: 5, pushedAtMs: T, liveWindowMs: 60_000, minProxies: 0 };

describe('convergence', () => {
  it.each([
    ['every live proxy applied it', [status('a', 5, T + 10), status('b', 5, T + 20)], {}, 'converged', []],
    ['a newer version is not this push: dropped as stale', [status('a', 6, T + 10)], {}, 'stale', []],
    ['this version already running before the push: dropped as a replay', [status('a', 5, T - 10)], { alreadyAt: new Set(['a']) }, 'stale', []],
    ['applied after the push, superseded since', [status('a', 6, T + 10)], { seenApplied: new Set(['a']) }, 'converged', []],
    ['one proxy dropped it while another applied it', [status('a', 5, T + 10), status('b', 9, T - 1_000)], { alreadyAt: new Set(['b']) }, 'stale', []],
    ['one proxy still on the old version', [status('a', 5, T + 10), status('b', 4, T - 1_000)], {}, 'waiting', []],
    ['a proxy gone before the window is not waited for', [status('a', 5, T + 10), status('old', 1, T - 61_000)], {}, 'converged', ['old']],
    ['a proxy rejected this version', [status('a', 5, T + 10), status('b', 4, T + 20, 5)], {}, 'rejected', []],
    ['a rejection of another version does not count', [status('a', 5, T + 10, 4)], {}, 'converged', []],
    ['no live proxy: nothing to wait for', [status('old', 1, T - 120_000)], {}, 'converged', ['old']],
    ['no live proxy but --min-proxies 1', [], { minProxies: 1 }, 'waiting', []],
    ['--min-proxies met', [status('a', 5, T + 10), status('b', 5, T + 10)], { minProxies: 2 }, 'converged', []],
  ] as const)('%s', (_name, statuses, extra, state, ignored) => {
    const v = convergence(statuses, { ...target, ...extra });
    expect(v.state).toBe(state);
    expect(v.ignored).toEqual(ignored);
  });

  it('names the version a proxy that dropped the push runs', () => {
    const v = convergence([status('a', 100, T - 10)], { ...target, alreadyAt: new Set(['a']) });
    expect(v.proxies).toEqual([{ proxyId: 'a', state: 'stale', appliedVersion: 100, updatedAtMs: T - 10, reason: 'runs v100, newer than v5: dropped as stale' }]);
  });

  it('reports each proxy with its applied version and the rejection reason', () => {
    const v = convergence([status('b', 4, T + 20, 5), status('a', 5, T + 10)], target);
    expect(v.proxies).toEqual([
      { proxyId: 'a', state: 'applied', appliedVersion: 5, updatedAtMs: T + 10 },
      { proxyId: 'b', state: 'rejected', appliedVersion: 4, updatedAtMs: T + 20, reason: 'bad route', errorCode: 'SLB_SERVICE_CONFIG_INVALID' },
    ]);
  });
});
