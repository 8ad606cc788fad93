import { describe, expect, it } from 'vitest';
import { assignCoPartitioned } from './co-partition-assigner.js';

const THREE = { 'service-metrics': [0, 1, 2], 'health-status': [0, 1, 2] };

describe('co-partitioned assignment keeps partition N of every topic on one member', () => {
  it.each<{ name: string; members: string[]; topics: Record<string, number[]>; expected: Record<string, Record<string, number[]>> }>([
    { name: 'one member owns everything', members: ['a'], topics: THREE, expected: { a: THREE } },
    {
      name: 'two members split the partition numbers',
      members: ['b', 'a'],
      topics: THREE,
      expected: { a: { 'service-metrics': [0, 2], 'health-status': [0, 2] }, b: { 'service-metrics': [1], 'health-status': [1] } },
    },
    {
      name: 'three members get one number each',
      members: ['c', 'a', 'b'],
      topics: THREE,
      expected: {
        a: { 'service-metrics': [0], 'health-status': [0] },
        b: { 'service-metrics': [1], 'health-status': [1] },
        c: { 'service-metrics': [2], 'health-status': [2] },
      },
    },
    {
      name: 'more members than partitions: the extra member idles',
      members: ['a', 'b', 'c', 'd'],
      topics: THREE,
      expected: {
        a: { 'service-metrics': [0], 'health-status': [0] },
        b: { 'service-metrics': [1], 'health-status': [1] },
        c: { 'service-metrics': [2], 'health-status': [2] },
        d: {},
      },
    },
    {
      name: 'a topic with fewer partitions only contributes the ones it has',
      members: ['a', 'b'],
      topics: { x: [0, 1, 2, 3], y: [0, 1] },
      expected: { a: { x: [0, 2], y: [0] }, b: { x: [1, 3], y: [1] } },
    },
  ])('$name', ({ members, topics, expected }) => {
    expect(Object.fromEntries(assignCoPartitioned(members, topics))).toEqual(expected);
  });

  it('gives every topic-partition to exactly one member', () => {
    const plan = assignCoPartitioned(['m1', 'm2', 'm3', 'm4', 'm5'], { t1: [0, 1, 2, 3, 4, 5, 6], t2: [0, 1, 2, 3, 4, 5, 6] });
    const seen = [...plan.values()].flatMap((a) => Object.entries(a).flatMap(([t, ps]) => ps.map((p) => `${t}/${p}`)));
    expect(seen.sort()).toEqual([0, 1, 2, 3, 4, 5, 6].flatMap((p) => [`t1/${p}`, `t2/${p}`]).sort());
  });
});
