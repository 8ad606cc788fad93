import { describe, expect, it } from 'vitest';
import { CommitPoint, decodeCommitMetadata, encodeCommitMetadata } from './commit-point.js';

const SIZE = 1_000;
const MAX_AGE = 30_000;

type Step =
  | { readonly op: 'restore'; readonly kind: 'metrics' | 'status'; readonly offset: number }
  | { readonly op: 'window'; readonly start: number; readonly offset: number }
  | { readonly op: 'verdict'; readonly atMs: number; readonly offset: number }
  | { readonly op: 'consumed'; readonly kind: 'metrics' | 'status'; readonly offset: number }
  | { readonly op: 'release'; readonly watermark: number };

function run(steps: readonly Step[]): CommitPoint {
  const c = new CommitPoint();
  for (const s of steps) {
    if (s.op === 'restore') c.restore(s.kind, s.offset);
    else if (s.op === 'consumed') c.consumed(s.kind, s.offset);
    else if (s.op === 'window') {
      c.consumed('metrics', s.offset);
      c.holdWindow(s.start, s.offset);
    } else if (s.op === 'verdict') {
      c.consumed('status', s.offset);
      c.holdVerdict(s.atMs, s.offset);
    } else c.release(s.watermark, SIZE, MAX_AGE);
  }
  return c;
}

describe('the commit point never passes a record the window state still needs', () => {
  it.each<{ name: string; steps: Step[]; metrics: number | null; status: number | null }>([
    { name: 'nothing read or restored', steps: [], metrics: null, status: null },
    { name: 'restored, nothing read: the committed offset', steps: [{ op: 'restore', kind: 'metrics', offset: 40 }], metrics: 40, status: null },
    {
      name: 'records of an open window hold the offset at the oldest of them',
      steps: [
        { op: 'window', start: 0, offset: 10 },
        { op: 'window', start: 1_000, offset: 11 },
        { op: 'window', start: 0, offset: 12 },
      ],
      metrics: 10,
      status: null,
    },
    {
      name: 'once the window closes, the offset moves to the oldest record of the next open window',
      steps: [
        { op: 'window', start: 0, offset: 10 },
        { op: 'window', start: 1_000, offset: 11 },
        { op: 'window', start: 0, offset: 12 },
        { op: 'release', watermark: 1_000 },
      ],
      metrics: 11,
      status: null,
    },
    {
      name: 'every window closed: the next offset to read',
      steps: [
        { op: 'window', start: 0, offset: 10 },
        { op: 'consumed', kind: 'metrics', offset: 13 },
        { op: 'release', watermark: 5_000 },
      ],
      metrics: 14,
      status: null,
    },
    {
      name: 'a late record (consumed, not held) does not hold the offset',
      steps: [
        { op: 'window', start: 2_000, offset: 20 },
        { op: 'consumed', kind: 'metrics', offset: 21 },
        { op: 'release', watermark: 2_000 },
      ],
      metrics: 20,
      status: null,
    },
    {
      name: 'verdicts that can still count for an open window hold the status offset',
      steps: [
        { op: 'verdict', atMs: 1_000, offset: 5 },
        { op: 'verdict', atMs: 40_000, offset: 6 },
        { op: 'release', watermark: 45_000 },
      ],
      metrics: null,
      status: 6,
    },
    {
      name: 'verdicts older than the max age before the watermark are released',
      steps: [
        { op: 'verdict', atMs: 1_000, offset: 5 },
        { op: 'verdict', atMs: 2_000, offset: 6 },
        { op: 'release', watermark: 100_000 },
      ],
      metrics: null,
      status: 7,
    },
  ])('$name', ({ steps, metrics, status }) => {
    const c = run(steps);
    expect(c.offset('metrics')).toBe(metrics);
    expect(c.offset('status')).toBe(status);
  });
});

describe('commit metadata', () => {
  it('round-trips the watermark and the read position', () => {
    expect(decodeCommitMetadata(encodeCommitMetadata({ w: 1_700_000_000_000, n: 42 }))).toEqual({ w: 1_700_000_000_000, n: 42 });
  });

  it.each([null, undefined, '', 'not json', '{"w":1,"n":2}', '{"v":1,"w":"x","n":2}', '{"v":1,"w":1,"n":-1}'])('ignores foreign metadata %j', (text) => {
    expect(decodeCommitMetadata(text)).toBeNull();
  });
});
