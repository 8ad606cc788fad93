import { describe, expect, it } from 'vitest';
import { adminAuditRecord, changeResult, changeTarget, claimedOperator, type AdminChange, type AdminRequestInfo } from './admin-audit.js';
import { authRefusal } from './admin.js';

const TOKEN = '0123456789abcdef-token';

describe('admin authentication refusals', () => {
  const cases: Array<[string | undefined, string | undefined, ReturnType<typeof authRefusal>]> = [
    [`Bearer ${TOKEN}`, TOKEN, undefined],
    [`bearer   ${TOKEN}`, TOKEN, undefined],
    [`Bearer ${TOKEN}`, undefined, 'disabled'],
    [undefined, undefined, 'disabled'],
    [undefined, TOKEN, 'missing'],
    ['  ', TOKEN, 'missing'],
    ['Bearer wrong-wrong-wrong-wrong', TOKEN, 'invalid'],
    [`Basic ${TOKEN}`, TOKEN, 'invalid'],
    [TOKEN, TOKEN, 'invalid'],
    ['Bearer', TOKEN, 'invalid'],
  ];
  it.each(cases)('%j with token %j -> %j', (header, token, expected) => {
    expect(authRefusal(header, token)).toBe(expected);
  });
});

describe('claimed operator (X-SLB-Operator)', () => {
  const cases: Array<[string | string[] | undefined, string | undefined]> = [
    ['alice', 'alice'],
    ['alice@example.com', 'alice@example.com'],
    ['ci-bot.prod_1', 'ci-bot.prod_1'],
    [undefined, undefined],
    ['', undefined],
    ['alice bob', undefined],
    ['alice\nforged=1', undefined],
    ['x'.repeat(65), undefined],
    [['alice', 'bob'], undefined],
  ];
  it.each(cases)('%j -> %j', (header, expected) => {
    expect(claimedOperator(header)).toBe(expected);
  });
});

describe('admin audit records', () => {
  const req: AdminRequestInfo = { peer: '10.0.0.9', method: 'POST', route: '/admin/services/:service/instances/:instance/drain', claimedBy: 'alice' };
  const ctx = { proxyId: 'proxy-1', atMs: 1_700_000_000_000, auditId: 'a-1' };
  const notes = ['peer 10.0.0.9', 'claimed-by alice', 'route POST /admin/services/:service/instances/:instance/drain', 'proxy proxy-1'];
  const cases: Array<[string, AdminChange, Record<string, unknown> | undefined, { result: string; status: number }]> = [
    ['drain of the proxy', { kind: 'proxy.drain' }, { action: 'proxy.drain', entityType: 'proxy', entityId: 'proxy-1', before: '{"draining":false}', after: '{"draining":true}' }, { result: 'accepted', status: 202 }],
    [
      'drain of an instance',
      { kind: 'instance.drain', serviceId: 's', instanceId: 'i', found: true, wasDrained: false },
      { action: 'instance.drain', entityType: 'instance', entityId: 's/i', before: '{"drained":false,"proxyId":"proxy-1"}', after: '{"drained":true,"proxyId":"proxy-1"}' },
      { result: 'ok', status: 200 },
    ],
    [
      'undrain of an instance',
      { kind: 'instance.undrain', serviceId: 's', instanceId: 'i', found: true, wasDrained: true },
      { action: 'instance.undrain', entityId: 's/i', before: '{"drained":true,"proxyId":"proxy-1"}', after: '{"drained":false,"proxyId":"proxy-1"}' },
      { result: 'ok', status: 200 },
    ],
    ['an unknown instance: not audited', { kind: 'instance.drain', serviceId: 's', instanceId: 'nope', found: false, wasDrained: false }, undefined, { result: 'not-found', status: 404 }],
    ['an applied config', { kind: 'config.push', serviceId: 's', version: 4, applied: true }, { action: 'config.push', entityType: 'service', entityId: 's', before: null, after: '{"version":4,"proxyId":"proxy-1"}', reason: 'applied version 4 through the admin API of proxy proxy-1' }, { result: 'applied', status: 200 }],
    [
      'a rejected config without a service id',
      { kind: 'config.push', serviceId: '', version: 0, applied: false, code: 'SLB_SERVICE_CONFIG_INVALID', message: 'serviceId: required' },
      { action: 'config.push', entityId: '_unknown', after: null, reason: 'rejected: SLB_SERVICE_CONFIG_INVALID: serviceId: required (version 0 through the admin API of proxy proxy-1)' },
      { result: 'rejected', status: 422 },
    ],
  ];
  it.each(cases)('%s', (_name, change, expected, result) => {
    const record = adminAuditRecord(change, req, ctx);
    expect(changeResult(change)).toEqual(result);
    if (expected === undefined) return void expect(record).toBeUndefined();
    expect(record).toMatchObject({ auditId: 'a-1', atMs: ctx.atMs, actor: 'admin-token', role: 'operator', ...expected, evidence: { scores: [], windows: [], sources: [], notes } });
    expect(changeTarget(change, 'proxy-1')).toBe(record!.entityId);
  });

  it('leaves claimed-by out when the caller claimed nobody', () => {
    const record = adminAuditRecord({ kind: 'proxy.drain' }, { ...req, claimedBy: undefined }, ctx);
    expect(record!.actor).toBe('admin-token');
    expect(record!.evidence!.notes.some((n) => n.startsWith('claimed-by'))).toBe(false);
  });
});
