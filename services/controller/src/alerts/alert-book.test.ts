import { describe, expect, it } from 'vitest';
import { createServiceState, decide } from '../decisions/decide.js';
import { decisionPolicy } from '../decisions/decision-policy.js';
import { createAlertBook, DEFAULT_ALERT_POLICY, updateAlerts, type AlertUpdate } from './alert-book.js';
import { configSignal, consumerLagSignal, decisionSignals, metricSignals, proxyStaleSignals } from './conditions.js';
import { ALERT_TYPES, type AlertBookState, type AlertEvent, type AlertPolicy, type AlertSignal, type AlertType } from './types.js';

const T0 = 1_800_000_000_000;
const HOLD = DEFAULT_ALERT_POLICY.resolveHoldMs;
/** The machine without `for:` delays, so every type can be driven through the same table. */
const AT_ONCE: AlertPolicy = { ...DEFAULT_ALERT_POLICY, fireAfterMsByType: {} };

function signal(type: AlertType, active: boolean, subject: string | null = null): AlertSignal {
  return { type, serviceId: 'svc', subject, active, summary: `${type} ${active ? 'on' : 'off'}` };
}

/** Feeds a timeline of updates through the machine and collects every event. */
function run(timeline: ReadonlyArray<readonly [atMs: number, update: AlertUpdate]>, policy: AlertPolicy = AT_ONCE): { events: AlertEvent[]; state: AlertBookState } {
  let state = createAlertBook();
  const events: AlertEvent[] = [];
  for (const [at, update] of timeline) {
    const r = updateAlerts(state, update, T0 + at, policy);
    state = r.state;
    events.push(...r.events);
  }
  return { events, state };
}

const on = (type: AlertType, subject: string | null = null): AlertUpdate => ({ signals: [signal(type, true, subject)] });
const off = (type: AlertType, subject: string | null = null): AlertUpdate => ({ signals: [signal(type, false, subject)] });
const tick: AlertUpdate = { signals: [] };

