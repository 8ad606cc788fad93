import { describe, expect, it } from 'vitest';
import { normalizeConfigUpdate } from '@slb/core';
import { changeLine, configDiff } from './config-diff.js';

const cfg = (extra: Record<string, unknown>) => normalizeConfigUpdate({ serviceId: 'svc', version: 1, issuedAtMs: 1, issuedBy: 'x', routes: [{ pathPrefix: '/' }], instances: [{ id: 'a', address: '10.0.0.1:80' }], ...extra }).value;

describe('configDiff', () => {
  it.each([
    ['nothing but bookkeeping', cfg({}), cfg({ version: 9, issuedBy: 'y', issuedAtMs: 5 }), []],
    ['a weight', cfg({}), cfg({ instances: [{ id: 'a', address: '10.0.0.1:80', weight: 3 }] }), ['~ instances[0].weight: 1 -> 3']],
    ['an added instance', cfg({}), cfg({ instances: [{ id: 'a', address: '10.0.0.1:80' }, { id: 'b', address: '10.0.0.2:80' }] }), ['+ instances[1]: {"id":"b","address":"10.0.0.2:80","weight":1,"zone":null,"tags":{}}']],
    ['a health check turned on', cfg({}), cfg({ healthCheck: { type: 'TCP' } }), ['~ healthCheck: null -> {"type":"TCP","path":"/health","intervalMs":5000,"timeoutMs":1000,"healthyThreshold":2,"unhealthyThreshold":3,"jitterPercent":10}']],
    ['a new service', undefined, cfg({}), expect.arrayContaining(['+ serviceId: "svc"'])],
  ] as const)('shows %s', (_name, from, to, lines) => {
    expect(configDiff(from, to).map(changeLine)).toEqual(lines);
  });
});
