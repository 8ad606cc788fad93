/**
 * The per-request and per-try metrics (requests by service/upstream/status/outcome, tries by
 * service/upstream/outcome, duration by service), counted as plain numbers on the request path
 * and handed to prom-client only when it is scraped. prom-client hashes and validates the label
 * set on every `inc`/`observe`, even on a cached child: measured with both proxies sharing one
 * core, that cost about a tenth of the proxy's CPU per request (docs/benchmarks.md). The
 * exposition is the same as prom-client's own Counter and Histogram.
 */
import { Counter, type Registry } from 'prom-client';

/**
 * What became of a try (or a request): the class of the status the upstream answered, or the
 * way it failed without an answer (connect refused or timed out, no answer in time, connection
 * reset).
 */
export type UpstreamOutcome = '1xx' | '2xx' | '3xx' | '4xx' | '5xx' | 'connect' | 'timeout' | 'reset';
export type UpstreamFailure = 'connect' | 'timeout' | 'reset';

export const UPSTREAM_OUTCOMES: readonly UpstreamOutcome[] = ['1xx', '2xx', '3xx', '4xx', '5xx', 'connect', 'timeout', 'reset'];
const FAILURE_INDEX: Readonly<Record<UpstreamFailure, number>> = { connect: 5, timeout: 6, reset: 7 };

/** Index into UPSTREAM_OUTCOMES of a status (its class) or of a failure. */
export function outcomeIndex(status: number, failure: UpstreamFailure | undefined): number {
  if (failure !== undefined) return FAILURE_INDEX[failure];
  if (status < 200) return 0;
  if (status >= 500) return 4;
  return Math.floor(status / 100) - 1;
}

/** One series of a folded counter. */
export interface RequestCount {
  n: number;
  folded: number;
  readonly labels: Readonly<Record<string, string>>;
}

/** One service's duration histogram: counts per bucket (not cumulative), sum and count. */
export interface DurationCell {
  readonly perBucket: Float64Array;
  sum: number;
  count: number;
}

export interface RequestMetrics {
  /** The requests series to increment; cache it where the request path can reach it. */
  requestCount(service: string, upstream: string, status: number, outcome?: UpstreamOutcome): RequestCount;
  /** The tries series to increment; cache it where the request path can reach it. */
  tryCount(service: string, upstream: string, outcome: UpstreamOutcome): RequestCount;
  durationCell(service: string): DurationCell;
  observe(cell: DurationCell, seconds: number): void;
}

/** A Counter whose series are plain numbers on the request path, added to it at scrape time. */
function foldedCounter(registry: Registry, name: string, help: string, labelNames: readonly string[]): (labels: Record<string, string>) => RequestCount {
  const counts: RequestCount[] = [];
  const index = new Map<string, RequestCount>();
  new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      for (const c of counts) {
        if (c.n === c.folded) continue;
        this.inc(c.labels, c.n - c.folded);
        c.folded = c.n;
      }
    },
  });
  return (labels) => {
    const key = labelNames.map((l) => labels[l]).join('\u0000');
    let c = index.get(key);
    if (c === undefined) {
      c = { n: 0, folded: 0, labels };
      index.set(key, c);
      counts.push(c);
    }
    return c;
  };
}

export function createRequestMetrics(registry: Registry, buckets: readonly number[]): RequestMetrics {
  const requests = foldedCounter(
    registry,
    'slb_proxy_requests_total',
    'Requests answered, by service, upstream (the one that answered, or the last one tried; none when no upstream was reached), status sent to the client and outcome (status class, or connect/timeout/reset when the proxy answered for a failed upstream).',
    ['service', 'upstream', 'status', 'outcome'],
  );
  const tries = foldedCounter(
    registry,
    'slb_proxy_upstream_tries_total',
    'Tries of upstreams that came to an end there (first tries, retries, hedges; not those the proxy cancelled: a hedge that lost, a client that left), by service, upstream and outcome: the class of the status it answered (also when the answer was thrown away for a retry), or connect, timeout or reset.',
    ['service', 'upstream', 'outcome'],
  );
  const cells = new Map<string, DurationCell>();
  registry.registerMetric(new FoldedHistogram('slb_proxy_request_duration_seconds', 'Time from request to the end of the response, by service.', buckets, cells) as never);
  return {
    requestCount(service, upstream, status, outcome = UPSTREAM_OUTCOMES[outcomeIndex(status, undefined)]!) {
      return requests({ service, upstream, status: String(status), outcome });
    },
    tryCount(service, upstream, outcome) {
      return tries({ service, upstream, outcome });
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