describe('alert state machine', () => {
  it.each(ALERT_TYPES.filter((t) => t !== 'CONFIG_REJECTED'))('%s fires once while the condition holds and resolves after the hold', (type) => {
    const { events, state } = run([
      [0, on(type)],
      [1_000, on(type)],
      [2_000, on(type)],
      [3_000, off(type)],
      [3_000 + HOLD - 1, tick],
      [3_000 + HOLD, tick],
      [3_000 + HOLD + 5_000, off(type)],
    ]);
    expect(events.map((e) => [e.status, e.atMs - T0])).toEqual([
      ['firing', 0],
      ['resolved', 3_000 + HOLD],
    ]);
    expect(events[0]?.dedupKey).toBe(events[1]?.dedupKey);
    expect(events[1]).toMatchObject({ startsAtMs: T0, endsAtMs: T0 + 3_000 + HOLD });
    expect(state.firing.size).toBe(0);
  });

  it('keeps firing, without a new event, when the condition returns during the hold', () => {
    const { events } = run([
      [0, on('SERVICE_DEGRADED')],
      [1_000, off('SERVICE_DEGRADED')],
      [1_000 + HOLD / 2, on('SERVICE_DEGRADED')], // back before the hold ran out
      [1_000 + HOLD + 1, tick], // the old hold would have ended here
      [2_000 + HOLD, off('SERVICE_DEGRADED')],
      [2_000 + 2 * HOLD, tick],
    ]);
    expect(events.map((e) => [e.status, e.atMs - T0])).toEqual([
      ['firing', 0],
      ['resolved', 2_000 + 2 * HOLD],
    ]);
  });

  it('fires again after a resolve, as a new incident with the same dedup key', () => {
    const { events } = run([
      [0, on('ERROR_RATE_HIGH')],
      [1, off('ERROR_RATE_HIGH')],
      [1 + HOLD, tick],
      [2 + HOLD, on('ERROR_RATE_HIGH')],
    ]);
    expect(events.map((e) => e.status)).toEqual(['firing', 'resolved', 'firing']);
    expect(new Set(events.map((e) => e.dedupKey)).size).toBe(1);
    expect(events.map((e) => e.sequence)).toEqual([1, 2, 3]);
  });

  it.each([
    // [case, timeline of ERROR_RATE_HIGH signals (ms, on/off), events expected (status @ ms)]
    ['one window over the threshold pages no one', [[0, true], [5_000, false], [10_000, false]], []],
    ['three windows in a row fire, at the third', [[0, true], [5_000, true], [10_000, true]], ['firing@10000']],
    ['a break restarts the count', [[0, true], [5_000, true], [7_000, false], [10_000, true], [15_000, true], [20_000, true]], ['firing@20000']],
    [
      'a blip right after a resolve does not fire again',
      [[0, true], [5_000, true], [10_000, true], [11_000, false], [11_000 + HOLD, false], [11_000 + HOLD + 2_000, true], [11_000 + HOLD + 5_000, false]],
      ['firing@10000', `resolved@${11_000 + HOLD}`],
    ],
  ] as const)('ERROR_RATE_HIGH with the default for: %s', (_name, timeline, expected) => {
    const { events, state } = run(
      timeline.map(([at, active]) => [at, active ? on('ERROR_RATE_HIGH') : off('ERROR_RATE_HIGH')] as const),
      DEFAULT_ALERT_POLICY,
    );
    expect(events.map((e) => `${e.status}@${e.atMs - T0}`)).toEqual(expected);
    if (timeline.at(-1)?.[1] === false) expect(state.pending?.size ?? 0).toBe(0);
  });

  it('every instance failing, the scores catching up one at a time: one page, NO_HEALTHY_INSTANCES', () => {
    const sig = (type: AlertType, active: boolean, subject: string | null = null): AlertSignal => ({ type, serviceId: 'svc', subject, active, summary: type });
    const { events } = run(
      [
        // 1.95 s: the first instance's scores fell: "2 of 3 healthy"
        [1_950, { signals: [sig('SERVICE_DEGRADED', true), sig('NO_HEALTHY_INSTANCES', false)] }],
        // 3.15 s: all three
        [3_150, { signals: [sig('INSTANCE_EJECTED', true, 'u1'), sig('SERVICE_DEGRADED', true), sig('NO_HEALTHY_INSTANCES', true)] }],
        [15_000, { signals: [sig('INSTANCE_EJECTED', true, 'u1'), sig('SERVICE_DEGRADED', true), sig('NO_HEALTHY_INSTANCES', true)] }],
      ],
      DEFAULT_ALERT_POLICY,
    );
    expect(events.map((e) => `${e.status} ${e.type}@${e.atMs - T0}`)).toEqual(['firing NO_HEALTHY_INSTANCES@3150']);
  });

  it('a scope that no longer reports a pending condition drops it', () => {
    const scope = { serviceId: 'svc', types: ['ERROR_RATE_HIGH'] as AlertType[] };
    const { events, state } = run([[0, on('ERROR_RATE_HIGH')], [5_000, { signals: [], scopes: [scope] }], [10_000, on('ERROR_RATE_HIGH')]], DEFAULT_ALERT_POLICY);
    expect(events).toEqual([]);
    expect(state.pending?.get('ERROR_RATE_HIGH/svc/-')?.sinceMs).toBe(T0 + 10_000);
  });

  it('one page when no instance is healthy: the symptoms are inhibited while it fires, and page after it resolved if still there', () => {
    const sig = (type: AlertType, active: boolean, serviceId = 'svc', subject: string | null = null): AlertSignal => ({ type, serviceId, subject, active, summary: type });
    const allFailing = { signals: [sig('INSTANCE_EJECTED', true, 'svc', 'i1'), sig('SERVICE_DEGRADED', true), sig('NO_HEALTHY_INSTANCES', true), sig('SERVICE_DEGRADED', true, 'other')] };
    const { events } = run(
      [
        [0, allFailing],
        [5_000, { signals: [sig('ERROR_RATE_HIGH', true)] }],
        [15_000, { signals: [sig('ERROR_RATE_HIGH', true)] }],
        [20_000, { signals: [sig('NO_HEALTHY_INSTANCES', false), sig('SERVICE_DEGRADED', true)] }],
        [20_000 + HOLD, { signals: [sig('SERVICE_DEGRADED', true)] }],
      ],
      AT_ONCE, // inhibition alone, without the for: delays
    );
    expect(events.map((e) => `${e.status} ${e.type} ${e.serviceId}@${e.atMs - T0}`)).toEqual([
      'firing NO_HEALTHY_INSTANCES svc@0',
      // another service is not inhibited
      'firing SERVICE_DEGRADED other@0',
      // the inhibitor is clearing (no longer a source), so the symptom still there fires as it resolves
      `firing SERVICE_DEGRADED svc@${20_000 + HOLD}`,
      `resolved NO_HEALTHY_INSTANCES svc@${20_000 + HOLD}`,
    ]);
  });

  it('keeps subjects apart: one alert per instance', () => {
    const { events } = run([
      [0, { signals: [signal('INSTANCE_EJECTED', true, 'i1'), signal('INSTANCE_EJECTED', true, 'i2')] }],
      [1_000, { signals: [signal('INSTANCE_EJECTED', true, 'i1'), signal('INSTANCE_EJECTED', true, 'i2')] }],
    ]);
    expect(events.map((e) => e.dedupKey)).toEqual(['INSTANCE_EJECTED/svc/i1', 'INSTANCE_EJECTED/svc/i2']);
  });

  it('treats a subject missing from a complete scope as cleared', () => {
    const scope = { serviceId: 'svc', types: ['INSTANCE_EJECTED'] as AlertType[] };
    const { events } = run([
      [0, { signals: [signal('INSTANCE_EJECTED', true, 'i1')], scopes: [scope] }],
      [1_000, { signals: [], scopes: [scope] }],
      [1_000 + HOLD, tick],
    ]);
    expect(events.map((e) => [e.status, e.subject])).toEqual([
      ['firing', 'i1'],
      ['resolved', 'i1'],
    ]);
  });

  it('resolves CONFIG_REJECTED as soon as a later version is accepted', () => {
    const { events } = run([
      [0, { signals: [configSignal({ key: 'svc', version: 7, accepted: false, reason: 'empty instance list' })] }],
      [500, { signals: [configSignal({ key: 'svc', version: 8, accepted: false, reason: 'bad timeout' })] }],
      [1_000, { signals: [configSignal({ key: 'svc', version: 9, accepted: true })] }],
    ]);
    expect(events.map((e) => [e.type, e.status, e.atMs - T0])).toEqual([
      ['CONFIG_REJECTED', 'firing', 0],
      ['CONFIG_REJECTED', 'resolved', 1_000],
    ]);
    expect(events[0]?.summary).toContain('empty instance list');
  });
});

