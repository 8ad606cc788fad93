import { describe, expect, it } from 'vitest';
import { isSlbError } from '@slb/core/errors';
import { defaultRoutingTable, parseRoutingTable, routeAlert, type RoutingProblem } from './routing-table.js';

const receivers = [
  { name: 'am', type: 'alertmanager', url: 'http://am:9093' },
  { name: 'pager', type: 'webhook', url: 'https://pager.example/hook', headers: { authorization: 'Bearer t' } },
  { name: 'checkout-team', type: 'webhook', url: 'http://chat.example/checkout' },
];

const table = parseRoutingTable({
  receivers,
  routes: [
    { match: { severity: 'critical' }, receivers: ['am', 'pager'], continue: true },
    { match: { service: ['checkout', 'cart'] }, receivers: ['checkout-team'] },
    { match: { severity: ['warning'], alertname: 'CONSUMER_LAG' }, receivers: ['am'] },
    { match: { severity: 'info' }, receivers: [] },
  ],
  default: ['am'],
});

describe('routeAlert', () => {
  it.each([
    ['critical on checkout: first rule continues into the second', { severity: 'CRITICAL', serviceId: 'checkout', name: 'INSTANCE_EJECTED' }, ['am', 'pager', 'checkout-team'], [0, 1]],
    ['critical elsewhere: only the first rule', { severity: 'CRITICAL', serviceId: 'search', name: 'INSTANCE_EJECTED' }, ['am', 'pager'], [0]],
    ['warning on cart: the service rule stops the walk', { severity: 'WARNING', serviceId: 'cart', name: 'CONSUMER_LAG' }, ['checkout-team'], [1]],
    ['warning lag elsewhere: severity and alertname rule', { severity: 'WARNING', serviceId: 'search', name: 'CONSUMER_LAG' }, ['am'], [2]],
    ['info: matched by a rule that drops it', { severity: 'INFO', serviceId: 'search', name: 'PROXY_STALE' }, [], [3]],
    ['nothing matches: the default', { severity: 'WARNING', serviceId: 'search', name: 'PROXY_STALE' }, ['am'], []],
  ] as const)('%s', (_name, alert, expected, rules) => {
    expect(routeAlert(table, alert)).toEqual({ receivers: expected, matchedRules: rules });
  });

  it('without a routes file sends everything to ALERTMANAGER_URL', () => {
    const t = defaultRoutingTable('http://am:9093');
    expect(routeAlert(t, { severity: 'INFO', serviceId: 'x', name: 'DEAD_LETTER' }).receivers).toEqual(['alertmanager']);
    expect(t.receivers.get('alertmanager')).toEqual({ name: 'alertmanager', type: 'alertmanager', url: 'http://am:9093' });
  });
});

describe('parseRoutingTable', () => {
  it('takes an alertmanager receiver’s url from ALERTMANAGER_URL when it names none', () => {
    const t = parseRoutingTable({ receivers: [{ name: 'am', type: 'alertmanager' }], default: ['am'] }, { alertmanagerUrl: 'http://env-am:9093' });
    expect(t.receivers.get('am')).toEqual({ name: 'am', type: 'alertmanager', url: 'http://env-am:9093' });
  });

  it('accepts severities in any case and a single string for a list', () => {
    const t = parseRoutingTable({ receivers, routes: [{ match: { severity: 'Critical', service: 'x' }, receivers: ['am'] }] });
    expect(t.routes[0]?.match).toEqual({ severity: ['CRITICAL'], service: ['x'] });
    expect(t.defaultReceivers).toEqual([]);
  });

  const problemsOf = (doc: unknown, options = {}): RoutingProblem[] => {
    try {
      parseRoutingTable(doc, options);
    } catch (error) {
      if (isSlbError(error, 'SLB_ALERT_ROUTES_INVALID')) return error.details?.problems as RoutingProblem[];
      throw error;
    }
    throw new Error('expected SLB_ALERT_ROUTES_INVALID');
  };

  it.each([
    ['not an object', 'nope', [{ path: '', message: expect.stringContaining('must be an object') }]],
    ['no receivers', { routes: [] }, [{ path: 'receivers', message: 'must be a non-empty list' }]],
    ['unknown top-level field', { receivers, defaults: ['am'] }, [{ path: 'defaults', message: expect.stringContaining('unknown field') }]],
    [
      'every receiver problem at once',
      {
        receivers: [
          { name: 'a', type: 'pagerduty', url: 'http://x' },
          { name: 'b', type: 'webhook' },
          { name: 'c', type: 'webhook', url: 'ftp://x' },
          { name: 'd', type: 'alertmanager' },
          { name: 'e', type: 'alertmanager', url: 'http://x', headers: { a: 'b' } },
          { name: 'b', type: 'webhook', url: 'http://y', headers: { n: 1 } },
          { name: 'bad name', type: 'webhook', url: 'http://z', token: 'x' },
        ],
      },
      [
        { path: 'receivers[0].type', message: expect.stringContaining('"pagerduty"') },
        { path: 'receivers[1].url', message: 'must be an http(s) URL' },
        { path: 'receivers[2].url', message: expect.stringContaining('"ftp:"') },
        { path: 'receivers[3].url', message: 'required (or set ALERTMANAGER_URL)' },
        { path: 'receivers[4].headers', message: 'only webhook receivers take headers' },
        { path: 'receivers[5].name', message: 'duplicate receiver "b"' },
        { path: 'receivers[5].headers.n', message: 'must be a string' },
        { path: 'receivers[6].token', message: expect.stringContaining('unknown field') },
        { path: 'receivers[6].name', message: expect.stringContaining('must be a name') },
      ],
    ],
    [
      'every route problem at once',
      {
        receivers,
        routes: [
          { match: { severity: ['critical', 'page'] }, receivers: ['am', 'nobody', 'am'] },
          { match: { service: [], zone: 'a' }, receivers: 'am', continue: 'yes' },
          'x',
        ],
        default: ['ghost'],
      },
      [
        { path: 'routes[0].match.severity[1]', message: expect.stringContaining('"page" is not one of critical, warning, info') },
        { path: 'routes[0].receivers[1]', message: expect.stringContaining('unknown receiver "nobody"') },
        { path: 'routes[0].receivers[2]', message: 'receiver "am" listed twice' },
        { path: 'routes[1].match.zone', message: expect.stringContaining('unknown field') },
        { path: 'routes[1].match.service', message: 'must be a string or a non-empty list of strings' },
        { path: 'routes[1].receivers', message: expect.stringContaining('must be a list of receiver names') },
        { path: 'routes[1].continue', message: 'must be true or false' },
        { path: 'routes[2]', message: expect.stringContaining('must be an object') },
        { path: 'default[0]', message: expect.stringContaining('unknown receiver "ghost"') },
      ],
    ],
  ])('%s', (_name, doc, expected) => {
    expect(problemsOf(doc)).toEqual(expected);
  });

  it('names every problem in the error message too', () => {
    expect(() => parseRoutingTable({ receivers: [{ name: 'a', type: 'webhook' }], default: ['z'] })).toThrow(
      /receivers\[0\]\.url: must be an http\(s\) URL; default\[0\]: unknown receiver "z"/,
    );
  });
});
