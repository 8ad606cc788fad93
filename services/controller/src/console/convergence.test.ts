import { describe, expect, it } from 'vitest';
import { exampleEvents } from '@slb/core';
import { proxyConvergence } from './convergence.js';

const status = (appliedVersions: Record<string, number>, decisionVersions: Record<string, number> = {}) => ({
  ...exampleEvents()['config-status'],
  appliedVersions,
  decisionVersions,
});

describe('proxyConvergence compares what a proxy runs with the desired versions', () => {
  it.each([
    { name: 'same versions: converged', applied: { a: 3 }, desired: { a: 3 }, rows: [{ serviceId: 'a', desired: 3, applied: 3, status: 'converged' }], converged: true },
    { name: 'older version: behind', applied: { a: 2 }, desired: { a: 3 }, rows: [{ serviceId: 'a', desired: 3, applied: 2, status: 'behind' }], converged: false },
    { name: 'service not applied yet: behind', applied: {}, desired: { a: 3 }, rows: [{ serviceId: 'a', desired: 3, applied: null, status: 'behind' }], converged: false },
    { name: 'newer than desired: ahead', applied: { a: 4 }, desired: { a: 3 }, rows: [{ serviceId: 'a', desired: 3, applied: 4, status: 'ahead' }], converged: false },
    { name: 'no desired version known: unknown, not blocking', applied: { z: 1 }, desired: {}, rows: [{ serviceId: 'z', desired: null, applied: 1, status: 'unknown' }], converged: true },
    {
      name: 'rows in natural order',
      applied: { 's-10': 1, 's-2': 1 },
      desired: { 's-10': 1, 's-2': 1 },
      rows: [{ serviceId: 's-2', desired: 1, applied: 1, status: 'converged' }, { serviceId: 's-10', desired: 1, applied: 1, status: 'converged' }],
      converged: true,
    },
  ])('config: $name', ({ applied, desired, rows, converged }) => {
    const result = proxyConvergence(status(applied as Record<string, number>), new Map(Object.entries(desired as Record<string, number>)), new Map());
    expect(result.config).toEqual(rows);
    expect(result.converged).toBe(converged);
  });

  it('a decision version behind makes the proxy not converged even when config is', () => {
    const result = proxyConvergence(status({ a: 3 }, { a: 41 }), new Map([['a', 3]]), new Map([['a', 42]]));
    expect(result.decisions).toEqual([{ serviceId: 'a', desired: 42, applied: 41, status: 'behind' }]);
    expect(result.converged).toBe(false);
    expect(result).toMatchObject({ proxyId: 'proxy-a', snapshotLoaded: false });
  });
});
