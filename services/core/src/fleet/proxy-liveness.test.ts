import { describe, expect, it } from 'vitest';
import { PROXY_GONE_AFTER_MS, isProxyLive, proxyGoneAtMs, proxyLiveness } from './proxy-liveness.js';

describe('proxyLiveness: live while the last config-status is at most goneAfterMs old', () => {
  it.each([
    { name: 'reported just now', updatedAtMs: 1_000_000, nowMs: 1_000_000, goneAfterMs: undefined, expected: 'live' },
    { name: 'reported exactly the default 5 min ago', updatedAtMs: 1_000_000, nowMs: 1_000_000 + 300_000, goneAfterMs: undefined, expected: 'live' },
    { name: 'reported just over the default 5 min ago', updatedAtMs: 1_000_000, nowMs: 1_000_000 + 300_001, goneAfterMs: undefined, expected: 'gone' },
    { name: 'an hour ago', updatedAtMs: 1_000_000, nowMs: 1_000_000 + 3_600_000, goneAfterMs: undefined, expected: 'gone' },
    { name: 'a shorter window', updatedAtMs: 1_000_000, nowMs: 1_061_000, goneAfterMs: 60_000, expected: 'gone' },
    { name: 'a status from after now (clock skew) is live', updatedAtMs: 1_000_500, nowMs: 1_000_000, goneAfterMs: 60_000, expected: 'live' },
    { name: 'a zero window: only a status of this instant', updatedAtMs: 1_000_000, nowMs: 1_000_000, goneAfterMs: 0, expected: 'live' },
  ] as const)('$name: $expected', ({ updatedAtMs, nowMs, goneAfterMs, expected }) => {
    expect(proxyLiveness(updatedAtMs, nowMs, goneAfterMs)).toBe(expected);
    expect(isProxyLive(updatedAtMs, nowMs, goneAfterMs)).toBe(expected === 'live');
  });

  it('the default is 5 minutes, and goneAt is the last live instant', () => {
    expect(PROXY_GONE_AFTER_MS).toBe(300_000);
    expect(proxyGoneAtMs(10)).toBe(300_010);
    expect(proxyLiveness(10, proxyGoneAtMs(10))).toBe('live');
    expect(proxyLiveness(10, proxyGoneAtMs(10) + 1)).toBe('gone');
  });
});
