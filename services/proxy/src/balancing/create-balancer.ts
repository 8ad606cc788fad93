import { SlbError } from '@slb/core/errors';
import { createConsistentHashPicker } from './consistent-hash.js';
import { EndpointState } from './endpoint-state.js';
import { createLeastRequestPicker } from './least-request.js';
import { HOLD_TRICKLE_INTERVAL_MS, resolvePolicyConfig, type ResolvedPolicyConfig } from './options.js';
import { createPeakEwmaPicker } from './peak-ewma-picker.js';
import { weightsEqual, type PickInput, type Picker } from './picker.js';
import { slowStartFactor } from './slow-start.js';
import { createSmoothWeightedPicker } from './smooth-weighted.js';
import type {
  Balancer,
  BalancerDeps,
  BalancerSnapshot,
  Endpoint,
  EndpointSnapshot,
  HealthSource,
  PickContext,
  PolicyConfig,
  PolicyKind,
  RoutingDecisionInput,
} from './types.js';
import { createWeightedRandomPicker } from './weighted-random.js';

function createPicker(cfg: ResolvedPolicyConfig, random: () => number): Picker {
  switch (cfg.kind) {
    case 'round-robin':
    case 'weighted-round-robin':
      return createSmoothWeightedPicker();
    case 'random':
      return createWeightedRandomPicker(random);
    case 'least-request':
      return createLeastRequestPicker(cfg.leastRequest.choiceCount, cfg.leastRequest.activeRequestBias, random);
    case 'peak-ewma':
      return createPeakEwmaPicker(cfg.peakEwma.choiceCount, random);
    case 'consistent-hash':
      // Keyless requests (no header/cookie) still need a sensible choice: least request.
      return createConsistentHashPicker(
        cfg.consistentHash.pointsPerWeight,
        cfg.consistentHash.loadFactor,
        createLeastRequestPicker(cfg.leastRequest.choiceCount, cfg.leastRequest.activeRequestBias, random),
      );
  }
}

function validateEndpoints(endpoints: readonly Endpoint[]): void {
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const e of endpoints) {
    if (typeof e.id !== 'string' || e.id === '') problems.push('an endpoint has an empty id');
    else if (ids.has(e.id)) problems.push(`endpoint id ${e.id} appears twice`);
    ids.add(e.id);
    if (typeof e.weight !== 'number' || !Number.isFinite(e.weight) || e.weight <= 0) {
      problems.push(`endpoint ${e.id} weight must be a finite number > 0 (got ${String(e.weight)})`);
    }
  }
  if (problems.length > 0) {
    throw new SlbError('SLB_CONFIG_INVALID', `invalid endpoints: ${problems.join('; ')}`, { details: { problems } });
  }
}

/** The candidate set as of one refresh: reused by every pick until something changes. */
interface CandidateCache {
  readonly eligible: readonly EndpointState[];
  /** The pick input without a retry exclusion, built once per refresh rather than per pick. */
  readonly input: PickInput;
  readonly panic: boolean;
  readonly decisionActive: boolean;
  /** Eligible instances held back (throttled) as of this refresh; 0 on the usual path. */
  readonly held: number;
  /** `input` without the held-back instances, when some but not all are held: built per refresh, not per pick. */
  readonly notHeld: PickInput | undefined;
}

class PolicyBalancer implements Balancer {
  readonly policy: PolicyKind;
  private readonly cfg: ResolvedPolicyConfig;
  private readonly picker: Picker;
  private readonly random: () => number;
  /** The share of its picks a held-back instance keeps: the slow-start floor. */
  private readonly holdPass: number;
  private states: EndpointState[] = [];
  private readonly byId = new Map<string, EndpointState>();
  /** Removed instances still finishing requests: their onEnd must not disturb anything. */
  private readonly draining = new Map<string, EndpointState>();
  private initialized = false;
  private decision: RoutingDecisionInput | undefined;
  // The per-request path must not redo O(instances) work: weights, health, panic and the
  // decision are folded into a cache, rebuilt when one of them changes, when the decision
  // expires, and on every new millisecond while a slow-start ramp is in progress.
  private cache: CandidateCache | undefined;
  private cacheAtMs = 0;
  private cacheValidUntilMs = 0;
  private cacheRamping = false;

