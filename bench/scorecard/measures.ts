/**
 * Turns one run's raw data into the scorecard's figures. Pure: no I/O, no clock. Times are
 * epoch ms; "after" figures are ms from the fault's start.
 */
import { isClientError, type ClientRecord } from './open-loop-client.js';
import type { Buckets } from './instances.js';
import type { Observed, Sample } from './observer.js';
import type { RunData } from './run-scenario.js';
import type { Scenario } from './scenarios.js';

/** Pipeline lag allowed after a fault ends before an alert or a cut about it counts as false. */
export const GRACE_MS = 3_000;
const BUCKET_MS = 100;
/** A sample gap longer than this (a stalled poll) is not taken as that long a state. */
const MAX_SAMPLE_GAP_MS = 500;

export interface Span {
  readonly instance: string;
  readonly fromMs: number;
  readonly toMs: number | undefined;
}

/** The scenario's bad spans in epoch ms, starting when the fault step actually fired. */
export function badSpans(sc: Scenario, run: RunData): Span[] {
  return sc.bad.map((b) => {
    const i = sc.steps.findIndex((s) => s.instance === b.instance && s.atMs === b.fromMs);
    const from = i >= 0 && run.stepAtMs[i] !== undefined ? run.stepAtMs[i]! : run.startMs + b.fromMs;
    return { instance: b.instance, fromMs: from, toMs: b.toMs === undefined ? undefined : run.startMs + b.toMs };
  });
}

function isBad(spans: readonly Span[], instance: string, atMs: number, graceMs: number): boolean {
  return spans.some((s) => s.instance === instance && atMs >= s.fromMs && (s.toMs === undefined || atMs < s.toMs + graceMs));
}

/** An instance one proxy alone cannot reach, from `fromMs` (epoch ms). */
export interface PathFault {
  readonly instance: string;
  readonly proxy: number;
  readonly fromMs: number;
}

/**
 * Which parts of the product have this instance out or cut below 0.9 in this sample. The views
 * of proxies whose own path to it is broken (`pathFaults`) are left out: their cut is right.
 */
export function cutBy(sample: Sample, instance: string, pathFaults: readonly PathFault[] = []): string[] {
  const parts = new Set<string>();
  for (const [j, view] of sample.proxies.entries()) {
    if (pathFaults.some((f) => f.instance === instance && f.proxy === j && sample.atMs >= f.fromMs)) continue;
    const p = view?.find((v) => v.id === instance);
    if (p === undefined) continue;
    for (const src of p.unhealthySources) parts.add(src === 'active' ? 'active-check' : src);
    if (p.ejectedByDecision) parts.add('decision-eject');
    else if (p.configWeight > 0 && p.healthy && p.effectiveWeight < 0.9 * p.configWeight) parts.add(p.slowStartFactor < 0.9 ? 'slow-start' : 'proxy-weight');
  }
  const d = sample.decision?.instances.find((i) => i.instanceId === instance);
  if (d !== undefined) {
    if (d.state === 'EJECTED') parts.add('decision-eject');
    else if (d.weight < 0.9 && d.state !== 'SLOW_START' && d.state !== 'DRAINING') parts.add('decision-weight');
  }
  return [...parts];
}

export interface FalseCuts {
  readonly instanceSeconds: number;
  /** Seconds by the part that did it (an instance cut by two parts counts for both). */
  readonly byPart: Record<string, number>;
  /** instance: seconds, for the report. */
  readonly byInstance: Record<string, number>;
}

/**
 * Healthy capacity removed or cut below 0.9 by any part. A bad instance's time out after its
 * fault ended is recovery, not a false cut, until it has been fully back once: a cut after
 * that is a re-ejection of a healthy instance, and counts.
 */
export function falseCuts(samples: readonly Sample[], instances: readonly string[], spans: readonly Span[], pathFaults: readonly PathFault[] = []): FalseCuts {
  const byPart: Record<string, number> = {};
  const byInstance: Record<string, number> = {};
  let total = 0;
  const backOnce = new Set<string>();
  for (let k = 1; k < samples.length; k++) {
    const prev = samples[k - 1]!;
    const cur = samples[k]!;
    const dt = Math.min(cur.atMs - prev.atMs, MAX_SAMPLE_GAP_MS) / 1_000;
    // A poll that failed under load says nothing, and must not pass for "every part has it in".
    if (cur.proxies.some((v) => v === undefined) || cur.decision === undefined) continue;
    for (const id of instances) {
      const parts = cutBy(cur, id, pathFaults);
      if (isBad(spans, id, cur.atMs, GRACE_MS)) continue;
      const afterFault = spans.some((s) => s.instance === id && s.toMs !== undefined && cur.atMs >= s.toMs + GRACE_MS);
      if (afterFault && parts.length === 0) backOnce.add(id);
      // Still on its way back from a fault that ended: recovery, measured elsewhere.
      if (afterFault && !backOnce.has(id)) continue;
      if (parts.length === 0) continue;
      // Slow start of a returning instance is the designed ramp, not a cut.
      const counted = parts.filter((p) => p !== 'slow-start');
      if (counted.length === 0) continue;
      total += dt;
      byInstance[id] = (byInstance[id] ?? 0) + dt;
      for (const p of counted) byPart[p] = (byPart[p] ?? 0) + dt;
    }
  }
  return { instanceSeconds: total, byPart, byInstance };
}

