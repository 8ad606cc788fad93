import type { EndpointState } from './endpoint-state.js';
import { sampleDistinct, type PickInput, type Picker } from './picker.js';

/**
 * Finagle's load for an instance that has requests in flight but has never answered: large,
 * so a new (or black-holing) instance gets one probe at a time until it proves itself.
 */
export const NO_DATA_PENALTY = 1e12;

/** load = latency estimate × (inFlight + 1) / weight; the penalty applies while unproven. */
export function peakEwmaLoad(s: EndpointState, nowMs: number): number {
  const base = !s.ewma.hasData && s.inFlight > 0 ? NO_DATA_PENALTY + s.inFlight : s.ewma.estimate(nowMs) * (s.inFlight + 1);
  return base / s.weight;
}

/**
 * Linkerd's balancer: power of two choices on peak-EWMA latency × (in-flight + 1). Latency and
 * concurrency together make a slow instance lose share within one slow response, and a
 * queueing one before its latency shows.
 */
export function createPeakEwmaPicker(choiceCount: number, random: () => number): Picker {
  return {
    pick({ candidates }: PickInput, _ctx, nowMs: number): EndpointState {
      if (candidates.length === 1) return candidates[0] as EndpointState;
      let best: EndpointState | undefined;
      let bestLoad = Infinity;
      for (const c of sampleDistinct(candidates, choiceCount, random)) {
        const load = peakEwmaLoad(c, nowMs);
        if (best === undefined || load < bestLoad) {
          best = c;
          bestLoad = load;
        }
      }
      return best as EndpointState;
    },
  };
}
