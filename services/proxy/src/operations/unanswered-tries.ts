/**
 * Which tries to each instance have no answer yet, and how fast each instance answers: what
 * stall detection (resilience/stall-detection.ts) judges. Read from undici's diagnostics
 * channels (`undici:request:create`, `:headers`, `:error`, public API), so the data path keeps
 * its hot loop as it is: a try is unanswered from the moment undici creates its request
 * (queued for a connection or sent) until its response headers come (its answer, whatever the
 * status; the body may stream for as long as it likes) or it fails (refused, reset, timed out,
 * aborted because the client left or a hedge won). Time to headers feeds a per-instance latency
 * window, the "typical latency" of the rule.
 *
 * Keyed by origin (`http://host:port`), so every pool of an address counts, in whichever
 * service; undici requests to origins that are no instance (the schema registry, a client in
 * the same process) are ignored with one map lookup. Cost per try with the channels
 * subscribed: two channel messages, two clock reads, a map insert and delete. The channels are
 * subscribed only while some address is watched: with none (no service where a stall can be
 * found) undici builds no channel message and a try costs nothing here.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { LatencyWindow, type LatencyWindowConfig } from '../resilience/latency-window.js';
import type { InstanceActivity } from '../resilience/stall-detection.js';

/** Recent answers per instance: up to 256, none older than 30 s. */
const LATENCIES: LatencyWindowConfig = Object.freeze({ windowMs: 30_000, maxSamples: 256, recomputeEvery: 32, recomputeMs: 250 });

interface UndiciRequest {
  readonly origin?: unknown;
  readonly aborted?: boolean;
  readonly completed?: boolean;
}

interface OriginState {
  /** Unanswered tries and when each was created (monotonic); Map order is creation order. */
  readonly pending: Map<UndiciRequest, number>;
  lastAnswerMono: number;
  readonly latencies: LatencyWindow;
  /** Seen at the last `watch`: origins no instance uses any more are dropped. */
  mark: number;
}

const CHANNELS = ['undici:request:create', 'undici:request:headers', 'undici:request:error'] as const;

/** The origin undici gives the requests of an instance's pool (`http://` + its host:port, as URL normalizes it). */
export function originOf(address: string): string {
  try {
    return new URL(`http://${address}`).origin;
  } catch {
    return `http://${address}`;
  }
}

export class UnansweredTries {
  private readonly origins = new Map<string, OriginState>();
  private readonly originByAddress = new Map<string, string>();
  private mark = 0;
  /** Between start() and stop(); the channels are subscribed only while something is watched too. */
  private started = false;
  private subscribed = false;

  constructor(private readonly monotonic: () => number) {}

  private readonly onCreate = (message: unknown): void => {
    const request = (message as { request: UndiciRequest }).request;
    const s = this.origins.get(request.origin as string);
    if (s !== undefined) s.pending.set(request, this.monotonic());
  };

  private readonly onHeaders = (message: unknown): void => {
    const request = (message as { request: UndiciRequest }).request;
    const s = this.origins.get(request.origin as string);
    if (s === undefined) return;
    const started = s.pending.get(request);
    if (started === undefined) return;
    s.pending.delete(request);
    const now = this.monotonic();
    s.lastAnswerMono = now;
    s.latencies.record(now - started, now);
  };

  private readonly onError = (message: unknown): void => {
    const request = (message as { request: UndiciRequest }).request;
    this.origins.get(request.origin as string)?.pending.delete(request);
  };

  private readonly handlers = [this.onCreate, this.onHeaders, this.onError] as const;

  start(): void {
    this.started = true;
    this.listen();
  }

  stop(): void {
    this.started = false;
    this.origins.clear();
    this.listen();
  }

  /** Subscribed to the channels exactly while started and watching some address. */
  private listen(): void {
    const wanted = this.started && this.origins.size > 0;
    if (wanted === this.subscribed) return;
    this.subscribed = wanted;
    CHANNELS.forEach((name, i) => (wanted ? subscribe : unsubscribe)(name, this.handlers[i]!));
  }

  /**
   * The instances' addresses now: new ones are tracked from here on, gone ones forgotten. An
   * empty list (nothing where a stall could be found) unsubscribes from the channels.
   */
  watch(addresses: Iterable<string>): void {
    const mark = ++this.mark;
    for (const address of addresses) {
      let origin = this.originByAddress.get(address);
      if (origin === undefined) {
        origin = originOf(address);
        this.originByAddress.set(address, origin);
      }
      const s = this.origins.get(origin);
      if (s !== undefined) s.mark = mark;
      else this.origins.set(origin, { pending: new Map(), lastAnswerMono: -Infinity, latencies: new LatencyWindow(LATENCIES), mark });
    }
    for (const [origin, s] of this.origins) if (s.mark !== mark) this.origins.delete(origin);
    if (this.originByAddress.size > 4 * this.origins.size + 64) this.originByAddress.clear();
    this.listen();
  }

  /**
   * What the proxy sees of the instance at `address` now (monotonic). `quantile` set: its
   * typical latency too (a sort now and then, so only when someone may be stalled).
   */
  activity(id: string, address: string, nowMono: number, quantile?: number): InstanceActivity {
    const s = this.origins.get(this.originByAddress.get(address) ?? originOf(address));
    if (s === undefined) return { id, unanswered: 0, oldestUnansweredMs: 0, sinceAnswerMs: Infinity, typicalMs: undefined, samples: 0 };
    // A request whose end no channel reported (none is expected) must not look unanswered forever.
    for (const [request] of s.pending) {
      if (request.aborted !== true && request.completed !== true) break;
      s.pending.delete(request);
    }
    const oldest = s.pending.values().next();
    return {
      id,
      unanswered: s.pending.size,
      oldestUnansweredMs: oldest.done === true ? 0 : nowMono - oldest.value,
      sinceAnswerMs: nowMono - s.lastAnswerMono,
      typicalMs: quantile === undefined ? undefined : s.latencies.quantile(quantile, nowMono),
      samples: quantile === undefined ? 0 : s.latencies.count(nowMono),
    };
  }
}
