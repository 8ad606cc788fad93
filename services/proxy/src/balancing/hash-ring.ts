import { murmur3 } from './murmur3.js';
import { MAX_RING_SIZE } from './options.js';

/**
 * A Karger ring (as Envoy's RING_HASH): each instance owns points on a 32-bit circle, a key
 * belongs to the first point clockwise from its hash. Chosen over Maglev because removing an
 * instance moves only the keys it owned (Maglev also reshuffles a few others), and because the
 * bounded-load walk "next point clockwise" is natural on a ring.
 *
 * Each instance gets round(pointsPerWeight × weight) points (at least one), named
 * `${id}_${i}`. The count depends on the instance alone, not on the others (unlike Envoy,
 * whose ring size follows the member count), so adding or removing an instance never moves
 * the points of the rest: exactly the keys that must move do. Every proxy builds the same
 * ring from the same members. Only when the total would exceed MAX_RING_SIZE are counts
 * scaled down, which gives up that guarantee for such extreme configurations.
 */
export interface RingMember {
  readonly id: string;
  readonly weight: number;
}

export class HashRing<T extends RingMember> {
  private readonly hashes: Uint32Array;
  private readonly owners: T[];

  constructor(members: readonly T[], pointsPerWeight: number) {
    const wanted = members.map((m) => Math.max(1, Math.round(pointsPerWeight * m.weight)));
    const total = wanted.reduce((a, b) => a + b, 0);
    const scale = total > MAX_RING_SIZE ? MAX_RING_SIZE / total : 1;
    const points: { hash: number; owner: T }[] = [];
    for (const [i, m] of members.entries()) {
      const count = Math.max(1, Math.floor((wanted[i] as number) * scale));
      for (let p = 0; p < count; p++) points.push({ hash: murmur3(`${m.id}_${p}`), owner: m });
    }
    // Ties (rare 32-bit collisions) are broken by id so every proxy orders them alike.
    points.sort((a, b) => a.hash - b.hash || (a.owner.id < b.owner.id ? -1 : a.owner.id > b.owner.id ? 1 : 0));
    this.hashes = Uint32Array.from(points, (p) => p.hash);
    this.owners = points.map((p) => p.owner);
  }

  get size(): number {
    return this.owners.length;
  }

  /** Index of the first point at or after `hash`, wrapping around. */
  indexOf(hash: number): number {
    let lo = 0;
    let hi = this.hashes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.hashes[mid] as number) < hash) lo = mid + 1;
      else hi = mid;
    }
    return lo === this.hashes.length ? 0 : lo;
  }

  ownerAt(index: number): T {
    return this.owners[index % this.owners.length] as T;
  }

  /** How many points each member owns (for tests and docs). */
  pointsPerMember(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const o of this.owners) counts.set(o.id, (counts.get(o.id) ?? 0) + 1);
    return counts;
  }
}
