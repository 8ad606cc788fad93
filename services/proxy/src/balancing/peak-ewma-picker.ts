import type { EndpointState } from './endpoint-state.js';
import { sampleDistinct, type PickInput, type Picker } from './picker.js';

/**
 * Finagle's load for an instance that has requests in flight but has never answered: large,
 * so a new (or black-holing) instance gets one probe at a time until it proves itself.
 */
export const NO_DATA_PENALTY = 1e12;

/**
 * load = latency estimate × (inFlight + 1) / weight; the penalty applies while unproven.
 * `unprovenEstimateMs` prices an instance that has never answered and has nothing in flight
 * (default: its own default-RTT estimate).
 */
export function peakEwmaLoad(s: EndpointState, nowMs: number, unprovenEstimateMs?: number): number {
  let base: number;
  if (!s.ewma.hasData && s.inFlight > 0) base = NO_DATA_PENALTY + s.inFlight;
  else if (!s.ewma.hasData && unprovenEstimateMs !== undefined) base = unprovenEstimateMs;
  else base = s.ewma.estimate(nowMs) * (s.inFlight + 1);
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
      const sampled = sampleDistinct(candidates, choiceCount, random);
      // An instance that has never answered (new, or only ever throttled) and has nothing in
      // flight is priced like the best proven one it is compared with, not at the default RTT:
      // against peers answering in 1-2 ms a 30-ms default starved it for about 10 s × ln(30 / 2)
      // (seen: an instance got no request for the first second of a run, and a throttled one none
      // after its hold). One request in flight without an answer makes it unproven again, so it
      // is probed one request at a time (NO_DATA_PENALTY).
      // Looked up only when such an instance was sampled: the usual pick reads each estimate once.
      let unproven = false;
      for (const c of sampled) if (!c.ewma.hasData && c.inFlight === 0) unproven = true;
      let provenBest: number | undefined;
      if (unproven) for (const c of sampled) if (c.ewma.hasData) provenBest = Math.min(provenBest ?? Infinity, c.ewma.estimate(nowMs));
      for (const c of sampled) {
        const load = peakEwmaLoad(c, nowMs, provenBest);
        if (best === undefined || load < bestLoad) {
          best = c;
          bestLoad = load;
        }
      }
      return best as EndpointState;
    },
  };
}
