/**
 * Each balancing policy observed end to end through the proxy, against real upstreams:
 * hit sequences and ratios, load-aware choices, hash stability.
 */
import { seededRandom } from '@slb/core';
import { afterEach, describe, expect, it } from 'vitest';
import { get, hits, load, service, startProxy, startUpstream, type Upstream } from './support.js';
import type { Proxy } from '@slb/proxy';

const running: Array<{ proxy: Proxy; ups: Upstream[] }> = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.proxy.close();
    await Promise.all(r.ups.map((u) => u.close()));
  }
});

async function setup(ids: string[], extra: Record<string, unknown>, weights: number[] = []) {
  const ups = await Promise.all(ids.map((id) => startUpstream(id)));
  const svc = service('svc', ups, extra);
  (svc.instances as Array<{ weight?: number }>).forEach((inst, i) => {
    if (weights[i] !== undefined) inst.weight = weights[i];
  });
  const { proxy, addr } = await startProxy({ services: [svc], random: seededRandom(7) });
  running.push({ proxy, ups });
  return { ups, url: `${addr.url}/svc`, proxy };
}


describe('balancing policies end to end', () => {
  const ratioCases: Array<[string, Record<string, unknown>, number[], number, Record<string, [number, number]>]> = [
    // policy, weights, requests, expected [min, max] hits per instance
    ['ROUND_ROBIN', { policy: { type: 'ROUND_ROBIN' } }, [], 30, { a: [10, 10], b: [10, 10], c: [10, 10] }],
    ['WEIGHTED_ROUND_ROBIN 1:2:3', { policy: { type: 'WEIGHTED_ROUND_ROBIN' } }, [1, 2, 3], 60, { a: [10, 10], b: [20, 20], c: [30, 30] }],
    ['RANDOM 1:1:2', { policy: { type: 'RANDOM' } }, [1, 1, 2], 200, { a: [25, 75], b: [25, 75], c: [70, 130] }],
    ['LEAST_REQUEST (idle: spreads)', { policy: { type: 'LEAST_REQUEST' } }, [], 90, { a: [15, 45], b: [15, 45], c: [15, 45] }],
  ];
  it.each(ratioCases)('%s gives the expected hit ratios', async (_name, extra, weights, n, expected) => {
    const { url } = await setup(['a', 'b', 'c'], extra, weights);
    const counts = await hits(`${url}/x`, n);
    for (const [id, [min, max]] of Object.entries(expected)) {
      expect(counts.get(id) ?? 0, `hits of ${id}`).toBeGreaterThanOrEqual(min);
      expect(counts.get(id) ?? 0, `hits of ${id}`).toBeLessThanOrEqual(max);
    }
  });

  it('ROUND_ROBIN visits instances in a fixed cycle', async () => {
    const { url } = await setup(['a', 'b'], { policy: { type: 'ROUND_ROBIN' } });
    const seq: string[] = [];
    for (let i = 0; i < 6; i++) seq.push((await get(`${url}/x`)).body);
    expect(seq.slice(2)).toEqual([seq[0], seq[1], seq[0], seq[1]]);
    expect(new Set(seq.slice(0, 2))).toEqual(new Set(['a', 'b']));
  });

  for (const policy of ['PEAK_EWMA', 'LEAST_REQUEST'] as const) {
    it(`${policy}: a slow instance loses share under load`, async () => {
      const { ups, url } = await setup(['fast', 'slow'], { policy: { type: policy } });
      const slow = ups[1]!;
      slow.handler = (_req, res) => setTimeout(() => res.end('slow'), 40);
      const traffic = load(`${url}/x`, 6);
      await new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (ups[0]!.received.length + slow.received.length >= 400) {
            clearInterval(check);
            resolve();
          }
        }, 10);
      });
      const { errors } = await traffic.stop();
      expect(errors).toEqual([]);
      const share = slow.received.length / (ups[0]!.received.length + slow.received.length);
      expect(share).toBeLessThan(0.2);
    });
  }

  it('CONSISTENT_HASH on a header: a key sticks to one instance, keys spread, removal moves only its keys', async () => {
    const { url, proxy, ups } = await setup(['a', 'b', 'c'], { policy: { type: 'CONSISTENT_HASH', hashOn: { source: 'HEADER', name: 'x-user' } } });
    const owner = new Map<string, string>();
    for (let k = 0; k < 30; k++) {
      const key = `user-${k}`;
      const first = (await get(`${url}/x`, { 'x-user': key })).body;
      for (let i = 0; i < 3; i++) expect((await get(`${url}/x`, { 'x-user': key })).body).toBe(first);
      owner.set(key, first);
    }
    expect(new Set(owner.values()).size).toBe(3);
    // Remove c: keys of a and b keep their instance.
    const next = service('svc', ups.slice(0, 2), { version: 2, policy: { type: 'CONSISTENT_HASH', hashOn: { source: 'HEADER', name: 'x-user' } } });
    expect(proxy.applyConfig(next)).toMatchObject({ applied: true });
    for (const [key, was] of owner) {
      const now = (await get(`${url}/x`, { 'x-user': key })).body;
      if (was !== 'c') expect(now).toBe(was);
      else expect(['a', 'b']).toContain(now);
    }
  });

  it('CONSISTENT_HASH on a cookie and on the client address', async () => {
    const { url } = await setup(['a', 'b', 'c'], { policy: { type: 'CONSISTENT_HASH', hashOn: { source: 'COOKIE', name: 'sid' } } });
    const first = (await get(`${url}/x`, { cookie: 'theme=dark; sid=abc123' })).body;
    for (let i = 0; i < 5; i++) expect((await get(`${url}/x`, { cookie: `sid=abc123; n=${i}` })).body).toBe(first);
    const ip = await setup(['d', 'e', 'f'], { policy: { type: 'CONSISTENT_HASH', hashOn: { source: 'CLIENT_IP', name: null } } });
    const counts = await hits(`${ip.url}/x`, 10, { 'x-forwarded-for': `9.9.9.${Math.floor(Math.random() * 200)}` });
    expect(counts.size).toBe(1);
  });
});
