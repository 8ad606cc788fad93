/**
 * The two per-request metrics (requests by service/instance/status, duration by service),
 * counted as plain numbers on the request path and handed to prom-client only when it is
 * scraped. prom-client hashes and validates the label set on every `inc`/`observe`, even on a
 * cached child: measured with both proxies sharing one core, that cost about a tenth of the
 * proxy's CPU per request (docs/benchmarks.md). The exposition is unchanged.
 */
import { Counter, type Registry } from 'prom-client';

/** One (service, instance, status) series of the requests counter. */
export interface RequestCount {
  n: number;
  folded: number;
  readonly labels: { readonly service: string; readonly instance: string; readonly status: string };
}

/** One service's duration histogram: counts per bucket (not cumulative), sum and count. */
export interface DurationCell {
  readonly perBucket: Float64Array;
  sum: number;
  count: number;
}

export interface RequestMetrics {
  /** The series to increment; cache it where the request path can reach it. */
  requestCount(service: string, instance: string, status: number): RequestCount;
  durationCell(service: string): DurationCell;
  observe(cell: DurationCell, seconds: number): void;
}

export function createRequestMetrics(registry: Registry, buckets: readonly number[]): RequestMetrics {
  const counts: RequestCount[] = [];
  const countIndex = new Map<string, RequestCount>();
  new Counter({
    name: 'slb_proxy_requests_total',
    help: 'Requests answered, by service, instance (none when no instance was reached) and status.',
    labelNames: ['service', 'instance', 'status'] as const,
    registers: [registry],
    collect() {
      for (const c of counts) {
        if (c.n === c.folded) continue;
        this.inc(c.labels, c.n - c.folded);
        c.folded = c.n;
      }
    },
  });
  const cells = new Map<string, DurationCell>();
  registry.registerMetric(new FoldedHistogram('slb_proxy_request_duration_seconds', 'Time from request to the end of the response, by service.', buckets, cells) as never);
  return {
    requestCount(service, instance, status) {
      const key = `${service}\u0000${instance}\u0000${status}`;
      let c = countIndex.get(key);
      if (c === undefined) {
        c = { n: 0, folded: 0, labels: { service, instance, status: String(status) } };
        countIndex.set(key, c);
        counts.push(c);
      }
      return c;
    },
    durationCell(service) {
      let cell = cells.get(service);
      if (cell === undefined) {
        cell = { perBucket: new Float64Array(buckets.length), sum: 0, count: 0 };
        cells.set(service, cell);
      }
      return cell;
    },
    observe(cell, seconds) {
      cell.sum += seconds;
      cell.count++;
      for (let i = 0; i < buckets.length; i++) {
        if (seconds <= buckets[i]!) {
          cell.perBucket[i]!++;
          return;
        }
      }
    },
  };
}

/**
 * A histogram by `service` whose values live in DurationCells, shaped for prom-client's
 * Registry exactly as its own Histogram's `get()` is (cumulative `le` buckets, +Inf, _sum,
 * _count), so the text exposition is the same.
 */
class FoldedHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: readonly number[],
    private readonly cells: Map<string, DurationCell>,
  ) {}

  get(): { name: string; help: string; type: string; aggregator: string; values: unknown[] } {
    const values: unknown[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const [service, cell] of this.cells) {
      const shared = { service };
      let cumulative = 0;
      this.buckets.forEach((le, i) => {
        cumulative += cell.perBucket[i]!;
        values.push({ labels: { le }, sharedLabels: shared, value: cumulative, metricName: bucketName });
      });
      values.push({ labels: { le: '+Inf' }, sharedLabels: shared, value: cell.count, metricName: bucketName });
      values.push({ labels: {}, sharedLabels: shared, value: cell.sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels: shared, value: cell.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    for (const cell of this.cells.values()) {
      cell.perBucket.fill(0);
      cell.sum = 0;
      cell.count = 0;
    }
  }
}
