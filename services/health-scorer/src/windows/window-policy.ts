import { SlbError } from '@slb/core/errors';
import { DEFAULT_VERDICT_POLICY, type VerdictPolicy } from './verdicts.js';

export interface WindowPolicy {
  /** Tumbling window length. Must be a multiple of the proxies' report interval. */
  readonly sizeMs: number;
  /** How far behind the newest event time the watermark trails, i.e. how late data may be. */
  readonly allowedLatenessMs: number;
  /**
   * With no input for this long (processing time), the watermark follows the clock instead of
   * event time, so a quiet fleet still closes its windows.
   */
  readonly idleTimeoutMs: number;
  /** An instance with no report and no verdict for this long is forgotten. */
  readonly forgetAfterMs: number;
  readonly verdicts: VerdictPolicy;
}

export const DEFAULT_WINDOW_POLICY: WindowPolicy = Object.freeze({
  sizeMs: 5_000,
  allowedLatenessMs: 2_000,
  idleTimeoutMs: 10_000,
  forgetAfterMs: 300_000,
  verdicts: DEFAULT_VERDICT_POLICY,
});

export function windowPolicy(overrides: Partial<WindowPolicy> = {}): WindowPolicy {
  const p: WindowPolicy = { ...DEFAULT_WINDOW_POLICY, ...overrides };
  const problems: string[] = [];
  if (!(Number.isInteger(p.sizeMs) && p.sizeMs > 0)) problems.push('sizeMs must be a positive integer');
  if (!(p.allowedLatenessMs >= 0)) problems.push('allowedLatenessMs must be >= 0');
  if (!(p.idleTimeoutMs > 0)) problems.push('idleTimeoutMs must be > 0');
  if (!(p.forgetAfterMs >= p.sizeMs)) problems.push('forgetAfterMs must be >= sizeMs');
  if (!(Number.isInteger(p.verdicts.quorum) && p.verdicts.quorum >= 1)) problems.push('verdicts.quorum must be an integer >= 1');
  if (!(p.verdicts.maxAgeMs > 0)) problems.push('verdicts.maxAgeMs must be > 0');
  if (problems.length > 0) {
    throw new SlbError('SLB_POLICY_INVALID', `invalid window policy: ${problems.join('; ')}`, { details: { problems } });
  }
  return Object.freeze(p);
}

/** Start of the tumbling window that holds `eventTimeMs`. */
export function windowStartOf(eventTimeMs: number, sizeMs: number): number {
  return Math.floor(eventTimeMs / sizeMs) * sizeMs;
}
