import { isSlbError } from '@slb/core/errors';
import { LatencySketch } from './latency-sketch.js';
import { instanceKey, VerdictBook } from './verdicts.js';
import { windowPolicy, windowStartOf, type WindowPolicy } from './window-policy.js';
import type { ErrorCounts, InstanceWindow, ProxyView, ProxyWindowReport, ServiceWindow, SourceOffset, HealthVerdict } from './types.js';

export type ReportOutcome = 'accepted' | 'late' | 'duplicate' | 'invalid';

export interface WindowStats {
  readonly accepted: number;
  readonly late: number;
  readonly lateRequests: number;
  readonly duplicates: number;
  readonly invalid: number;
  readonly openWindows: number;
  readonly watermarkMs: number;
}

interface MutableErrors {
  status5xx: number;
  connectFailures: number;
  timeouts: number;
  resets: number;
}

/**
 * One proxy's share of an instance window: the only running totals kept per report. The
 * instance's figures (every proxy merged) are summed from these when the window closes.
 */
interface ProxyAcc {
  /** Start of this proxy's newest report, and the in-flight it read then. */
  startMs: number;
  inFlight: number;
  requests: number;
  readonly errors: MutableErrors;
  /** Only this proxy's samples: scoring compares instances as the same proxy saw them. */
  sketch: LatencySketch | null;
}

interface InstanceAcc {
  readonly serviceId: string;
  readonly instanceId: string;
  readonly byProxy: Map<string, ProxyAcc>;
  /** `${proxyId}@${reportStartMs}`: a redelivered report is merged once. */
  readonly seen: Set<string>;
  readonly sources: SourceOffset[];
}

interface KnownInstance {
  readonly serviceId: string;
  readonly instanceId: string;
  /** Event time of the first input: no empty windows are invented before an instance existed. */
  firstSeenMs: number;
  lastSeenMs: number;
}

/**
 * Event-time tumbling windows per service and instance (docs/scoring.md, "Windows").
 *
 * Pure and deterministic: no clock, no I/O. Callers pass the receive time with each input and
 * call `advance(nowMs)`; closed windows come back as values. Late reports (for a window that
 * already closed) are counted and reported, never merged: the window was already emitted, and
 * re-emitting it would count its traffic twice downstream.
 */
export class WindowAggregator {
  readonly policy: WindowPolicy;
  private readonly open = new Map<number, Map<string, InstanceAcc>>();
  private readonly known = new Map<string, KnownInstance>();
  private readonly verdicts: VerdictBook;
  private watermark = Number.NEGATIVE_INFINITY;
  private maxEventEndMs = Number.NEGATIVE_INFINITY;
  private lastInputAtMs = Number.NEGATIVE_INFINITY;
  private readonly lateSinceEmit = new Map<string, { reports: number; requests: number }>();
  private counters = { accepted: 0, late: 0, lateRequests: 0, duplicates: 0, invalid: 0 };

  constructor(policy: Partial<WindowPolicy> = {}) {
    this.policy = windowPolicy(policy);
    this.verdicts = new VerdictBook(this.policy.verdicts);
  }

  get watermarkMs(): number {
    return this.watermark;
  }

  /**
   * Starts a rebuilt aggregator where a previous owner's emissions ended (docs/health-scorer.md,
   * "Takeover"): every window ending at or before `watermarkMs` was already emitted, so a
   * report for one is late, never merged a second time. The watermark never moves back.
   */
  resumeFrom(watermarkMs: number): void {
    if (Number.isFinite(watermarkMs) && watermarkMs > this.watermark) this.watermark = watermarkMs;
  }

  stats(): WindowStats {
    return { ...this.counters, openWindows: this.open.size, watermarkMs: this.watermark };
  }

