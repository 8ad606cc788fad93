import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type CircuitState } from './circuit-breaker.js';

type Step = ['fail' | 'ok' | 'try', number, CircuitState, boolean?];

describe('CircuitBreaker', () => {
  it.each<[string, Step[]]>([
    ['stays closed below the threshold', [['fail', 0, 'closed'], ['fail', 1, 'closed'], ['ok', 2, 'closed'], ['fail', 3, 'closed'], ['fail', 4, 'closed']]],
    ['opens at the threshold and refuses until openMs passed', [['fail', 0, 'closed'], ['fail', 1, 'closed'], ['fail', 2, 'open'], ['try', 500, 'open', false], ['try', 1_001, 'open', false], ['try', 1_002, 'half-open', true]]],
    ['lets one trial through when half-open and closes on its success', [['fail', 0, 'closed'], ['fail', 0, 'closed'], ['fail', 0, 'open'], ['try', 1_000, 'half-open', true], ['try', 1_000, 'half-open', false], ['ok', 1_010, 'closed'], ['try', 1_011, 'closed', true]]],
    ['re-opens with a doubled wait when the trial fails', [['fail', 0, 'closed'], ['fail', 0, 'closed'], ['fail', 0, 'open'], ['try', 1_000, 'half-open', true], ['fail', 1_000, 'open'], ['try', 2_500, 'open', false], ['try', 3_000, 'half-open', true]]],
  ])('%s', (_name, steps) => {
    const breaker = new CircuitBreaker({ failureThreshold: 3, openMs: 1_000, maxOpenMs: 5_000 });
    for (const [action, now, expected, allowed] of steps) {
      if (action === 'fail') breaker.onFailure(now);
      else if (action === 'ok') breaker.onSuccess();
      else expect(breaker.tryAcquire(now)).toBe(allowed);
      expect(breaker.state).toBe(expected);
    }
  });

  it('caps the open wait at maxOpenMs and reports transitions', () => {
    const seen: string[] = [];
    const breaker = new CircuitBreaker({ failureThreshold: 1, openMs: 1_000, maxOpenMs: 3_000, onStateChange: (to, from) => seen.push(`${from}>${to}`) });
    let now = 0;
    breaker.onFailure(now);
    for (let i = 0; i < 5; i += 1) {
      now += breaker.retryInMs(now);
      expect(breaker.tryAcquire(now)).toBe(true);
      breaker.onFailure(now);
    }
    expect(breaker.retryInMs(now)).toBe(3_000);
    breaker.onSuccess();
    expect(seen.slice(0, 3)).toEqual(['closed>open', 'open>half-open', 'half-open>open']);
    expect(seen.at(-1)).toBe('open>closed');
  });
});