export interface AlertJudgment {
  readonly fired: number;
  /** "TYPE subject" of every firing, in order. */
  readonly names: string[];
  readonly falseAlerts: string[];
}

const SERVICE_ALERTS = new Set(['SERVICE_DEGRADED', 'ERROR_RATE_HIGH', 'LATENCY_SLO_BREACH', 'NO_HEALTHY_INSTANCES']);

/** Every alert firing (from the audit trail, which records each one) judged against the truth. */
export function judgeAlerts(observed: Observed, instances: readonly string[], spans: readonly Span[]): AlertJudgment {
  const fires = observed.audit.filter((r) => r.action === 'alert.fire');
  const falseAlerts: string[] = [];
  for (const f of fires) {
    const [type = '', , subject = ''] = f.entityId.split('/');
    const at = f.atMs;
    const anyBad = instances.some((id) => isBad(spans, id, at, GRACE_MS));
    const allBad = instances.every((id) => isBad(spans, id, at, GRACE_MS));
    let wrong: string | undefined;
    if (instances.includes(subject)) {
      if (!isBad(spans, subject, at, GRACE_MS)) wrong = `${subject} is healthy`;
    } else if (SERVICE_ALERTS.has(type)) {
      if (!anyBad) wrong = 'no instance is bad';
      else if (type === 'NO_HEALTHY_INSTANCES' && !allBad) wrong = 'a healthy instance exists';
    } else {
      wrong = 'nothing of this kind was injected';
    }
    if (wrong !== undefined) falseAlerts.push(`${type}${subject === '' ? '' : ` ${subject}`} (${wrong}): "${f.reason}"`);
  }
  const names = fires.map((f) => f.entityId.split('/').filter((part, i) => i !== 1 && part !== '-').join(' '));
  return { fired: fires.length, names, falseAlerts };
}

/** Requests that reached `instance` per 100 ms: at the instance, or (dead instance) tries the proxy made. */
export function arrivals(run: RunData, instance: string, fromInstanceItself: boolean): Buckets {
  if (fromInstanceItself) return run.counts.get(instance) ?? new Map();
  const out: Buckets = new Map();
  const samples = run.observed?.samples ?? [];
  for (let k = 1; k < samples.length; k++) {
    let tries = 0;
    samples[k]!.proxies.forEach((view, j) => {
      const a = samples[k - 1]!.proxies[j]?.find((v) => v.id === instance);
      const b = view?.find((v) => v.id === instance);
      if (a === undefined || b === undefined) return;
      const before = a.outlierRequests + a.outlierFailures;
      const after = b.outlierRequests + b.outlierFailures;
      tries += after >= before ? after - before : after;
    });
    if (tries > 0) {
      const bucket = Math.floor(samples[k]!.atMs / BUCKET_MS) * BUCKET_MS;
      out.set(bucket, (out.get(bucket) ?? 0) + tries);
    }
  }
  return out;
}

/**
 * ms from `fromMs` to the end of the last 100 ms in which a request still arrived, before
 * `untilMs`: after that, no new request reached the instance while it was bad. null while
 * requests kept arriving in the last second of the span (it was never taken out).
 */
export function lastArrivalAfter(b: Buckets, fromMs: number, untilMs: number): number | null {
  let last: number | undefined;
  for (const [t, n] of b) if (n > 0 && t + BUCKET_MS > fromMs && t < untilMs && (last === undefined || t > last)) last = t;
  if (last === undefined) return 0;
  if (last + BUCKET_MS > untilMs - 1_000) return null;
  return Math.max(0, last + BUCKET_MS - fromMs);
}

function sumRange(b: Buckets, from: number, to: number): number {
  let n = 0;
  for (const [t, c] of b) if (t >= from && t < to) n += c;
  return n;
}