  constructor(policy: PolicyConfig, deps: BalancerDeps) {
    this.cfg = resolvePolicyConfig(policy);
    this.policy = this.cfg.kind;
    this.picker = createPicker(this.cfg, deps.random);
    this.random = deps.random;
    this.holdPass = this.cfg.slowStart.minWeightPercent / 100;
  }

  pick(ctx: PickContext, nowMs: number): Endpoint | undefined {
    const cache = this.refresh(nowMs);
    if (cache.eligible.length === 0) return undefined;
    let input = cache.input;
    const exclude = ctx.exclude;
    if (exclude !== undefined && exclude.size > 0) {
      const remaining = cache.eligible.filter((s) => !exclude.has(s.id));
      // Everything left was already tried: a retry on a tried instance beats failing outright.
      if (remaining.length > 0 && remaining.length < cache.eligible.length) input = subsetInput(remaining, exclude);
    }
    const chosen = this.picker.pick(input, ctx, nowMs);
    if (cache.held === 0 || chosen.heldUntilMs <= nowMs) return chosen.endpoint;
    if (nowMs >= chosen.trickleAtMs && this.random() < this.holdPass) {
      chosen.trickleAtMs = nowMs + HOLD_TRICKLE_INTERVAL_MS;
      return chosen.endpoint;
    }
    return this.pickNotHeld(input, cache, ctx, nowMs) ?? chosen.endpoint;
  }

  /**
   * A held-back instance was chosen but keeps only a trickle: the slow-start floor (10 %) of
   * the picks the policy gives it, and at most one per HOLD_TRICKLE_INTERVAL_MS. Otherwise the
   * same policy chooses again among the candidates that are not held. Done after the policy
   * rather than through its weights because a throttled instance answers fast and has nothing
   * in flight, which load-aware policies (least-request, peak-EWMA, bounded-load hashing)
   * would read as the best instance of all: this bound holds whatever the policy. Undefined
   * when every candidate is held: then the holds cancel out and the policy's choice stands.
   */
  private pickNotHeld(input: PickInput, cache: CandidateCache, ctx: PickContext, nowMs: number): Endpoint | undefined {
    const notHeld = input === cache.input ? cache.notHeld : notHeldInput(input, nowMs);
    return notHeld === undefined ? undefined : this.picker.pick(notHeld, ctx, nowMs).endpoint;
  }

  holdBack(id: string, untilMs: number, nowMs: number): void {
    const s = this.byId.get(id);
    if (s === undefined || untilMs <= s.heldUntilMs) return;
    const wasHeld = s.heldUntilMs > nowMs;
    s.heldUntilMs = untilMs;
    // Extending a hold changes nothing now: the cache is refreshed when the old end comes.
    if (!wasHeld && untilMs > nowMs) this.cache = undefined;
  }

  hasCandidateOutside(exclude: ReadonlySet<string>, nowMs: number): boolean {
    for (const s of this.refresh(nowMs).eligible) if (!exclude.has(s.id)) return true;
    return false;
  }

  onStart(id: string, _nowMs: number): void {
    const s = this.byId.get(id) ?? this.draining.get(id);
    if (s !== undefined) s.inFlight++;
  }

  onEnd(id: string, latencyMs: number, ok: boolean, nowMs: number): void {
    const live = this.byId.get(id);
    const s = live ?? this.draining.get(id);
    if (s === undefined) return;
    s.inFlight = Math.max(0, s.inFlight - 1);
    if (live === undefined) {
      if (s.inFlight === 0) this.draining.delete(id);
      return;
    }
    // A failed try is priced at least like an instance nothing is known of (the default RTT):
    // its own latency would make failing fast attractive (a 1-ms 503 beside 2-ms answers), and
    // an instance answering half its requests 503 then drew more traffic under peak-EWMA until
    // outlier detection saw 5 failures in a row. A timeout is a peak anyway. NaN: nothing to observe.
    if (!Number.isNaN(latencyMs)) s.ewma.observe(ok ? latencyMs : Math.max(latencyMs, this.cfg.peakEwma.defaultRttMs), nowMs);
  }

