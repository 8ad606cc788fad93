/**
 * Peak-sensitive EWMA of response latency, after Finagle's PeakEwma and Linkerd (tower):
 * - a response slower than the estimate replaces it at once (peak sensitivity: a slow
 *   instance loses traffic within one response);
 * - a faster one is blended in with weight w = exp(-Δt / decay), Δt being the time since
 *   the previous observation (so the estimate moves with time, not with request count);
 * - while nothing is observed the estimate decays towards zero, so an instance that was slow
 *   a while ago gets probed again.
 * Unlike Finagle, reading the estimate does not mutate it: the blend weight depends only on
 * observations, not on how often the balancer looked.
 */
export class PeakEwma {
  private cost: number;
  private stampMs: number | undefined;
  /** When the default RTT was assumed; it decays from here until the first observation. */
  private readonly createdAtMs: number | undefined;

  constructor(
    private readonly decayMs: number,
    /** Linkerd starts every endpoint at a default RTT, so a fresh one is neither ignored nor flooded. */
    defaultRttMs: number,
    /**
     * When given, the default decays like any estimate. Without it an endpoint that never wins a
     * pick keeps its default forever, and under light load (nothing in flight) two choices always
     * prefer the peers with real, lower latencies: the endpoint starves.
     */
    createdAtMs?: number,
  ) {
    this.cost = defaultRttMs;
    this.createdAtMs = createdAtMs;
  }

  /** False until the first response: the balancer penalises such endpoints while they have requests in flight. */
  get hasData(): boolean {
    return this.stampMs !== undefined;
  }

  observe(rttMs: number, nowMs: number): void {
    const rtt = Math.max(rttMs, 0);
    if (this.stampMs === undefined || rtt > this.cost) {
      this.cost = rtt;
    } else {
      const w = Math.exp(-Math.max(nowMs - this.stampMs, 0) / this.decayMs);
      this.cost = this.cost * w + rtt * (1 - w);
    }
    this.stampMs = nowMs;
  }

  /** The estimate in ms at `nowMs`, decayed over the idle time since the last observation. */
  estimate(nowMs: number): number {
    const since = this.stampMs ?? this.createdAtMs;
    if (since === undefined) return this.cost;
    return this.cost * Math.exp(-Math.max(nowMs - since, 0) / this.decayMs);
  }
}