/** The bad instance's share of all arrivals in [from, to), at the instances. */
export function share(counts: ReadonlyMap<string, Buckets>, instance: string, from: number, to: number): number | null {
  let all = 0;
  for (const b of counts.values()) all += sumRange(b, from, to);
  return all === 0 ? null : sumRange(counts.get(instance) ?? new Map(), from, to) / all;
}

/** ms from `fromMs` to the first 1 s window (100 ms steps) in which the share is below 5 %. */
export function shareBelowAfter(counts: ReadonlyMap<string, Buckets>, instance: string, fromMs: number, untilMs: number, limit = 0.05): number | null {
  for (let t = fromMs; t + 1_000 <= untilMs; t += BUCKET_MS) {
    const s = share(counts, instance, t, t + 1_000);
    if (s !== null && s < limit) return t - fromMs;
  }
  return null;
}

/** ms from `fromMs` to the first sample where the instance's weight is below 0.1 (any part / the decision). */
export function weightBelowAfter(samples: readonly Sample[], instance: string, fromMs: number, byDecisionOnly: boolean): number | null {
  for (const s of samples) {
    if (s.atMs < fromMs) continue;
    const d = s.decision?.instances.find((i) => i.instanceId === instance);
    const decided = d !== undefined && (d.state === 'EJECTED' || d.weight < 0.1);
    // Out on any proxy: that proxy's clients no longer reach it.
    const local = s.proxies.some((view) => {
      const p = view?.find((v) => v.id === instance);
      return p !== undefined && (!p.healthy || p.ejectedByDecision || p.effectiveWeight < 0.1);
    });
    if (byDecisionOnly ? decided : decided || local) return s.atMs - fromMs;
  }
  return null;
}

/** ms from the fault's end to the first sample where every part has the instance fully back. */
export function fullyBackAfter(samples: readonly Sample[], instance: string, endMs: number): number | null {
  for (const s of samples) {
    if (s.atMs < endMs) continue;
    const d = s.decision?.instances.find((i) => i.instanceId === instance);
    const everyProxy = s.proxies.every((view) => {
      const p = view?.find((v) => v.id === instance);
      return p !== undefined && p.healthy && !p.ejectedByDecision && p.effectiveWeight >= 0.9 * p.configWeight;
    });
    if (everyProxy && (d === undefined || (d.state === 'ACTIVE' && d.weight >= 0.9))) return s.atMs - endMs;
  }
  return null;
}

/** ms from the fault's end to the first request the instance itself received. */
export function firstArrivalAfter(b: Buckets, endMs: number): number | null {
  const t = [...b.keys()].filter((k) => k + BUCKET_MS > endMs).sort((x, y) => x - y)[0];
  return t === undefined ? null : Math.max(0, t - endMs);
}

export function p99(records: readonly ClientRecord[], from: number, to: number): number | null {
  const l = records.filter((r) => r.sentAtMs >= from && r.sentAtMs < to).map((r) => r.latencyMs).sort((a, b) => a - b);
  return l.length === 0 ? null : l[Math.min(l.length - 1, Math.floor(0.99 * l.length))]!;
}

export function clientErrors(records: readonly ClientRecord[]): { count: number; kinds: Record<string, number> } {
  const kinds: Record<string, number> = {};
  let count = 0;
  for (const r of records) {
    if (!isClientError(r)) continue;
    count++;
    const k = r.error ?? `HTTP ${r.status}`;
    kinds[k] = (kinds[k] ?? 0) + 1;
  }
  return { count, kinds };
}

/**
 * Per instance, each change of what the parts say about it (ms from the run's start): the raw
 * evidence behind a false-cut figure, for the results file.
 */
export function stateTimeline(samples: readonly Sample[], instances: readonly string[], startMs: number): Record<string, Array<[number, string]>> {
  const out: Record<string, Array<[number, string]>> = {};
  for (const id of instances) {
    const changes: Array<[number, string]> = [];
    let last = '';
    for (const s of samples) {
      const d = s.decision?.instances.find((i) => i.instanceId === id);
      const proxies = s.proxies
        .map((view) => {
          const p = view?.find((v) => v.id === id);
          return `proxy ${p === undefined ? '?' : `${p.healthy ? 'in' : `out(${p.unhealthySources.join('+')})`} w=${p.effectiveWeight.toFixed(2)}${p.ejectedByDecision ? ' decision-ejected' : ''}`}`;
        })
        .join('; ');
      const text = `${proxies}; decision ${d === undefined ? '?' : `${d.state} ${d.weight.toFixed(2)}${d.state === 'ACTIVE' ? '' : ` (${d.reason})`}`}${s.decision?.panic ? ' PANIC' : ''}`;
      if (text !== last) changes.push([s.atMs - startMs, text]);
      last = text;
    }
    out[id] = changes;
  }
  return out;
}
