export * from './types.js';
export { createBalancer } from './create-balancer.js';
export {
  resolvePolicyConfig,
  POLICY_KINDS,
  DEFAULT_SLOW_START,
  DEFAULT_PANIC_THRESHOLD_PERCENT,
  DEFAULT_CHOICE_COUNT,
  DEFAULT_ACTIVE_REQUEST_BIAS,
  DEFAULT_EWMA_DECAY_MS,
  DEFAULT_EWMA_RTT_MS,
  DEFAULT_POINTS_PER_WEIGHT,
  DEFAULT_HASH_LOAD_FACTOR,
  type ResolvedPolicyConfig,
} from './options.js';
export { slowStartFactor } from './slow-start.js';
export { seededRandom } from '@slb/core/random';
export { murmur3 } from './murmur3.js';