  /**
   * Adds one proxy report. Throws nothing for bad input: an undecodable sketch or impossible
   * counts come back as 'invalid' (the adapter dead-letters the record), see `lastInvalidReason`.
   */
  addReport(report: ProxyWindowReport, receivedAtMs: number): ReportOutcome {
    this.lastInputAtMs = Math.max(this.lastInputAtMs, receivedAtMs);
    const problem = validateReport(report);
    if (problem !== null) return this.invalid(problem);

    const start = windowStartOf(report.windowStartMs, this.policy.sizeMs);
    if (start + this.policy.sizeMs <= this.watermark) {
      this.counters.late += 1;
      this.counters.lateRequests += report.requests;
      const late = this.lateSinceEmit.get(report.serviceId) ?? { reports: 0, requests: 0 };
      late.reports += 1;
      late.requests += report.requests;
      this.lateSinceEmit.set(report.serviceId, late);
      return 'late';
    }

    const key = instanceKey(report.serviceId, report.instanceId);
    let windowAccs = this.open.get(start);
    let acc = windowAccs?.get(key);
    const seenKey = `${report.proxyId}@${report.windowStartMs}`;
    if (acc?.seen.has(seenKey) === true) {
      this.counters.duplicates += 1;
      return 'duplicate';
    }

    // Decode before touching any state, so a bad sketch leaves the window exactly as it was.
    let decoded: LatencySketch | null = null;
    if (report.latencySketch !== null && report.latencySketch.length > 0) {
      try {
        decoded = LatencySketch.fromBytes(report.latencySketch);
      } catch (err) {
        if (isSlbError(err, 'SLB_SKETCH_INVALID')) return this.invalid(err.message);
        throw err;
      }
    }

    if (windowAccs === undefined) {
      windowAccs = new Map();
      this.open.set(start, windowAccs);
    }
    if (acc === undefined) {
      acc = newAcc(report.serviceId, report.instanceId);
      windowAccs.set(key, acc);
    }
    acc.seen.add(seenKey);
    let view = acc.byProxy.get(report.proxyId);
    if (view === undefined) {
      view = { startMs: report.windowStartMs, inFlight: report.inFlight, requests: 0, errors: noErrors(), sketch: null };
      acc.byProxy.set(report.proxyId, view);
    } else if (view.startMs <= report.windowStartMs) {
      view.startMs = report.windowStartMs;
      view.inFlight = report.inFlight;
    }
    view.requests += report.requests;
    addErrors(view.errors, report.errors);
    if (decoded !== null && decoded.count > 0) {
      if (view.sketch === null) view.sketch = decoded;
      else view.sketch.merge(decoded);
    }
    if (report.source !== undefined) acc.sources.push(report.source);

    this.touch(report.serviceId, report.instanceId, report.windowStartMs, report.windowEndMs);
    this.maxEventEndMs = Math.max(this.maxEventEndMs, report.windowEndMs);
    this.counters.accepted += 1;
    return 'accepted';
  }

  /** Adds one active-check verdict; false when an equal or newer one from that proxy is held. */
  addVerdict(verdict: HealthVerdict, receivedAtMs: number): boolean {
    this.lastInputAtMs = Math.max(this.lastInputAtMs, receivedAtMs);
    if (!Number.isFinite(verdict.atMs)) return false;
    const added = this.verdicts.add(verdict);
    if (added) {
      this.touch(verdict.serviceId, verdict.instanceId, verdict.atMs, verdict.atMs);
      // Verdicts carry event time too: with no traffic at all but checks still flowing, they
      // are what moves the watermark (the input is never idle, so the clock rule never applies).
      this.maxEventEndMs = Math.max(this.maxEventEndMs, verdict.atMs);
    }
    return added;
  }

