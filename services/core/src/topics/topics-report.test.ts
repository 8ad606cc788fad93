import { describe, expect, it } from 'vitest';
import { TOPICS_EXIT, topicsOutcome } from './topics-report.js';

const empty = { created: [], unchanged: [], drift: [], missing: [] };

describe('topicsOutcome (what init-topics prints and how it exits)', () => {
  it.each([
    ['init, all created', 'init', { ...empty, created: ['alerts', 'audit-logs'] }, TOPICS_EXIT.ok, 'created 2, unchanged 0, drift 0, missing 0'],
    ['init, second run is a no-op', 'init', { ...empty, unchanged: ['alerts'] }, TOPICS_EXIT.ok, 'created 0, unchanged 1, drift 0, missing 0'],
    ['check, a topic missing', 'check', { ...empty, missing: ['alerts'] }, TOPICS_EXIT.missing, 'created 0, unchanged 0, drift 0, missing 1'],
    [
      'drift wins over missing',
      'check',
      { ...empty, missing: ['a'], drift: [{ topic: 'b', setting: 'partitions', expected: '3', actual: '1' }] },
      TOPICS_EXIT.drift,
      'created 0, unchanged 0, drift 1, missing 1',
    ],
  ] as const)('%s', (_label, command, report, exitCode, summary) => {
    const outcome = topicsOutcome(command, { ...report, created: [...report.created], unchanged: [...report.unchanged], drift: [...report.drift] });
    expect(outcome.exitCode).toBe(exitCode);
    expect(outcome.text.split('\n')).toContain(summary);
  });

  it('prints drift as an aligned table, one row per differing setting, and exits 3', () => {
    const outcome = topicsOutcome('init', {
      created: [],
      unchanged: ['health-status'],
      missing: [],
      drift: [
        { topic: 'alerts', setting: 'retention.ms', expected: '2592000000', actual: '1000' },
        { topic: 'alerts', setting: 'partitions', expected: '3', actual: '1' },
        { topic: 'routing-decisions', setting: 'cleanup.policy', expected: 'compact', actual: 'delete' },
      ],
    });
    expect(outcome.exitCode).toBe(3);
    const lines = outcome.text.split('\n');
    expect(lines).toContain('  DRIFT      alerts');
    expect(lines).toContain('  DRIFT      routing-decisions');
    expect(lines).toContain('created 0, unchanged 1, drift 2, missing 0');
    const header = lines.findIndex((l) => l.trim().startsWith('topic '));
    expect(lines.slice(header, header + 4)).toEqual([
      '  topic              setting         expected    actual',
      '  alerts             retention.ms    2592000000  1000',
      '  alerts             partitions      3           1',
      '  routing-decisions  cleanup.policy  compact     delete',
    ]);
  });
});
