import { describe, expect, it } from 'vitest';
import { isSlbError } from '@slb/core/errors';
import { DEFAULT_STALL_DETECTION, anySilentPastFloor, findStalls, resolveStallDetection, silenceMs, type InstanceActivity } from './stall-detection.js';

/** An instance answering normally: nothing waiting, answered 5 ms ago, p99 20 ms over 50 answers. */
const answering = (id: string, over: Partial<InstanceActivity> = {}): InstanceActivity => ({
  id,
  unanswered: 0,
  oldestUnansweredMs: 0,
  sinceAnswerMs: 5,
  typicalMs: 20,
  samples: 50,
  ...over,
});
/** An instance with `unanswered` tries, the oldest `ageMs` old, and no answer for `silentMs`. */
const waiting = (id: string, ageMs: number, silentMs = ageMs, unanswered = 3, over: Partial<InstanceActivity> = {}): InstanceActivity =>
  answering(id, { unanswered, oldestUnansweredMs: ageMs, sinceAnswerMs: silentMs, ...over });

const fleet = (...suspects: InstanceActivity[]): InstanceActivity[] => {
  const ids = new Set(suspects.map((s) => s.id));
  return [...suspects, ...['a', 'b', 'c', 'd'].filter((id) => !ids.has(id)).map((id) => answering(id))];
};

describe('findStalls: who is stalled', () => {
  const cases: Array<{ name: string; instances: InstanceActivity[]; lateByMs?: number; stalled: string[] }> = [
    { name: 'a hung instance, silent 600 ms while three peers answer', instances: fleet(waiting('d', 600)), stalled: ['d'] },
    { name: 'one unanswered try is enough', instances: fleet(waiting('d', 600, 600, 1)), stalled: ['d'] },
    { name: 'silent just under the 500 ms floor', instances: fleet(waiting('d', 499)), stalled: [] },
    { name: 'never answered at all (a new instance that hangs)', instances: fleet(waiting('d', 700, Infinity, 2, { typicalMs: undefined, samples: 0 })), stalled: ['d'] },
    { name: 'an old try, but it answered others 10 ms ago (one long request)', instances: fleet(waiting('d', 5_000, 10)), stalled: [] },
    { name: 'silent, but nothing in flight (idle)', instances: fleet(answering('d', { sinceAnswerMs: 60_000 })), stalled: [] },
    {
      name: 'a slow service: peers p99 300 ms, silent 800 ms (threshold 3 × 300)',
      instances: ['a', 'b', 'c'].map((id) => answering(id, { typicalMs: 300 })).concat(waiting('d', 800, 800, 3, { typicalMs: 300 })),
      stalled: [],
    },
    {
      name: 'a slow service: silent 950 ms, over 3 × 300',
      instances: ['a', 'b', 'c'].map((id) => answering(id, { typicalMs: 300 })).concat(waiting('d', 950, 950, 3, { typicalMs: 300 })),
      stalled: ['d'],
    },
    { name: 'an instance that is always slow (own p99 2 s): 1.5 s is normal for it', instances: fleet(waiting('d', 1_500, 1_500, 1, { typicalMs: 2_000 })), stalled: [] },
    { name: 'one slow peer does not move the median of the peers', instances: fleet(answering('c', { typicalMs: 5_000 }), waiting('d', 600)), stalled: ['d'] },
    { name: 'every instance silent (the proxy stalled, or the whole service)', instances: ['a', 'b', 'c', 'd'].map((id) => waiting(id, 900)), stalled: [] },
    { name: 'peers idle since before it went silent: nobody contradicts it', instances: fleet(answering('a', { sinceAnswerMs: 2_000 }), answering('b', { sinceAnswerMs: 2_000 }), answering('c', { sinceAnswerMs: 2_000 }), waiting('d', 900)), stalled: [] },
    { name: 'one peer answered since: enough', instances: fleet(answering('a', { sinceAnswerMs: 2_000 }), answering('b', { sinceAnswerMs: 2_000 }), waiting('d', 900)), stalled: ['d'] },
    { name: 'two of four hung: two answering peers each, both stalled', instances: fleet(waiting('c', 700), waiting('d', 700)), stalled: ['c', 'd'] },
    { name: 'three of four silent: the one answering peer is outvoted', instances: fleet(waiting('b', 700), waiting('c', 700), waiting('d', 700)), stalled: [] },
    { name: 'the scan ran 150 ms late: the proxy itself stalled, nothing judged', instances: fleet(waiting('d', 900)), lateByMs: 150, stalled: [] },
    { name: 'a scan 80 ms late still judges', instances: fleet(waiting('d', 900)), lateByMs: 80, stalled: ['d'] },
    {
      name: 'too few answers to know what normal is',
      instances: ['a', 'b', 'c'].map((id) => answering(id, { samples: 5 })).concat(waiting('d', 900, 900, 3, { samples: 0 })),
      stalled: [],
    },
  ];
  it.each(cases)('$name', ({ instances, lateByMs, stalled }) => {
    expect(findStalls(instances, lateByMs ?? 0).map((f) => f.id)).toEqual(stalled);
  });

  it('the finding carries its evidence', () => {
    expect(findStalls(fleet(waiting('d', 640.4, 700, 4)), 0)).toEqual([
      { id: 'd', evidence: { silentMs: 640, unanswered: 4, thresholdMs: 500, typicalMs: 20, answeringPeers: 3, silentPeers: 0 } },
    ]);
  });

  it('the threshold follows the slower of its own p99 and the median of the peers', () => {
    const slowPeers = ['a', 'b', 'c'].map((id, i) => answering(id, { typicalMs: [100, 250, 400][i]! }));
    expect(findStalls([...slowPeers, waiting('d', 760)], 0).map((f) => f.evidence.thresholdMs)).toEqual([750]);
    expect(findStalls([...slowPeers, waiting('d', 760, 760, 1, { typicalMs: 300 })], 0)).toEqual([]);
  });

  it('enforcingStalled 0 turns it off', () => {
    expect(findStalls(fleet(waiting('d', 5_000)), 0, resolveStallDetection({ enforcingStalled: 0 }))).toEqual([]);
  });
});

describe('silence and the cheap pre-check', () => {
  it.each([
    ['idle', answering('x', { sinceAnswerMs: 10_000 }), 0],
    ['waiting, never answered', waiting('x', 300, Infinity), 300],
    ['waiting long, answered lately', waiting('x', 3_000, 40), 40],
  ])('%s', (_name, a, expected) => {
    expect(silenceMs(a)).toBe(expected);
  });

  it('nobody past the floor: no need to look further', () => {
    expect(anySilentPastFloor(fleet(waiting('d', 499)))).toBe(false);
    expect(anySilentPastFloor(fleet(waiting('d', 500)))).toBe(true);
  });
});

describe('stall settings', () => {
  it('defaults', () => {
    expect(resolveStallDetection()).toEqual(DEFAULT_STALL_DETECTION);
    expect(DEFAULT_STALL_DETECTION).toMatchObject({ floorMs: 500, latencyFactor: 3, latencyQuantile: 0.99 });
  });

  it('lists every bad value at once', () => {
    try {
      resolveStallDetection({ floorMs: 0, latencyQuantile: 1.5, enforcingStalled: 101 });
      expect.unreachable();
    } catch (err) {
      expect(isSlbError(err) && err.code).toBe('SLB_CONFIG_INVALID');
      expect((err as { details: { problems: string[] } }).details.problems).toHaveLength(3);
    }
  });
});