  /**
   * Moves the watermark and returns every window it closed, oldest first, one ServiceWindow per
   * service known at that time (instances without traffic appear with zero counts, so an
   * ejected instance, which gets no traffic, is still scored from its active checks).
   *
   * The watermark follows event time (newest report end or verdict minus the allowed lateness), so a
   * backlog replayed after a crash closes the same windows it would have closed live. Only when
   * input has been idle for `idleTimeoutMs` does it follow `nowMs` instead.
   */
  advance(nowMs: number): ServiceWindow[] {
    let candidate = this.maxEventEndMs - this.policy.allowedLatenessMs;
    if (nowMs - this.lastInputAtMs >= this.policy.idleTimeoutMs) {
      candidate = Math.max(candidate, nowMs - this.policy.allowedLatenessMs);
    }
    if (!(candidate > this.watermark)) return [];
    const previous = this.watermark;
    this.watermark = candidate;

    const size = this.policy.sizeMs;
    const closing = new Set<number>();
    for (const start of this.open.keys()) if (start + size <= this.watermark) closing.add(start);
    // Windows with no traffic at all still close when instances are known (active checks only),
    // but only from the first window after the previous watermark, so nothing closes twice.
    if (this.known.size > 0 && Number.isFinite(previous)) {
      // The first window whose end lies after the previous watermark.
      const first = windowStartOf(previous, size);
      // Bounded: after a very long idle gap, emit at most the last few empty windows.
      const lastStart = windowStartOf(this.watermark, size) - size;
      for (let s = Math.max(first, lastStart - 10 * size); s <= lastStart; s += size) {
        if (s + size <= this.watermark && s + size > previous) closing.add(s);
      }
    }
    const out: ServiceWindow[] = [];
    for (const start of [...closing].sort((a, b) => a - b)) {
      out.push(...this.closeWindow(start, this.open.get(start) ?? new Map()));
      this.open.delete(start);
    }
    this.forget(this.watermark);
    return out;
  }

  private closeWindow(start: number, accs: Map<string, InstanceAcc>): ServiceWindow[] {
    const end = start + this.policy.sizeMs;
    const seconds = this.policy.sizeMs / 1000;
    const byService = new Map<string, InstanceWindow[]>();
    const serviceSketches = new Map<string, LatencySketch>();
    const push = (w: InstanceWindow): void => {
      let list = byService.get(w.serviceId);
      if (list === undefined) {
        list = [];
        byService.set(w.serviceId, list);
      }
      list.push(w);
    };
    for (const acc of accs.values()) {
      const { window, sketch } = this.instanceWindow(acc, start, end, seconds);
      push(window);
      if (sketch !== null) {
        // The instance's merged sketch is not needed once its quantiles are taken: the first one
        // becomes the service's (no copy), the others merge into it.
        const s = serviceSketches.get(acc.serviceId);
        if (s === undefined) serviceSketches.set(acc.serviceId, sketch);
        else s.merge(sketch);
      }
    }
    for (const [key, k] of this.known) {
      if (accs.has(key) || k.firstSeenMs >= end || k.lastSeenMs < start - this.policy.forgetAfterMs) continue;
      push(this.instanceWindow(newAcc(k.serviceId, k.instanceId), start, end, seconds).window);
    }

    const out: ServiceWindow[] = [];
    for (const serviceId of [...byService.keys()].sort()) {
      const instances = (byService.get(serviceId) ?? []).sort((a, b) => (a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0));
      let requests = 0;
      let errorTotal = 0;
      let inFlight = 0;
      for (const i of instances) {
        requests += i.requests;
        errorTotal += i.errorTotal;
        inFlight += i.inFlight;
      }
      const late = this.lateSinceEmit.get(serviceId);
      this.lateSinceEmit.delete(serviceId);
      out.push({
        serviceId,
        windowStartMs: start,
        windowEndMs: end,
        instances,
        requests,
        errorTotal,
        rps: requests / seconds,
        errorRate: requests > 0 ? errorTotal / requests : 0,
        latencyMs: serviceSketches.get(serviceId)?.quantiles() ?? null,
        inFlight,
        lateReports: late?.reports ?? 0,
        lateRequests: late?.requests ?? 0,
      });
    }
    return out;
  }

