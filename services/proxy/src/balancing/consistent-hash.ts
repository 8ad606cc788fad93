import type { EndpointState } from './endpoint-state.js';
import { HashRing } from './hash-ring.js';
import { murmur3 } from './murmur3.js';
import type { PickInput, Picker } from './picker.js';
import type { PickContext } from './types.js';

interface RingEntry {
  readonly id: string;
  readonly weight: number;
  readonly state: EndpointState;
}

/**
 * Capacity of one candidate under "consistent hashing with bounded loads" (Mirrokni, Thorup,
 * Zadimoghaddam, 2016): ceil(c × (m + 1) × w / W), m being the requests in flight over all
 * candidates (+1 for the one being placed) and w / W the candidate's weight share. Because
 * the capacities sum to at least c × (m + 1) > m, some candidate always has room.
 */
export function boundedCapacity(loadFactor: number, totalInFlight: number, weight: number, totalWeight: number): number {
  return Math.ceil((loadFactor * (totalInFlight + 1) * weight) / totalWeight);
}

/**
 * Ring hash on a key the server extracts (header, cookie, client address). The ring holds
 * every configured instance with its configured weight, so health changes and decisions do
 * not rebuild it: an unavailable instance is skipped and its keys fall to the next instance
 * clockwise (exactly the keys it owned move, and they come back when it does). With a load
 * factor the walk also skips instances at capacity. Requests without a key use `fallback`.
 */
export function createConsistentHashPicker(pointsPerWeight: number, loadFactor: number, fallback: Picker): Picker {
  let ring = new HashRing<RingEntry>([], pointsPerWeight);
  return {
    rebuild(all: readonly EndpointState[]): void {
      ring = new HashRing(
        all.map((state) => ({ id: state.id, weight: state.endpoint.weight, state })),
        pointsPerWeight,
      );
    },
    pick(input: PickInput, ctx: PickContext, nowMs: number): EndpointState {
      if (ctx.hashKey === undefined || ring.size === 0) return fallback.pick(input, ctx, nowMs);
      const { candidates, totalWeight, exclude } = input;
      let totalInFlight = 0;
      for (const c of candidates) totalInFlight += c.inFlight;
      const start = ring.indexOf(murmur3(ctx.hashKey));
      let visited: Set<EndpointState> | undefined;
      for (let step = 0; step < ring.size; step++) {
        const s = ring.ownerAt(start + step).state;
        if (!s.eligible || exclude?.has(s.id) === true || visited?.has(s)) continue;
        if (loadFactor === 0 || s.inFlight < boundedCapacity(loadFactor, totalInFlight, s.weight, totalWeight)) return s;
        visited ??= new Set();
        visited.add(s);
        if (visited.size === candidates.length) break;
      }
      // Unreachable while c >= 1 (see boundedCapacity); kept so a pick never fails.
      let best = candidates[0] as EndpointState;
      for (const c of candidates) if (c.inFlight / c.weight < best.inFlight / best.weight) best = c;
      return best;
    },
  };
}
