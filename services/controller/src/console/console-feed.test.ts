import { describe, expect, it, vi } from 'vitest';
import type { EventBus } from '@slb/core';
import { startConsoleFeed } from './console-feed.js';
import { ConsoleModel } from './console-model.js';
import { configUpdate } from '../../../../test/console/console-events.js';

/** A bus whose latest views are maps the test edits (a tombstone = a key taken out, reported through onRemove). */
function fakeBus() {
  const views = new Map<string, { map: Map<string, unknown>; onChange: (key: string, value: unknown) => void; onRemove?: (key: string) => void }>();
  const bus = {
    watchLatest: async (topic: string, onChange: (key: string, value: unknown) => void, onRemove?: (key: string) => void) => {
      const map = new Map<string, unknown>();
      views.set(topic, { map, onChange, ...(onRemove === undefined ? {} : { onRemove }) });
      return { entries: () => map, get: (k: string) => map.get(k), caughtUp: Promise.resolve(), close: async () => undefined };
    },
    subscribe: async () => ({ stop: async () => undefined }),
  } as unknown as EventBus;
  const deliver = (topic: string, key: string, value: unknown) => {
    const v = views.get(topic)!;
    v.map.set(key, value);
    v.onChange(key, value);
  };
  const tombstone = (topic: string, key: string) => {
    const v = views.get(topic)!;
    if (v.map.delete(key)) v.onRemove?.(key);
  };
  return { bus, deliver, tombstone };
}

describe('console feed', () => {
  it('a tombstone on config-updates removes the service from the console', async () => {
    const { bus, deliver, tombstone } = fakeBus();
    const model = new ConsoleModel();
    let changes = 0;
    const feed = await startConsoleFeed({ bus, groupId: 'g', model, onChange: () => void (changes += 1), logger: { warn: () => undefined } });
    deliver('config-updates', 'a', configUpdate('a', 4, ['a-1']));
    deliver('config-updates', 'b', configUpdate('b', 1, ['b-1']));
    expect(model.snapshot(1).services.map((s) => s.serviceId)).toEqual(['a', 'b']);
    const before = changes;
    tombstone('config-updates', 'a');
    await vi.waitFor(() => expect(model.snapshot(2).services.map((s) => s.serviceId)).toEqual(['b']));
    expect(changes).toBe(before + 1);
    // Re-created at a lower version.
    deliver('config-updates', 'a', configUpdate('a', 1, ['a-1']));
    expect(model.snapshot(3).services.map((s) => s.serviceId)).toEqual(['a', 'b']);
    await feed.stop();
  });
});