  setEndpoints(endpoints: readonly Endpoint[], nowMs: number): void {
    validateEndpoints(endpoints);
    const next: EndpointState[] = [];
    let ringChanged = endpoints.length !== this.states.length;
    for (const [i, e] of endpoints.entries()) {
      const existing = this.byId.get(e.id);
      if (existing !== undefined) {
        if (existing.endpoint.weight !== e.weight || this.states[i] !== existing) ringChanged = true;
        existing.endpoint = e;
        next.push(existing);
        continue;
      }
      ringChanged = true;
      const s = new EndpointState(e, this.initialized ? nowMs : undefined, this.cfg.peakEwma.decayMs, this.cfg.peakEwma.defaultRttMs, nowMs);
      // A re-added instance that is still draining keeps counting its old requests.
      const old = this.draining.get(e.id);
      if (old !== undefined) {
        s.inFlight = old.inFlight;
        this.draining.delete(e.id);
      }
      next.push(s);
    }
    const keep = new Set(endpoints.map((e) => e.id));
    for (const s of this.states) {
      if (!keep.has(s.id) && s.inFlight > 0) this.draining.set(s.id, s);
    }
    this.states = next;
    this.byId.clear();
    for (const s of next) this.byId.set(s.id, s);
    this.initialized = true;
    if (ringChanged) this.picker.rebuild?.(this.states);
    this.cache = undefined;
  }

  setHealth(id: string, healthy: boolean, nowMs: number, source: HealthSource = 'active'): void {
    const s = this.byId.get(id);
    if (s === undefined) return;
    const wasHealthy = s.unhealthy.size === 0;
    if (healthy) s.unhealthy.delete(source);
    else s.unhealthy.add(source);
    if (!wasHealthy && s.unhealthy.size === 0) s.slowStartFromMs = nowMs;
    if (wasHealthy !== (s.unhealthy.size === 0)) this.cache = undefined;
  }

  setDecision(decision: RoutingDecisionInput | undefined, nowMs: number): void {
    const old = this.decision;
    if (old !== undefined) {
      const oldActive = nowMs < old.expiresAtMs;
      for (const id of old.ejected) {
        if (decision !== undefined && decision.ejected.has(id) && nowMs < decision.expiresAtMs) continue;
        const s = this.byId.get(id);
        if (s === undefined) continue;
        // Back from a controller ejection: ramp up from now, or from when the old decision expired.
        const from = oldActive ? nowMs : old.expiresAtMs;
        s.slowStartFromMs = Math.max(s.slowStartFromMs ?? -Infinity, from);
      }
    }
    this.decision = decision;
    this.cache = undefined;
  }

  snapshot(nowMs: number): BalancerSnapshot {
    const cache = this.refresh(nowMs);
    const decision = cache.decisionActive ? this.decision : undefined;
    const endpoints: EndpointSnapshot[] = this.states.map((s) => ({
      id: s.id,
      address: s.endpoint.address,
      configWeight: s.endpoint.weight,
      effectiveWeight: s.eligible ? s.weight : 0,
      healthy: s.unhealthy.size === 0,
      unhealthySources: [...s.unhealthy],
      ejectedByDecision: decision?.ejected.has(s.id) ?? false,
      slowStartFactor: slowStartFactor(this.slowStartStart(s, nowMs), nowMs, this.cfg.slowStart),
      inFlight: s.inFlight,
      latencyEwmaMs: this.policy === 'peak-ewma' ? s.ewma.estimate(nowMs) : undefined,
      heldBackUntilMs: s.heldUntilMs > nowMs ? s.heldUntilMs : undefined,
    }));
    return { policy: this.policy, panic: cache.panic, decisionActive: cache.decisionActive, endpoints };
  }

