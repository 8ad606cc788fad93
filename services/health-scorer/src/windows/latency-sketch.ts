import { DDSketch } from '@datadog/sketches-js';
import { SlbError } from '@slb/core/errors';
import type { LatencyQuantiles } from './types.js';

/**
 * The relative accuracy every proxy builds its latency sketch with. Sketches only merge when
 * their mappings match, so this is a contract, not a tuning knob.
 */
export const SKETCH_RELATIVE_ACCURACY = 0.01;

/** A mergeable latency distribution (milliseconds). Wraps DDSketch so callers never touch it. */
export class LatencySketch {
  private readonly sketch: DDSketch;

  constructor(sketch?: DDSketch) {
    this.sketch = sketch ?? new DDSketch({ relativeAccuracy: SKETCH_RELATIVE_ACCURACY });
  }

  /**
   * Decodes a serialized sketch (DDSketch.toProto()) and checks its accuracy. The decoded sketch
   * is used as is (no copy into a fresh one): decoding is most of the cost of a report.
   */
  static fromBytes(bytes: Uint8Array): LatencySketch {
    const decoded = decodeSketch(bytes);
    if (!REFERENCE.mergeable(decoded)) {
      throw new SlbError('SLB_SKETCH_INVALID', 'latency sketch has a different relative accuracy', {
        details: { expected: SKETCH_RELATIVE_ACCURACY },
      });
    }
    return new LatencySketch(decoded);
  }

  get count(): number {
    return this.sketch.count;
  }

  /** Adds raw samples; used by tests and by proxies that build sketches. */
  accept(valueMs: number, weight = 1): void {
    this.sketch.accept(valueMs, weight);
  }

  /** Merges a serialized sketch (DDSketch.toProto()) into this one. */
  mergeBytes(bytes: Uint8Array): void {
    this.merge(LatencySketch.fromBytes(bytes));
  }

  merge(other: LatencySketch): void {
    this.sketch.merge(other.sketch);
  }

  /** null when empty: an empty sketch answers NaN, which must never reach a score. */
  quantiles(): LatencyQuantiles | null {
    if (this.sketch.count <= 0) return null;
    return {
      p50: this.sketch.getValueAtQuantile(0.5),
      p95: this.sketch.getValueAtQuantile(0.95),
      p99: this.sketch.getValueAtQuantile(0.99),
    };
  }

  toBytes(): Uint8Array {
    return this.sketch.toProto();
  }
}

/** What every incoming sketch must be mergeable with. */
const REFERENCE = new DDSketch({ relativeAccuracy: SKETCH_RELATIVE_ACCURACY });

/** Decodes and checks a serialized sketch; throws SLB_SKETCH_INVALID for anything unusable. */
export function decodeSketch(bytes: Uint8Array): DDSketch {
  let decoded: DDSketch;
  try {
    decoded = DDSketch.fromProto(bytes);
  } catch (cause) {
    throw new SlbError('SLB_SKETCH_INVALID', 'latency sketch could not be decoded', { cause });
  }
  if (!Number.isFinite(decoded.count) || decoded.count < 0) {
    throw new SlbError('SLB_SKETCH_INVALID', 'latency sketch has an invalid count');
  }
  return decoded;
}
