import type { EndpointState } from './endpoint-state.js';
import type { Picker } from './picker.js';

/**
 * nginx's smooth weighted round robin (ngx_http_upstream_get_peer): every candidate's current
 * weight grows by its effective weight, the largest wins and is lowered by the total. Weights
 * 5,1,1 give a a b a c a a: the heavy instance's turns are spread out, never bunched. With all
 * weights equal it is plain round robin in configuration order.
 */
export function smoothWeightedStep(candidates: readonly EndpointState[]): EndpointState {
  let total = 0;
  let best: EndpointState | undefined;
  for (const c of candidates) {
    c.current += c.pickWeight;
    total += c.pickWeight;
    if (best === undefined || c.current > best.current) best = c;
  }
  const chosen = best as EndpointState;
  chosen.current -= total;
  return chosen;
}

export function createSmoothWeightedPicker(): Picker {
  return { pick: (input) => smoothWeightedStep(input.candidates) };
}
