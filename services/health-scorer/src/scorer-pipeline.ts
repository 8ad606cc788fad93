/**
 * The scorer's pipeline, shared by both I/O adapters (Kafka transactions in distributed mode,
 * the in-process bus in standalone mode): topic records in, closed windows out as the
 * metrics-aggregated and health-scores records to publish. Pure: the receive time and the
 * clock are parameters; one pipeline holds the services of one input partition.
 */
import type { HealthScore, HealthStatus, MetricsAggregated, ServiceMetrics } from '@slb/core';
import { scoreService, scoringPolicy, type ScoringPolicy } from './scoring/index.js';
import { instanceKey, windowStartOf, WindowAggregator, type ReportOutcome, type SourceOffset, type WindowPolicy, type WindowStats } from './windows/index.js';
import { aggregatedRecord, reportFromRecord, scoreRecord, verdictFromRecord } from './record-mapping.js';

/** 'replayed': re-read after a takeover, for a window that was already emitted; ignored. */
export type MetricsOutcome = ReportOutcome | 'replayed';

/** One service's closed window, ready to publish (keyed by serviceId). */
export interface Emission {
  readonly serviceId: string;
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  readonly aggregated: readonly MetricsAggregated[];
  readonly scores: readonly HealthScore[];
}

export interface ScorerPipelineOptions {
  readonly window?: Partial<WindowPolicy>;
  readonly scoring?: Partial<ScoringPolicy>;
}

export class ScorerPipeline {
  private readonly aggregator: WindowAggregator;
  private readonly scoring: ScoringPolicy;
  /** windowStart -> instance -> 4xx count (the window stage does not keep them). */
  private readonly status4xx = new Map<number, Map<string, number>>();
  /** instance -> late reports since its last emitted window. */
  private readonly lateByInstance = new Map<string, number>();

  constructor(options: ScorerPipelineOptions = {}) {
    this.aggregator = new WindowAggregator(options.window);
    this.scoring = scoringPolicy(options.scoring);
  }

  get windowSizeMs(): number {
    return this.aggregator.policy.sizeMs;
  }

  get verdictMaxAgeMs(): number {
    return this.aggregator.policy.verdicts.maxAgeMs;
  }

  get idleTimeoutMs(): number {
    return this.aggregator.policy.idleTimeoutMs;
  }

  get watermarkMs(): number {
    return this.aggregator.watermarkMs;
  }

  get lastInvalidReason(): string | null {
    return this.aggregator.lastInvalidReason;
  }

  stats(): WindowStats {
    return this.aggregator.stats();
  }

  /** Continue after a previous owner, whose windows up to `watermarkMs` are already published. */
  resumeFrom(watermarkMs: number): void {
    this.aggregator.resumeFrom(watermarkMs);
  }

  /** The start of the scorer window a report belongs to. */
  windowOf(value: ServiceMetrics): number {
    return windowStartOf(value.windowStartMs, this.windowSizeMs);
  }

  /**
   * `alreadyHandled`: the record lies below the position a previous owner had read when it last
   * committed, so it was merged or counted then. For an emitted window it is skipped silently
   * (not counted late a second time); for an open window it is merged again (that is the rebuild).
   */
  addMetrics(value: ServiceMetrics, receivedAtMs: number, source?: SourceOffset, alreadyHandled = false): MetricsOutcome {
    if (alreadyHandled && this.windowOf(value) + this.windowSizeMs <= this.aggregator.watermarkMs) return 'replayed';
    const outcome = this.aggregator.addReport(reportFromRecord(value, source), receivedAtMs);
    const key = instanceKey(value.serviceId, value.instanceId);
    if (outcome === 'accepted' && value.errors.status4xx > 0) {
      const start = this.windowOf(value);
      let perInstance = this.status4xx.get(start);
      if (perInstance === undefined) this.status4xx.set(start, (perInstance = new Map()));
      perInstance.set(key, (perInstance.get(key) ?? 0) + value.errors.status4xx);
    } else if (outcome === 'late') {
      this.lateByInstance.set(key, (this.lateByInstance.get(key) ?? 0) + 1);
    }
    return outcome;
  }

  /** false when an equal or newer verdict of that proxy is already held. */
  addStatus(value: HealthStatus, receivedAtMs: number, source?: SourceOffset): boolean {
    return this.aggregator.addVerdict(verdictFromRecord(value, source), receivedAtMs);
  }

  /** Closes what the watermark passed and returns it scored, oldest window first. */
  advance(nowMs: number): Emission[] {
    const closed = this.aggregator.advance(nowMs);
    const out: Emission[] = [];
    for (const sw of closed) {
      const scores = scoreService(sw, this.scoring);
      const fourxx = this.status4xx.get(sw.windowStartMs);
      const aggregated: MetricsAggregated[] = [];
      const records: HealthScore[] = [];
      sw.instances.forEach((w, i) => {
        const key = instanceKey(w.serviceId, w.instanceId);
        const lateCount = this.lateByInstance.get(key) ?? 0;
        this.lateByInstance.delete(key);
        aggregated.push(aggregatedRecord(w, { status4xx: fourxx?.get(key) ?? 0, lateCount }, nowMs));
        records.push(scoreRecord(scores[i]!, w, nowMs));
      });
      out.push({ serviceId: sw.serviceId, windowStartMs: sw.windowStartMs, windowEndMs: sw.windowEndMs, aggregated, scores: records });
    }
    for (const start of this.status4xx.keys()) if (start + this.windowSizeMs <= this.aggregator.watermarkMs) this.status4xx.delete(start);
    return out;
  }
}
