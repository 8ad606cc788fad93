import type { EndpointState } from './endpoint-state.js';
import type { PickInput, Picker } from './picker.js';

/** Picks with probability proportional to effective weight; stateless, so no coordination. */
export function createWeightedRandomPicker(random: () => number): Picker {
  return {
    pick({ candidates, totalWeight }: PickInput): EndpointState {
      let r = random() * totalWeight;
      for (const c of candidates) {
        r -= c.weight;
        if (r < 0) return c;
      }
      // Float rounding can leave r at ~0 after the last one.
      return candidates[candidates.length - 1] as EndpointState;
    },
  };
}
