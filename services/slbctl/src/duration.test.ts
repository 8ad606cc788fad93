import { describe, expect, it } from 'vitest';
import { isSlbError } from '@slb/core';
import { formatDuration, parseDuration } from './duration.js';

describe('durations', () => {
  it.each([
    ['250', 250],
    ['500ms', 500],
    ['30s', 30_000],
    ['1.5s', 1_500],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['7d', 604_800_000],
  ])('parses %s', (text, ms) => expect(parseDuration(text, '--x')).toBe(ms));

  it.each(['', 'soon', '5 minutes', '-1s', '1w'])('refuses %j as a usage error', (text) => {
    expect(() => parseDuration(text, '--since')).toThrow(/--since: .* is not a duration/);
    try {
      parseDuration(text, '--since');
    } catch (error) {
      expect(isSlbError(error, 'SLB_CLI_USAGE')).toBe(true);
    }
  });

  it.each([
    [412, '412ms'],
    [3_000, '3.00s'],
    [12_345, '12.3s'],
    [125_000, '2m5s'],
    [7_260_000, '2h1m'],
  ])('formats %d ms as %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});
