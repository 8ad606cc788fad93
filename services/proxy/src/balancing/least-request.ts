import type { EndpointState } from './endpoint-state.js';
import { sampleDistinct, type PickInput, type Picker } from './picker.js';
import { smoothWeightedStep } from './smooth-weighted.js';

/**
 * Envoy's LEAST_REQUEST. Equal weights: power of `choiceCount` choices (draw that many at
 * random, keep the one with the fewest requests in flight) — nearly as good as a full scan,
 * and without the herding a full scan causes across many proxies. Different weights (also
 * during slow start): a weighted schedule whose weights are recomputed on every pick as
 * weight / (inFlight + 1)^bias; Envoy uses an EDF scheduler, here smooth WRR plays that role.
 */
export function createLeastRequestPicker(choiceCount: number, activeRequestBias: number, random: () => number): Picker {
  return {
    pick({ candidates, equalWeights }: PickInput): EndpointState {
      if (candidates.length === 1) return candidates[0] as EndpointState;
      if (equalWeights) {
        let best: EndpointState | undefined;
        for (const c of sampleDistinct(candidates, choiceCount, random)) {
          if (best === undefined || c.inFlight < best.inFlight) best = c;
        }
        return best as EndpointState;
      }
      // bias 1 (the default) is a plain division; pow costs more on the per-request path.
      if (activeRequestBias === 1) for (const c of candidates) c.pickWeight = c.weight / (c.inFlight + 1);
      else for (const c of candidates) c.pickWeight = c.weight / Math.pow(c.inFlight + 1, activeRequestBias);
      return smoothWeightedStep(candidates);
    },
  };
}