describe('alert conditions', () => {
  it('derive INSTANCE_EJECTED, SERVICE_DEGRADED and NO_HEALTHY_INSTANCES from decisions, then resolve on recovery', () => {
    let s = createServiceState('svc', decisionPolicy({ minEjectionMs: 0, returnAfterWindows: 1 }));
    let book = createAlertBook();
    const events: AlertEvent[] = [];
    const names = ['a', 'b', 'c', 'd'];
    const feed = (k: number, scores: Record<string, number>): void => {
      const now = T0 + k * 1_000;
      const r = decide(s, { scores: names.map((n) => ({ instanceId: n, score: scores[n] ?? 0.95, windowStartMs: now - 1_000, windowEndMs: now })) }, now);
      s = r.state;
      const { signals, scope } = decisionSignals(r.state.lastDecision ?? (r.decision as never));
      const u = updateAlerts(book, { signals, scopes: [scope] }, now);
      book = u.state;
      events.push(...u.events);
    };
    for (let k = 1; k <= 5; k += 1) feed(k, { a: 0.05 }); // a ejected at k=2, fires once
    for (let k = 6; k <= 10; k += 1) feed(k, { a: 0, b: 0, c: 0, d: 0 }); // everything down
    for (let k = 11; k <= 80; k += 1) feed(k, {}); // recovery
    const fired = events.filter((e) => e.status === 'firing').map((e) => e.dedupKey);
    const resolved = events.filter((e) => e.status === 'resolved').map((e) => e.dedupKey);
    // Everything down is one page (NO_HEALTHY_INSTANCES): b's ejection and SERVICE_DEGRADED are
    // inhibited while it fires, and are gone by the time it resolves.
    expect(fired.sort()).toEqual(['INSTANCE_EJECTED/svc/a', 'NO_HEALTHY_INSTANCES/svc/-']);
    expect(resolved.sort()).toEqual(fired.sort());
    expect(events.find((e) => e.type === 'INSTANCE_EJECTED')?.evidence).toMatchObject({ instance: { instanceId: 'a', score: 0.05 } });
  });

  it.each([
    // [requests, errorRate, p95, slo, expected active types]
    [1_000, 0.2, 50, 100, ['ERROR_RATE_HIGH']],
    [1_000, 0.01, 150, 100, ['LATENCY_SLO_BREACH']],
    [1_000, 0.01, 150, null, []],
    [5, 0.9, 500, 100, null], // too little traffic: no opinion either way
  ] as const)('metric signals: %i requests, %d errors, p95 %d, slo %s', (requests, errorRate, p95Ms, sloP95Ms, expected) => {
    const signals = metricSignals({ serviceId: 'svc', windowStartMs: 0, windowEndMs: 5_000, requests, errorRate, p95Ms }, { sloP95Ms, errorRateHigh: 0.05, minRequests: 20 });
    if (expected === null) expect(signals).toEqual([]);
    else expect(signals.filter((x) => x.active).map((x) => x.type)).toEqual(expected);
  });

  it.each([
    // [applied version, ms since publication, stale]
    [5, 60_000, false],
    [4, 1_000, false], // within the grace
    [4, 10_001, true],
    [null, 10_001, true],
  ] as const)('PROXY_STALE: applied %s, published %i ms ago -> %s', (appliedVersion, ago, stale) => {
    const { signals } = proxyStaleSignals({ key: 'svc', version: 5, publishedAtMs: T0 }, [{ proxyId: 'p1', appliedVersion }], 10_000, T0 + ago);
    expect(signals[0]).toMatchObject({ type: 'PROXY_STALE', subject: 'p1', active: stale });
  });

  it('CONSUMER_LAG per group and partition', () => {
    const s = consumerLagSignal({ groupId: 'controller', topic: 'health-scores', partition: 2, lag: 5_000 }, 1_000);
    expect(s).toMatchObject({ type: 'CONSUMER_LAG', serviceId: '_global', subject: 'controller/health-scores/2', active: true });
    expect(consumerLagSignal({ groupId: 'g', topic: 't', partition: 0, lag: 10 }, 1_000).active).toBe(false);
  });
});
