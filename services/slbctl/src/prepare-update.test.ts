import { describe, expect, it } from 'vitest';
import { normalizeConfigUpdate, type ConfigUpdate } from '@slb/core';
import { prepareUpdate, reissue } from './prepare-update.js';

const file = { serviceId: 'svc', routes: [{ pathPrefix: '/svc' }], instances: [{ id: 'a', address: '127.0.0.1:9000' }] };
const current = (version: number): ConfigUpdate => normalizeConfigUpdate({ ...file, version, issuedAtMs: 1, issuedBy: 'x' }).value;
const input = (raw: Record<string, unknown>, cur?: ConfigUpdate) => ({ raw, current: cur, actor: 'alice', nowMs: 42, source: 'svc.yaml' });

describe('prepareUpdate', () => {
  it.each([
    ['a new service', {}, undefined, { version: 1, previousVersion: null }],
    ['the next version of a service', {}, current(4), { version: 5, previousVersion: 4 }],
    ['an explicit newer version', { version: 9 }, current(4), { version: 9, previousVersion: 4 }],
    ['written against the current version', { previousVersion: 4 }, current(4), { version: 5, previousVersion: 4 }],
  ] as const)('fills %s', (_name, extra, cur, expected) => {
    const { update, filled } = prepareUpdate(input({ ...file, ...extra }, cur));
    expect(update).toMatchObject({ ...expected, issuedAtMs: 42, issuedBy: 'alice' });
    expect(filled).toContain('issuedBy');
  });

  it.each([
    ['a version that does not move forward', { version: 4 }, /version 4 is not newer than the current version 4 of svc \(leave version out to get 5\)/, 'SLB_SERVICE_CONFIG_STALE'],
    ['a file written against another version', { previousVersion: 2 }, /written against version 2 of svc, but the current version is 4/, 'SLB_SERVICE_CONFIG_STALE'],
    ['an invalid config', { instances: [{ id: 'a', address: 'nowhere' }] }, /svc\.yaml: .*instances\[0\]\.address/, 'SLB_SERVICE_CONFIG_INVALID'],
    ['a misspelt field', { instances: [{ id: 'a', address: '127.0.0.1:9000', wieght: 2 }] }, /svc\.yaml: .*instances\[0\]\.wieght: unknown field of InstanceConfig; did you mean 'weight'\?/, 'SLB_SERVICE_CONFIG_INVALID'],
    ['a value publishing would refuse', { issuedBy: '' }, /svc\.yaml: .*issuedBy: must not be empty/, 'SLB_SERVICE_CONFIG_INVALID'],
  ] as const)('refuses %s', (_name, extra, message, code) => {
    expect(() => prepareUpdate(input({ ...file, ...extra }, current(4)))).toThrow(message);
    try {
      prepareUpdate(input({ ...file, ...extra }, current(4)));
    } catch (error) {
      expect((error as { code: string }).code).toBe(code);
    }
  });

  it('drops a signature that cannot cover the fields it filled', () => {
    const { update } = prepareUpdate(input({ ...file, signature: Buffer.alloc(64).toString('base64') }));
    expect(update.signature).toBeNull();
  });

  it('reissues an old version as the next one, unsigned, by the operator', () => {
    const old = { ...current(2), signature: Buffer.alloc(64) };
    expect(reissue(old, current(7), 'bob', 99)).toMatchObject({ version: 8, previousVersion: 7, issuedBy: 'bob', issuedAtMs: 99, signature: null, instances: old.instances });
  });
});
