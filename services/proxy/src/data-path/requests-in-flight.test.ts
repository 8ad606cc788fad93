import { describe, expect, it } from 'vitest';
import { RequestsInFlight, type InFlightLinks } from './requests-in-flight.js';

class Req implements InFlightLinks<Req> {
  prevInFlight: Req | undefined = undefined;
  nextInFlight: Req | undefined = undefined;
  constructor(readonly id: string) {}
}

function listOf(list: RequestsInFlight<Req>): string[] {
  const ids: string[] = [];
  list.forEach((r) => ids.push(r.id));
  return ids;
}

describe('RequestsInFlight: the requests in flight, linked through the requests themselves', () => {
  const cases: Array<{ name: string; add: string[]; remove: string[]; left: string[] }> = [
    { name: 'none', add: [], remove: [], left: [] },
    { name: 'newest first', add: ['a', 'b', 'c'], remove: [], left: ['c', 'b', 'a'] },
    { name: 'the newest removed', add: ['a', 'b', 'c'], remove: ['c'], left: ['b', 'a'] },
    { name: 'one in the middle removed', add: ['a', 'b', 'c'], remove: ['b'], left: ['c', 'a'] },
    { name: 'the oldest removed', add: ['a', 'b', 'c'], remove: ['a'], left: ['c', 'b'] },
    { name: 'all removed', add: ['a', 'b', 'c'], remove: ['b', 'c', 'a'], left: [] },
    { name: 'removed twice: the second time does nothing', add: ['a', 'b'], remove: ['a', 'a'], left: ['b'] },
    { name: 'the only one removed twice', add: ['a'], remove: ['a', 'a'], left: [] },
    { name: 'never added: nothing happens', add: ['a'], remove: ['x'], left: ['a'] },
  ];
  it.each(cases)('$name', ({ add, remove, left }) => {
    const list = new RequestsInFlight<Req>();
    const reqs = new Map([...add, ...remove].map((id) => [id, new Req(id)]));
    for (const id of add) list.add(reqs.get(id)!);
    for (const id of remove) list.remove(reqs.get(id)!);
    expect(listOf(list)).toEqual(left);
    expect(list.size).toBe(left.length);
  });

  it('a request may leave the list while the walk is at it (it ends when its try is cut)', () => {
    const list = new RequestsInFlight<Req>();
    const reqs = ['a', 'b', 'c', 'd'].map((id) => new Req(id));
    for (const r of reqs) list.add(r);
    const seen: string[] = [];
    list.forEach((r) => {
      seen.push(r.id);
      if (r.id !== 'c') list.remove(r);
    });
    expect(seen).toEqual(['d', 'c', 'b', 'a']);
    expect(listOf(list)).toEqual(['c']);
  });
});