  private refresh(nowMs: number): CandidateCache {
    const cached = this.cache;
    if (cached !== undefined && nowMs < this.cacheValidUntilMs && (!this.cacheRamping || nowMs === this.cacheAtMs)) return cached;
    const d = this.decision;
    const decision = d !== undefined && nowMs < d.expiresAtMs ? d : undefined;
    const panic = this.inPanic(decision);
    const roundRobin = this.policy === 'round-robin';
    const eligible: EndpointState[] = [];
    let totalWeight = 0;
    let ramping = false;
    let held = 0;
    let nextHoldEndMs = Infinity;
    for (const s of this.states) {
      const available = s.unhealthy.size === 0 && !(decision?.ejected.has(s.id) ?? false);
      // Plain round robin ignores configured weights (that is weighted-round-robin's job) but
      // still honours slow start and the controller's weights.
      const base = roundRobin ? 1 : s.endpoint.weight;
      const ramp = slowStartFactor(this.slowStartStart(s, nowMs), nowMs, this.cfg.slowStart);
      if (ramp < 1) ramping = true;
      // In panic the controller's view no longer describes the fleet: configured weights only.
      const decided = panic ? 1 : (decision?.weights.get(s.id) ?? 1);
      s.weight = base * ramp * Math.max(0, decided);
      s.pickWeight = s.weight;
      s.eligible = (panic || available) && s.weight > 0;
      if (s.eligible) {
        eligible.push(s);
        totalWeight += s.weight;
        if (s.heldUntilMs > nowMs) {
          held++;
          if (s.heldUntilMs < nextHoldEndMs) nextHoldEndMs = s.heldUntilMs;
        }
      }
    }
    const input: PickInput = { candidates: eligible, equalWeights: weightsEqual(eligible), totalWeight, exclude: undefined };
    const cache: CandidateCache = {
      eligible,
      input,
      panic,
      decisionActive: decision !== undefined,
      held,
      // Valid as long as the cache: it ends at the first hold's end, and a new hold drops it.
      notHeld: held > 0 ? notHeldInput(input, nowMs) : undefined,
    };
    this.cache = cache;
    this.cacheAtMs = nowMs;
    this.cacheRamping = ramping;
    this.cacheValidUntilMs = Math.min(decision !== undefined ? decision.expiresAtMs : Infinity, nextHoldEndMs);
    return cache;
  }

  /**
   * Whether the balancer is in panic: fewer than panicThreshold% of all instances available
   * (healthy and not ejected by the controller). In panic the few survivors would be crushed
   * by the whole load (and fail too), so traffic spreads over every instance, as Envoy does.
   */
  private inPanic(decision: RoutingDecisionInput | undefined): boolean {
    let available = 0;
    for (const s of this.states) {
      if (s.unhealthy.size === 0 && !(decision?.ejected.has(s.id) ?? false)) available++;
    }
    const threshold = this.cfg.panicThresholdPercent;
    return threshold > 0 && available * 100 < threshold * this.states.length;
  }

  /** Slow start also follows an expired decision's ejection: the instance returns gradually. */
  private slowStartStart(s: EndpointState, nowMs: number): number | undefined {
    const d = this.decision;
    if (d !== undefined && nowMs >= d.expiresAtMs && d.ejected.has(s.id)) {
      return Math.max(s.slowStartFromMs ?? -Infinity, d.expiresAtMs);
    }
    return s.slowStartFromMs;
  }
}

/**
 * The candidates of `input` that are not held back at `nowMs`, or undefined when all are. The
 * ring walk of consistent hashing skips what `exclude` names: the held instances too.
 */
function notHeldInput(input: PickInput, nowMs: number): PickInput | undefined {
  const rest = input.candidates.filter((s) => s.heldUntilMs <= nowMs);
  if (rest.length === 0) return undefined;
  const skip = new Set(input.exclude);
  for (const s of input.candidates) if (s.heldUntilMs > nowMs) skip.add(s.id);
  return subsetInput(rest, skip);
}

/** The pick input of a subset of the candidates (a retry's exclusion, the instances not held back). */
function subsetInput(candidates: readonly EndpointState[], exclude: ReadonlySet<string>): PickInput {
  let totalWeight = 0;
  for (const s of candidates) totalWeight += s.weight;
  return { candidates, equalWeights: weightsEqual(candidates), totalWeight, exclude };
}

/** Builds the balancer for one service; see docs/balancing.md for the policies. */
export function createBalancer(policy: PolicyConfig, deps: BalancerDeps): Balancer {
  return new PolicyBalancer(policy, deps);
}
