import { expect, it } from 'vitest';
import { SerialLane } from './serial-lane.js';

it('runs tasks one after another in submission order, a failure not blocking the next', async () => {
  const lane = new SerialLane();
  const log: string[] = [];
  let releaseFirst!: () => void;
  const first = lane.run(async () => {
    log.push('first:start');
    await new Promise<void>((r) => (releaseFirst = r));
    log.push('first:end');
    throw new Error('first failed');
  });
  const second = lane.run(async () => {
    log.push('second');
    return 2;
  });
  // The second task must not start while the first is still running.
  await Promise.resolve();
  expect(log).toEqual(['first:start']);
  releaseFirst();
  await expect(first).rejects.toThrow('first failed');
  await expect(second).resolves.toBe(2);
  expect(log).toEqual(['first:start', 'first:end', 'second']);
});
