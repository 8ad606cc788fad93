import { describe, expect, it } from 'vitest';
import { admit, AdmissionBoard, resolveAdmissionLimits, type InstanceUsage } from './admission-limits.js';

const limits = resolveAdmissionLimits({ maxConnections: 4, maxPending: 2, maxInFlight: 8 });

describe('per-instance limits', () => {
  const cases: { usage: InstanceUsage; limit?: string; reason?: string }[] = [
    { usage: { connections: 0, pending: 0, inFlight: 0 } },
    { usage: { connections: 4, pending: 0, inFlight: 3 } },
    // All connections busy at the connection limit: the request may wait (pending 1 < 2).
    { usage: { connections: 4, pending: 1, inFlight: 4 } },
    { usage: { connections: 4, pending: 0, inFlight: 8 }, limit: 'max-in-flight', reason: 'instance i1 is at its in-flight requests limit (8/8)' },
    { usage: { connections: 4, pending: 2, inFlight: 4 }, limit: 'max-pending', reason: 'instance i1 is at its pending requests limit (2/2)' },
  ];
  it.each(cases)('$usage -> $limit', ({ usage, limit, reason }) => {
    const a = admit('i1', usage, limits);
    if (limit === undefined) expect(a).toEqual({ admitted: true });
    else expect(a).toMatchObject({ admitted: false, limit, reason });
  });

  it('refuses for connections only when requests may not wait', () => {
    const noQueue = resolveAdmissionLimits({ maxConnections: 4, maxPending: 0, maxInFlight: 8 });
    expect(admit('i1', { connections: 4, pending: 0, inFlight: 4 }, noQueue)).toMatchObject({
      admitted: false,
      limit: 'max-connections',
      reason: 'instance i1 is at its connections limit (4/4)',
    });
    expect(admit('i1', { connections: 4, pending: 0, inFlight: 3 }, noQueue)).toEqual({ admitted: true });
    expect(admit('i1', { connections: 2, pending: 0, inFlight: 2 }, noQueue)).toEqual({ admitted: true });
  });

  it('defaults to Envoy’s 1024 and rejects negative limits', () => {
    expect(resolveAdmissionLimits()).toEqual({ maxConnections: 1024, maxPending: 1024, maxInFlight: 1024 });
    expect(() => resolveAdmissionLimits({ maxInFlight: -1 })).toThrow(/maxInFlight must be an integer >= 0/);
  });
});

describe('admission board', () => {
  it('reports open and close transitions once each', () => {
    const board = new AdmissionBoard();
    const full = admit('i1', { connections: 1, pending: 0, inFlight: 8 }, limits);
    const ok = admit('i1', { connections: 1, pending: 0, inFlight: 0 }, limits);
    expect(board.observe('i1', ok)).toBeUndefined();
    expect(board.observe('i1', full)).toBe('opened');
    expect(board.observe('i1', full)).toBeUndefined();
    expect(board.isAtLimit('i1')).toBe(true);
    expect([...board.atLimit()]).toEqual([['i1', 'max-in-flight']]);
    expect(board.observe('i1', ok)).toBe('closed');
    expect(board.isAtLimit('i1')).toBe(false);
  });
});
