import { describe, expect, it } from 'vitest';
import type { ConfigUpdate } from '@slb/core';
import { latestFromRecords, type TopicRecord } from './topic-reader.js';

let offset = 0;
const config = (serviceId: string, version: number, extra: Partial<TopicRecord<'config-updates'>> = {}): TopicRecord<'config-updates'> => ({
  topic: 'config-updates',
  key: serviceId,
  partition: 0,
  offset: offset++,
  timestamp: 0,
  headers: {},
  value: { serviceId, version } as unknown as ConfigUpdate,
  raw: Buffer.from('x'),
  ...extra,
});
const tombstone = (serviceId: string): TopicRecord<'config-updates'> => ({ topic: 'config-updates', key: serviceId, partition: 0, offset: offset++, timestamp: 0, headers: {}, raw: null });
const versionsOf = (records: TopicRecord<'config-updates'>[]) => Object.fromEntries([...latestFromRecords(records)].map(([k, v]) => [k, v.version]));

describe('latestFromRecords (per-key state as the fleet builds it)', () => {
  it.each([
    ['the highest version wins, not the last record read', [config('a', 7), config('a', 50), config('a', 8)], { a: 50 }],
    ['of equal versions the first written stays (a later one is a replay)', [config('a', 3, { headers: { first: '1' } }), config('a', 3)], { a: 3 }],
    ['a tombstone removes the key', [config('a', 3), tombstone('a')], {}],
    ['after a tombstone the next record counts', [config('a', 9), tombstone('a'), config('a', 2)], { a: 2 }],
    ['a record on the wrong partition changes nothing', [config('a', 2), { ...config('a', 100), value: undefined, misplaced: true, error: { code: 'SLB_EVENT_INVALID', message: 'wrong partition' } }], { a: 2 }],
    ['an undecodable record changes nothing', [config('a', 2), { ...config('a', 100), value: undefined, error: { code: 'SLB_EVENT_UNDECODABLE', message: 'x' } }], { a: 2 }],
    ['keys are independent', [config('a', 5), config('b', 1), config('a', 4)], { a: 5, b: 1 }],
  ] as const)('%s', (_name, records, expected) => {
    expect(versionsOf([...records])).toEqual(expected);
  });

  it('keeps the first of equal versions', () => {
    const first = config('a', 3, { headers: { first: '1' } });
    expect(latestFromRecords([first, config('a', 3)]).get('a')).toBe(first.value);
  });
});
