/**
 * Runs one phase with autocannon at a fixed overall rate and collects what it saw: requests sent,
 * responses by status, errors, timeouts, and every response time in an HdrHistogram.
 */
import type { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { createLatencyRecorder, type LatencyRecorder } from './latency.js';
import { defaultConnections, type Phase } from './phase-plan.js';
import type { PhaseOutcome } from './report.js';

/**
 * How long a phase may run past its planned end for requests still in flight, so a request sent
 * just before the end is answered rather than cut off and counted as unanswered.
 */
export const END_GRACE_SECONDS = 1;

export interface TargetOptions {
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
  readonly connections: number | undefined;
  readonly timeoutSeconds: number;
}

export interface PhaseResult {
  readonly outcome: PhaseOutcome;
  readonly latency: LatencyRecorder;
}

export interface RunningPhase {
  readonly done: Promise<PhaseResult>;
  /** Ends the phase early; `done` still resolves with what was measured. */
  stop(): void;
  /** Called about once a second with the responses so far (for progress lines). */
  onTick(listener: (responses: number) => void): void;
}

export function runPhase(phase: Phase, target: TargetOptions): RunningPhase {
  const latency = createLatencyRecorder();
  const statusCodes: Record<string, number> = {};
  let sent = 0;
  let responses = 0;
  const tickListeners: Array<(responses: number) => void> = [];
  let instance: autocannon.Instance | undefined;
  let stopped = false;
  let endWait: (() => void) | undefined;
  const started = performance.now();
  const done = new Promise<PhaseResult>((resolve, reject) => {
    instance = autocannon(
      {
        url: target.url,
        method: target.method as autocannon.Request['method'],
        headers: { ...target.headers },
        ...(target.body === undefined ? {} : { body: target.body }),
        connections: target.connections ?? defaultConnections(phase.rate),
        overallRate: phase.rate,
        // autocannon releases each connection's quota at the start of every second, so a run of
        // N seconds would send N + 1 quotas by the time its timer fires. Capping the requests at
        // the plan keeps the count exact; the duration (plus a grace for requests still in flight
        // at the planned end) still ends a phase the target can't keep up with.
        maxOverallRequests: phase.rate * phase.seconds,
        duration: phase.seconds + END_GRACE_SECONDS,
        timeout: target.timeoutSeconds,
        // We keep our own histogram of raw response times (below); autocannon's correction
        // assumes a 1 ms expected interval when rate-limited, which would invent samples.
        ignoreCoordinatedOmission: true,
        setupClient: (client) => {
          // autocannon's Client emits 'request' per request written; @types/autocannon omits it.
          (client as EventEmitter).on('request', () => {
            sent += 1;
          });
        },
      },
      (err: unknown, result: autocannon.Result) => {
        if (err !== null && err !== undefined) {
          reject(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        // With the cap, the last quota is answered before the phase's time is up: wait out the
        // rest so the phase occupies its planned window (the next phase's rate starts on time and
        // the achieved rate is measured over the same span as the requested one).
        const remainingMs = phase.seconds * 1_000 - (performance.now() - started);
        void new Promise<void>((wake) => {
          if (stopped || remainingMs <= 0) return wake();
          const timer = setTimeout(wake, remainingMs);
          endWait = () => {
            clearTimeout(timer);
            wake();
          };
        }).then(() => resolve({
          latency,
          outcome: {
            phase,
            elapsedSeconds: Math.round(performance.now() - started) / 1_000,
            sent,
            statusCodes: { ...statusCodes },
            errors: result.errors,
            timeouts: result.timeouts,
            latency: latency.summary(),
          },
        }));
      },
    );
    instance.on('response', (_client, statusCode: number, _bytes: number, responseTime: number) => {
      responses += 1;
      statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
      latency.recordMs(responseTime);
    });
    instance.on('tick', () => {
      for (const l of tickListeners) l(responses);
    });
  });
  return {
    done,
    stop: () => {
      stopped = true;
      instance?.stop();
      endWait?.();
    },
    onTick: (listener) => {
      tickListeners.push(listener);
    },
  };
}