  /**
   * The instance's window and its merged sketch, summed from its proxies' shares. Each proxy's
   * sketch gives that proxy's p95 first; then they are merged (into the first one: the accumulator
   * is discarded after the close).
   */
  private instanceWindow(acc: InstanceAcc, start: number, end: number, seconds: number): { window: InstanceWindow; sketch: LatencySketch | null } {
    const e = noErrors();
    let requests = 0;
    let inFlight = 0;
    let merged: LatencySketch | null = null;
    const proxies = [...acc.byProxy.keys()].sort();
    const byProxy: ProxyView[] = [];
    for (const proxyId of proxies) {
      const v = acc.byProxy.get(proxyId) as ProxyAcc;
      requests += v.requests;
      addErrors(e, v.errors);
      inFlight += v.inFlight;
      const localFailures = v.errors.connectFailures + v.errors.timeouts + v.errors.resets;
      byProxy.push({ proxyId, requests: v.requests, errorTotal: v.errors.status5xx + localFailures, localFailures, p95Ms: v.sketch?.quantiles()?.p95 ?? null });
      if (v.sketch === null) continue;
      if (merged === null) merged = v.sketch;
      else merged.merge(v.sketch);
    }
    const errorTotal = e.status5xx + e.connectFailures + e.timeouts + e.resets;
    const window: InstanceWindow = {
      serviceId: acc.serviceId,
      instanceId: acc.instanceId,
      windowStartMs: start,
      windowEndMs: end,
      proxies,
      requests,
      errors: e satisfies ErrorCounts,
      errorTotal,
      rps: requests / seconds,
      errorRate: requests > 0 ? Math.min(1, errorTotal / requests) : 0,
      latencyMs: merged?.quantiles() ?? null,
      inFlight,
      byProxy,
      // Verdicts are judged as of the window's end: what the fleet believed when it closed.
      check: this.verdicts.combined(acc.serviceId, acc.instanceId, end),
      sources: acc.sources,
    };
    return { window, sketch: merged };
  }

  private touch(serviceId: string, instanceId: string, fromMs: number, toMs: number): void {
    const key = instanceKey(serviceId, instanceId);
    const k = this.known.get(key);
    if (k === undefined) this.known.set(key, { serviceId, instanceId, firstSeenMs: fromMs, lastSeenMs: toMs });
    else {
      k.firstSeenMs = Math.min(k.firstSeenMs, fromMs);
      k.lastSeenMs = Math.max(k.lastSeenMs, toMs);
    }
  }

  private forget(atMs: number): void {
    for (const [key, k] of this.known) if (k.lastSeenMs < atMs - this.policy.forgetAfterMs) this.known.delete(key);
    this.verdicts.prune(atMs);
  }

  private invalid(reason: string): ReportOutcome {
    this.counters.invalid += 1;
    this.lastInvalidReason = reason;
    return 'invalid';
  }

  /** Why the most recent 'invalid' outcome happened, for the dead-letter record. */
  lastInvalidReason: string | null = null;
}

function newAcc(serviceId: string, instanceId: string): InstanceAcc {
  return {
    serviceId,
    instanceId,
    byProxy: new Map(),
    seen: new Set(),
    sources: [],
  };
}

const noErrors = (): MutableErrors => ({ status5xx: 0, connectFailures: 0, timeouts: 0, resets: 0 });

function addErrors(to: MutableErrors, from: ErrorCounts): void {
  to.status5xx += from.status5xx;
  to.connectFailures += from.connectFailures;
  to.timeouts += from.timeouts;
  to.resets += from.resets;
}

const isCount = (n: number): boolean => Number.isFinite(n) && n >= 0;

function validateReport(r: ProxyWindowReport): string | null {
  if (r.proxyId === '' || r.serviceId === '' || r.instanceId === '') return 'proxyId, serviceId and instanceId must be non-empty';
  if (!Number.isFinite(r.windowStartMs) || !Number.isFinite(r.windowEndMs) || r.windowEndMs <= r.windowStartMs) {
    return 'windowEndMs must be after windowStartMs';
  }
  const e = r.errors;
  if (![r.requests, r.inFlight, e.status5xx, e.connectFailures, e.timeouts, e.resets].every(isCount)) {
    return 'counts must be finite and non-negative';
  }
  if (e.status5xx + e.connectFailures + e.timeouts + e.resets > r.requests) return 'more errors than requests';
  return null;
}
