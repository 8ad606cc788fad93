import { describe, expect, it } from 'vitest';
import { createInProcessBus, isSlbError } from '@slb/core';
import { DEFAULT_FLUSH_DELAY_MS, resolveConsoleOptions, type ConsoleOptions } from './console-options.js';

const bus = createInProcessBus();

describe('resolveConsoleOptions', () => {
  it('fills defaults and freezes the result', () => {
    const resolved = resolveConsoleOptions({ bus, groupId: 'console-1' });
    expect(resolved).toMatchObject({ groupId: 'console-1', historyWindows: 120, recentDecisions: 50, flushDelayMs: DEFAULT_FLUSH_DELAY_MS });
    expect(Object.isFrozen(resolved)).toBe(true);
  });

  it.each<{ name: string; options: Partial<Record<keyof ConsoleOptions, unknown>>; problems: string[] }>([
    { name: 'no bus', options: { bus: undefined }, problems: ['bus: must be an EventBus (subscribe and watchLatest)'] },
    { name: 'empty group', options: { groupId: ' ' }, problems: ['groupId: must be a non-empty string'] },
    { name: 'history too short', options: { historyWindows: 1 }, problems: ['historyWindows: must be an integer in [2, 10000], got 1'] },
    { name: 'fractional limit', options: { recentAudit: 2.5 }, problems: ['recentAudit: must be an integer in [1, 10000], got 2.5'] },
    { name: 'clock not a function', options: { now: 5 }, problems: ['now: must be a function returning ms since epoch'] },
    {
      name: 'every problem at once',
      options: { groupId: '', heartbeatMs: 0, maxClients: 0 },
      problems: ['groupId: must be a non-empty string', 'heartbeatMs: must be an integer in [100, 3600000], got 0', 'maxClients: must be an integer in [1, 100000], got 0'],
    },
  ])('rejects $name with SLB_CONFIG_INVALID listing every problem', ({ options, problems }) => {
    let caught: unknown;
    try {
      resolveConsoleOptions({ bus, groupId: 'g', ...options } as ConsoleOptions);
    } catch (error) {
      caught = error;
    }
    expect(isSlbError(caught, 'SLB_CONFIG_INVALID')).toBe(true);
    expect((caught as { details: { problems: string[] } }).details.problems).toEqual(problems);
  });
});
