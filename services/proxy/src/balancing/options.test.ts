import { describe, expect, it } from 'vitest';
import { isSlbError } from '@slb/core/errors';
import { createBalancer } from './create-balancer.js';
import { murmur3 } from './murmur3.js';
import { DEFAULT_PANIC_THRESHOLD_PERCENT, resolvePolicyConfig } from './options.js';
import { seededRandom } from '@slb/core/random';
import type { PolicyConfig } from './types.js';

describe('policy options', () => {
  it('fills the defaults', () => {
    const cfg = resolvePolicyConfig({ kind: 'peak-ewma' });
    expect(cfg.panicThresholdPercent).toBe(DEFAULT_PANIC_THRESHOLD_PERCENT);
    expect(cfg.peakEwma).toEqual({ decayMs: 10_000, defaultRttMs: 30, choiceCount: 2 });
    expect(cfg.slowStart).toEqual({ windowMs: 30_000, aggression: 1, minWeightPercent: 10 });
    expect(cfg.consistentHash).toEqual({ pointsPerWeight: 256, loadFactor: 1.25 });
    expect(Object.isFrozen(cfg)).toBe(true);
  });

  it('reports every problem at once as SLB_CONFIG_INVALID', () => {
    const bad = {
      kind: 'fastest',
      panicThresholdPercent: 150,
      slowStart: { aggression: 0 },
      leastRequest: { choiceCount: 1 },
      consistentHash: { loadFactor: 0.5 },
    } as unknown as PolicyConfig;
    let error: unknown;
    try {
      createBalancer(bad, { random: seededRandom(1) });
    } catch (e) {
      error = e;
    }
    expect(isSlbError(error, 'SLB_CONFIG_INVALID')).toBe(true);
    const problems = (error as { details: { problems: string[] } }).details.problems;
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).toMatch(/kind must be one of/);
    expect(problems.join('\n')).toMatch(/consistentHash.loadFactor must be 0 \(unbounded\) or >= 1/);
  });
});

describe('murmur3 (x86_32 over UTF-16LE)', () => {
  /** Reference byte-wise MurmurHash3_x86_32, to check the code-unit version against. */
  function reference(bytes: Uint8Array, seed: number): number {
    let h = seed >>> 0;
    const c1 = 0xcc9e2d51;
    const c2 = 0x1b873593;
    const n = bytes.length;
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      let k = (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0;
      k = Math.imul(k, c1);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, c2);
      h ^= k;
      h = (h << 13) | (h >>> 19);
      h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    }
    const tail = n & 3;
    let k = 0;
    if (tail >= 3) k ^= bytes[i + 2]! << 16;
    if (tail >= 2) k ^= bytes[i + 1]! << 8;
    if (tail >= 1) {
      k ^= bytes[i]!;
      k = Math.imul(k, c1);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, c2);
      h ^= k;
    }
    h ^= n;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h >>> 0;
  }

  it('matches the published vectors for empty input', () => {
    expect(murmur3('', 0)).toBe(0);
    expect(murmur3('', 1)).toBe(0x514e28b7);
    expect(reference(new Uint8Array([0x21, 0x43, 0x65, 0x87]), 0)).toBe(0xf55b516b);
  });

  it.each(['a', 'ab', 'abc', 'client-42', '203.0.113.7', 'ünïcødé ☃', 'x'.repeat(101)])('agrees with the reference for %j', (s) => {
    expect(murmur3(s, 7)).toBe(reference(new Uint8Array(Buffer.from(s, 'utf16le')), 7));
  });
});
