import { describe, expect, it } from 'vitest';
import { exampleEvents, normalizeConfigUpdate, type AuditLog } from '@slb/core';
import { configHistory } from './config-history.js';

const update = (version: number, instances = 1) =>
  normalizeConfigUpdate({ serviceId: 'svc', version, issuedAtMs: version, issuedBy: 'x', routes: [{ pathPrefix: '/' }], instances: Array.from({ length: instances }, (_, i) => ({ id: `i${i}`, address: `10.0.0.${i + 1}:80` })) }).value;
const audit = (after: unknown, extra: Partial<AuditLog> = {}): AuditLog => ({ ...exampleEvents()['audit-logs'], entityId: 'svc', action: 'config.push', actor: 'alice', after: after === null ? null : JSON.stringify(after), ...extra });

describe('configHistory', () => {
  it('merges the log and the audit trail into one entry per version, oldest first', () => {
    const h = configHistory('svc', [{ value: update(3), partition: 1, offset: 7 }], [audit({ ...update(2, 2), signature: null }), audit({ ...update(3), signature: null })]);
    expect(h.map((e) => [e.version, e.sources])).toEqual([
      [2, ['audit-logs config.push by alice']],
      [3, ['config-updates 1/7', 'audit-logs config.push by alice']],
    ]);
    expect(h[0]!.update.instances).toHaveLength(2);
  });

  it.each([
    ['another service', audit({ ...update(1), serviceId: 'other', signature: null }, { entityId: 'other' })],
    ['a non-config action', audit({ ...update(1), signature: null }, { action: 'instance.eject' })],
    ['an after that is not a config', audit({ version: 7 })],
    ['an after that is not JSON', { ...audit(null), after: '{nope' }],
    ['a deletion without after', audit(null)],
  ])('ignores an audit record of %s', (_name, record) => {
    expect(configHistory('svc', [], [record])).toEqual([]);
  });

  it('prefers the log copy of a version over the audit copy', () => {
    const logged = { ...update(1), issuedBy: 'log' };
    const h = configHistory('svc', [{ value: logged, partition: 0, offset: 1 }], [audit({ ...update(1), issuedBy: 'audit', signature: null })]);
    expect(h[0]!.update.issuedBy).toBe('log');
  });
});
