/**
 * The hot path: one client request forwarded to an instance through undici's dispatcher.
 *
 * Each try is an `UpstreamTry`, undici's raw dispatch handler (onConnect/onHeaders/onData/
 * onComplete/onError on raw header buffers), handing its callbacks to the `ProxiedRequest`
 * (two tries at once while hedging): the upstream's status, headers and body are
 * written straight to the client's ServerResponse, with undici's pause/resume as
 * backpressure. There is no stream.pipeline, no AbortSignal and no per-request timer (except
 * the hedge timer of services that hedge): per-try
 * and overall timeouts are undici's headersTimeout (bounded by the remaining overall time) and
 * bodyTimeout. On Node 20 a per-request pipeline halves throughput (AbortSignal/DOMException
 * churn); a dispatch handler does not (docs/proxy.md).
 *
 * Per try: balancer pick (hash key per policy, excluding instances already tried) ->
 * admission limits -> onStart -> dispatch -> onEnd + outlier detection + telemetry, of which
 * only the instance's faults count: a request undici refuses before sending or a client that
 * leaves is neutral (try-failure.ts) and is answered 400/501/413/499 without a retry. A failed try is
 * retried on another instance when the retry policy allows it (idempotent methods, or a
 * failure before anything was sent), the body can be replayed (none, or not read yet), the
 * retry budget has room; after a full-jitter backoff. An instance that answers it is full (429,
 * or 503 with Retry-After) is held back in the balancer for its Retry-After
 * (resilience/throttle-hold.ts), and a 429 to an idempotent request is retried at once on an
 * instance not tried yet; it is neutral for outlier detection and the latency estimate.
 *
 * When the scan ejects an instance as stalled, the tries waiting on it (no response headers
 * yet) are cut short (`cutTryTo`, resilience/stalled-tries.ts): retried at once on another
 * instance when the retry policy, the body and the budget allow, else answered 504. A cut try
 * is the instance's timeout, counted once (balancer, telemetry; outlier detection has its
 * ejection). For that each request is linked into the data server's list of requests in flight
 * (requests-in-flight.ts): a few pointer writes when it starts and when it ends.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import type { Clock, ErrorCode } from '@slb/core';
import type { Logger } from 'pino';
import { IDEMPOTENT_METHODS, TOO_MANY_REQUESTS, fullJitterBackoffMs, shouldRetry, admit, throttleHoldMs, type LocalFailure, type OutlierEvent } from '../resilience/index.js';
import { cutVerdict } from '../resilience/stalled-tries.js';
import type { Balancer, PickContext } from '../balancing/index.js';
import { clientResponseHeaders, rawHeader, rawResponseHeader, upstreamRequestHeaders } from './headers.js';
import { clientAddress, forwardedValues, peerAddress, type TrustPolicy } from './forwarding-headers.js';
import { sendError } from './http-errors.js';
import type { ProxyMetrics } from '../operations/metrics.js';
import type { ProxyLimits } from '../options.js';
import type { RoutedInstance, RoutedService } from '../control/routed-service.js';
import { recordOutcome, type OutcomeClass } from '../operations/telemetry.js';
import { BODY_TOO_LARGE_CODE, classifyTryError, isClientAbort, type ClientFaultAnswer } from './try-failure.js';
import { BufferedBody, bufferFits } from './request-body.js';
import type { RequestsInFlight } from './requests-in-flight.js';

export interface ForwardContext {
  readonly clock: Clock;
  readonly random: () => number;
  readonly metrics: ProxyMetrics;
  readonly logger: Logger;
  readonly accessLog: boolean;
  readonly trust: TrustPolicy;
  readonly limits: ProxyLimits;
  /** Requests in flight through the whole proxy (drain waits for 0). */
  inFlight: number;
  draining: boolean;
  nextRequestId(): string;
  onRequestDone(): void;
  onOutlierEvents(service: RoutedService, events: OutlierEvent[]): void;
  /** `inst` reached one of its admission limits (open: operators see a breaker open) or is back under them. */
  onAdmissionChange(service: RoutedService, inst: RoutedInstance, open: boolean): void;
}

const REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

type RawHandlerResume = () => void;

const FAILURE_CODE: Readonly<Record<LocalFailure, ErrorCode>> = {
  connect: 'SLB_PROXY_UPSTREAM_CONNECT_FAILED',
  timeout: 'SLB_PROXY_UPSTREAM_TIMEOUT',
  reset: 'SLB_PROXY_UPSTREAM_RESET',
};

/** A request that ended on an upstream's failure (by `complete`'s outcome): the failure. */
const REQUEST_FAILURE: Readonly<Record<string, LocalFailure | undefined>> = {
  SLB_PROXY_UPSTREAM_CONNECT_FAILED: 'connect',
  SLB_PROXY_UPSTREAM_TIMEOUT: 'timeout',
  SLB_PROXY_UPSTREAM_RESET: 'reset',
  'upstream-connect-mid-response': 'connect',
  'upstream-timeout-mid-response': 'timeout',
  'upstream-reset-mid-response': 'reset',
};

/** Counts request body bytes of chunked uploads (Content-Length ones are checked up front). */
class BodyLimit extends Transform {
  private seen = 0;
  constructor(private readonly max: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.max) cb(Object.assign(new Error('request body too large'), { code: BODY_TOO_LARGE_CODE }));
    else cb(null, chunk);
  }
}

/** Extracts the consistent-hash key per the service's hashOn. */
function hashKeyOf(svc: RoutedService, req: IncomingMessage, peer: string, trust: TrustPolicy): string | undefined {
  const on = svc.hashOn;
  if (on === null) return undefined;
  switch (on.source) {
    case 'HEADER':
      return rawHeader(req.rawHeaders, on.name!);
    case 'COOKIE': {
      const cookie = rawHeader(req.rawHeaders, 'cookie');
      if (cookie === undefined) return undefined;
      for (const part of cookie.split(';')) {
        const eq = part.indexOf('=');
        if (eq !== -1 && part.slice(0, eq).trim() === on.name) return part.slice(eq + 1).trim();
      }
      return undefined;
    }
    case 'CLIENT_IP':
      return clientAddress(peer, req.rawHeaders, trust);
  }
}

/**
 * One try of a request against one instance: the undici raw dispatch handler. It only routes
 * undici's callbacks to its request, so a request can have two tries at once (a hedge).
 */
class UpstreamTry {
  abort: ((err?: Error) => void) | undefined;
  resume: RawHandlerResume | undefined;
  /** This try's answer is read to the end and thrown away (a retried 429/502/503/504). */
  discarding = false;
  discardStatus = 0;
  /** A retry-budget slot was taken when this try's answer was discarded. */
  retryAcquired = false;
  /** Accounted for (balancer, detector): later callbacks are ignored. */
  ended = false;
  /** Lost a hedge race or the client left: abort and ignore. */
  cancelled = false;
  readonly startMono: number;
  /**
   * Response body chunks seen, and when the timer sweep last saw that count change: the idle
   * timeout is measured without a clock read per chunk.
   */
  chunks = 0;
  chunksAtSweep = 0;
  lastProgressMono = 0;

  constructor(
    readonly request: ProxiedRequest,
    readonly inst: RoutedInstance,
    startMono: number,
  ) {
    this.startMono = startMono;
  }

  onConnect(abort: (err?: Error) => void): void {
    if (this.cancelled) abort();
    else this.abort = abort;
  }

  onHeaders(status: number, rawHeaders: Buffer[], resume: RawHandlerResume, statusText?: string): boolean {
    return this.request.tryHeaders(this, status, rawHeaders, resume, statusText);
  }

  onData(chunk: Buffer): boolean {
    this.chunks++;
    return this.request.tryData(this, chunk);
  }

  onComplete(): void {
    this.request.tryComplete(this);
  }

  onError(err: Error & { code?: string }): void {
    this.request.tryError(this, err);
  }
}

export class ProxiedRequest {
  private readonly startMono: number;
  /** When the request timeout fires: from the start, or for a buffered body from its end. */
  private deadlineMono: number;
  private readonly requestId: string;
  private readonly headers: string[];
  private readonly hashKey: string | undefined;
  /** Null: no body. A Buffer: read whole (replayable). A stream: forwarded as it comes. */
  private body: IncomingMessage | Transform | Buffer | null;
  /** The body is being read into memory before an instance is picked (request-body.ts). */
  private buffering: BufferedBody | undefined;
  /** What the client's socket had read when the request began: its body rate counts from there. */
  private readonly socketBytesAtStart: number;
  private readonly balancer: Balancer;
  private tries = 0;
  private exclude: Set<string> | undefined;
  /** Tries in flight (one, or two while hedging). */
  private active: UpstreamTry[] = [];
  /** The try whose answer the client is getting. */
  private winner: UpstreamTry | undefined;
  private finished = false;
  /** Refused before anything was sent: metrics and logs name no instance. */
  private unsent = false;
  private retryHeld = false;
  private lastFailure: LocalFailure | undefined;
  private hedgeTimer: NodeJS.Timeout | undefined;
  /** The instance of each try, in order (exclusion on retry; logs and metrics name the last). */
  private readonly triedIds: string[] = [];
  /** Wall-clock time of the last pick, reused by the dispatch that follows it. */
  private pickedAt = 0;
  /** Created on the first backpressure only: most responses never fill the socket. */
  private onDrain: (() => void) | undefined;
  /** Links of the proxy's list of requests in flight (requests-in-flight.ts). */
  prevInFlight: ProxiedRequest | undefined = undefined;
  nextInFlight: ProxiedRequest | undefined = undefined;

  constructor(
    private readonly ctx: ForwardContext,
    private readonly svc: RoutedService,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    hasBody: boolean,
    requestId: string,
    private readonly requests: RequestsInFlight<ProxiedRequest>,
  ) {
    this.startMono = ctx.clock.monotonic();
    this.deadlineMono = this.startMono + svc.requestTimeoutMs;
    this.requestId = requestId;
    this.balancer = svc.balancer;
    const peer = peerAddress(req.socket.remoteAddress);
    const host = req.headers.host ?? '';
    this.headers = upstreamRequestHeaders(req.rawHeaders, forwardedValues(peer, req.rawHeaders, host, ctx.trust, requestId));
    this.hashKey = hashKeyOf(svc, req, peer, ctx.trust);
    this.socketBytesAtStart = req.socket.bytesRead;
    const length = req.headers['content-length'];
    if (!hasBody) this.body = null;
    else if (bufferFits(length, svc.requestBufferBytes)) {
      this.body = null;
      this.buffering = new BufferedBody(req, svc.requestBufferBytes, ctx.limits.maxBodyBytes);
    } else this.body = this.streamedBody(undefined);
    svc.budget.requestStarted();
    res.once('close', this.onClientClose);
    requests.add(this);
  }

  private readonly onClientClose = (): void => {
    if (!this.finished && !this.res.writableFinished) {
      // Gone mid-upload, the time so far is the client's; gone while waiting, it is a lower
      // bound of the instance's latency, worth keeping.
      this.cancelAll(undefined, this.req.complete ? 'neutral' : 'unobserved');
      this.complete(499, 'client-closed');
    }
  };

  /** Picks an admitted instance; undefined after answering the client itself (when `answer`). */
  private pick(answer = true): RoutedInstance | undefined {
    const svc = this.svc;
    const now = this.ctx.clock.now();
    this.pickedAt = now;
    for (let guard = 0; guard <= svc.instances.size; guard++) {
      const pickCtx: PickContext = { hashKey: this.hashKey, exclude: this.exclude };
      const ep = this.balancer.pick(pickCtx, now);
      if (ep === undefined) break;
      const inst = svc.instances.get(ep.id);
      if (inst === undefined) break;
      const allExcluded = this.exclude?.has(ep.id) === true;
      if (inst.inFlight < svc.admissionFloor && svc.admission.atLimit().size === 0) return inst;
      const stats = inst.pool.stats;
      const admission = admit(inst.id, { connections: stats.connected, pending: stats.pending, inFlight: inst.inFlight }, svc.limits);
      const change = svc.admission.observe(inst.id, admission);
      if (change !== undefined) this.ctx.onAdmissionChange(svc, inst, change === 'opened');
      if (admission.admitted) return inst;
      if (allExcluded) {
        if (answer) this.fail('SLB_PROXY_CIRCUIT_OPEN', admission.reason);
        return undefined;
      }
      (this.exclude ??= new Set()).add(inst.id);
    }
    if (answer) this.fail('SLB_PROXY_NO_HEALTHY_INSTANCE', `service ${svc.id} has no instance that can take the request`);
    return undefined;
  }

  /**
   * The client's body as undici sends it: the request itself, or (chunked, with a body limit)
   * through a counter that stops it at the limit. `head`: what was buffered before the body
   * outgrew the buffer, sent first.
   */
  private streamedBody(head: readonly Buffer[] | undefined): IncomingMessage | Transform {
    const req = this.req;
    const limit = this.ctx.limits.maxBodyBytes;
    if (head === undefined && (req.headers['content-length'] !== undefined || limit === 0)) return req;
    const limited = new BodyLimit(limit === 0 ? Number.MAX_SAFE_INTEGER : limit);
    if (head !== undefined) for (const chunk of head) limited.write(chunk);
    req.pipe(limited);
    return limited;
  }

  start(): void {
    const buffering = this.buffering;
    if (buffering === undefined) return this.forward();
    buffering.read((outcome) => {
      this.buffering = undefined;
      if (this.finished) return;
      switch (outcome.kind) {
        case 'complete':
          this.body = outcome.body;
          // The request timeout counts from the end of the request, as Envoy's route timeout.
          this.deadlineMono = this.ctx.clock.monotonic() + this.svc.requestTimeoutMs;
          return this.forward();
        case 'too-large':
          return this.fail('SLB_PROXY_BODY_TOO_LARGE', `request body exceeds ${this.ctx.limits.maxBodyBytes} bytes`, true);
        case 'outgrown':
          this.body = this.streamedBody(outcome.head);
          return this.forward();
        case 'aborted':
          return; // the client's close handler answers 499
      }
    });
  }

  private forward(): void {
    const inst = this.pick();
    if (inst === undefined) return;
    this.dispatch(inst);
    const hedge = this.svc.hedge;
    if (hedge !== undefined && this.replayable() && IDEMPOTENT_METHODS.has(this.req.method!) && this.svc.maxAttempts > 1) {
      const delay = hedge.delayMs(this.ctx.clock.now());
      if (delay !== undefined) this.hedgeTimer = setTimeout(() => this.fireHedge(), delay);
    }
  }

  /** No answer after the latency quantile: send a copy to another instance, first answer wins. */
  private fireHedge(): void {
    this.hedgeTimer = undefined;
    if (this.finished || this.winner !== undefined || this.active.length !== 1 || this.tries >= this.svc.maxAttempts) return;
    (this.exclude ??= new Set()).add(this.active[0]!.inst.id);
    const inst = this.pick(false);
    if (inst === undefined || this.exclude.has(inst.id) || !this.acquireRetry()) return;
    this.ctx.metrics.hedges.labels(this.svc.id).inc();
    this.dispatch(inst);
  }

  private dispatch(inst: RoutedInstance): void {
    this.tries++;
    this.triedIds.push(inst.id);
    // The first try starts as the request does: no second clock read.
    const nowMono = this.tries === 1 ? this.startMono : this.ctx.clock.monotonic();
    const t = new UpstreamTry(this, inst, nowMono);
    this.active.push(t);
    inst.inFlight++;
    this.balancer.onStart(inst.id, this.pickedAt);
    // undici's own timers are off: they tick every 500 ms or so, and fired a 1,500 ms timeout at
    // 2 s. The data server's sweep (checkTimers) measures every timeout instead.
    inst.pool.dispatch({ path: this.req.url!, method: this.req.method!, headers: this.headers, body: this.body, headersTimeout: 0, bodyTimeout: 0 }, t as never);
  }

  // ---- callbacks of the tries ----

  tryHeaders(t: UpstreamTry, status: number, rawHeaders: Buffer[], resume: RawHandlerResume, statusText?: string): boolean {
    if (status < 200) return true;
    if (t.cancelled || this.finished) return false;
    const nowMono = this.ctx.clock.monotonic();
    t.lastProgressMono = nowMono;
    // One comparison on the usual path; the rest of the answers that matter are rare.
    if (status >= TOO_MANY_REQUESTS && this.discardForRetry(t, status, rawHeaders)) return true;
    this.winner = t;
    t.resume = resume;
    if (this.active.length > 1) this.cancelAll(t);
    this.clearHedge();
    this.svc.hedge?.record(nowMono - t.startMono, this.ctx.clock.now());
    const headers = clientResponseHeaders(rawHeaders, this.requestId);
    if (this.ctx.draining) this.res.shouldKeepAlive = false;
    if (statusText !== undefined && statusText !== '') this.res.writeHead(status, statusText, headers);
    else this.res.writeHead(status, headers);
    this.res.statusCode = status;
    return true;
  }

  tryData(t: UpstreamTry, chunk: Buffer): boolean {
    if (t !== this.winner) return !t.cancelled;
    if (this.res.write(chunk)) return true;
    this.res.once('drain', (this.onDrain ??= () => this.winner?.resume?.()));
    return false;
  }

  tryComplete(t: UpstreamTry): void {
    if (t.cancelled || t.ended) return;
    if (t.discarding) {
      this.endTry(t, t.discardStatus, undefined);
      if (this.active.length > 0) return; // the other try (a hedge) carries on
      // A 429's retry goes to an instance not tried yet, which has no reason to be full: no
      // backoff (the backoff spares an instance that is failing, and this one is held back).
      const throttled = t.discardStatus === TOO_MANY_REQUESTS;
      if (t.retryAcquired) this.retry(true, throttled);
      else if (this.canRetryAnswer(t.discardStatus)) this.retry(false, throttled);
      else this.fail('SLB_PROXY_NO_HEALTHY_INSTANCE', `every try of ${this.svc.id} answered ${t.discardStatus}`);
      return;
    }
    const status = this.res.statusCode;
    const endMono = this.endTry(t, status, undefined);
    this.res.end();
    this.complete(status, status < TOO_MANY_REQUESTS ? 'ok' : status >= 500 ? 'upstream-5xx' : status === TOO_MANY_REQUESTS ? 'upstream-throttled' : 'ok', endMono);
  }

  tryError(t: UpstreamTry, err: Error & { code?: string }): void {
    if (t.cancelled || t.ended) return;
    if (this.finished) {
      this.endTry(t, 499, undefined, 'neutral');
      return;
    }
    const failure = classifyTryError(err.code, this.body !== null && isClientAbort(this.req.errored));
    if (failure.fault === 'client') {
      this.endTry(t, 0, undefined, 'unobserved');
      this.clientFault(failure.answer, err);
      return;
    }
    if (failure.fault === 'proxy') {
      // The instance's pool closed under the request (config removed it): not its failure.
      this.endTry(t, 0, undefined, 'unobserved');
      if (t === this.winner) {
        this.res.destroy(err);
        this.complete(this.res.statusCode, 'pool-closed-mid-response');
      } else if (this.active.length > 0) return;
      else if (this.canRetry({ localFailure: 'reset', sent: true })) this.retry();
      else this.fail('SLB_PROXY_NO_HEALTHY_INSTANCE', `instance ${t.inst.id} of ${this.svc.id} was removed while the request waited for it`);
      return;
    }
    const kind = failure.kind;
    this.lastFailure = kind;
    this.endTry(t, 0, kind);
    if (t === this.winner) {
      // Headers are out: the only way to tell the client is to cut the response.
      this.res.destroy(err);
      this.complete(this.res.statusCode, `upstream-${kind}-mid-response`);
      return;
    }
    // A hedge (or the original) is still running: let it answer.
    if (this.active.length > 0) return;
    const sent = kind !== 'connect';
    if (this.canRetry({ localFailure: kind, sent })) this.retry();
    else this.fail(FAILURE_CODE[kind], `${kind === 'connect' ? 'could not connect to' : kind === 'timeout' ? 'timed out waiting for' : 'connection reset by'} instance ${t.inst.id} of ${this.svc.id}`);
  }

  /**
   * The request itself cannot be forwarded, or the client left: no other instance would do
   * better, so no retry, and nothing is charged to any instance.
   */
  private clientFault(answer: ClientFaultAnswer, err: Error): void {
    this.cancelAll(undefined, 'unobserved');
    // An unread request body cannot be skipped reliably: close rather than keep the connection.
    const close = this.body !== null && !Buffer.isBuffer(this.body);
    switch (answer) {
      case 'gone':
        this.complete(499, 'client-closed');
        return;
      case 'body-too-large':
        this.fail('SLB_PROXY_BODY_TOO_LARGE', `request body exceeds ${this.ctx.limits.maxBodyBytes} bytes`, true);
        return;
      case 'bad-request':
        this.unsent = true;
        this.fail('SLB_PROXY_BAD_REQUEST', `the request cannot be forwarded: ${err.message}`, close);
        return;
      case 'not-implemented':
        this.unsent = true;
        this.fail('SLB_PROXY_NOT_IMPLEMENTED', `the request cannot be forwarded: ${err.message}`, close);
        return;
    }
  }

  // ---- tries ----

  /**
   * Ends a try: balancer, outlier detection, telemetry. Returns when (monotonic) it ended.
   * `counted`: an answer or an instance failure, seen by all three. `stalled` (cut short, its
   * instance ejected as stalled): a timeout for the balancer and telemetry; outlier detection
   * counts nothing more, its ejection stands for it. `neutral` (a hedge lost, the client left
   * while waiting): the balancer sees its latency, the rest nothing. `unobserved` (the client's
   * fault, or the proxy's): the balancer only sees it end.
   */
  private endTry(t: UpstreamTry, status: number, failure: LocalFailure | undefined, effect: 'counted' | 'stalled' | 'neutral' | 'unobserved' = 'counted'): number | undefined {
    if (t.ended) return undefined;
    t.ended = true;
    const i = this.active.indexOf(t);
    if (i !== -1) this.active.splice(i, 1);
    const inst = t.inst;
    inst.inFlight--;
    const now = this.ctx.clock.now();
    const endMono = this.ctx.clock.monotonic();
    const latency = endMono - t.startMono;
    if (effect !== 'counted') {
      if (effect === 'stalled') {
        this.balancer.onEnd(inst.id, latency, false, now);
        recordOutcome(inst.window, 'timeout', latency);
        this.ctx.metrics.countTry(this.svc, inst, 0, 'timeout');
      } else this.balancer.onEnd(inst.id, effect === 'neutral' ? latency : Number.NaN, true, now);
      return endMono;
    }
    // A 429 is answered before any work: its latency says nothing about the instance's, and
    // counting it would make a full instance look like the fastest one.
    this.balancer.onEnd(inst.id, status === TOO_MANY_REQUESTS ? Number.NaN : latency, failure === undefined && status < 500, now);
    const events = this.svc.detector.record(inst.id, failure === undefined ? { status } : { localFailure: failure }, now);
    if (events.length > 0) this.ctx.onOutlierEvents(this.svc, events);
    let outcome: OutcomeClass;
    if (failure !== undefined) outcome = failure;
    else if (status >= 500) outcome = '5xx';
    else if (status >= 400) outcome = status === TOO_MANY_REQUESTS ? 'throttled' : '4xx';
    else outcome = 'ok';
    recordOutcome(inst.window, outcome, latency);
    // Every answer counts, also one thrown away for a retry: a 503 the client never saw is still
    // the upstream's 5xx.
    this.ctx.metrics.countTry(this.svc, inst, status, failure);
    return endMono;
  }

  /** Aborts every try but `keep` (hedge losers, or all when the client left); neutral for the instance. */
  private cancelAll(keep: UpstreamTry | undefined, effect: 'neutral' | 'unobserved' = 'neutral'): void {
    for (const t of [...this.active]) {
      if (t === keep) continue;
      t.cancelled = true;
      this.endTry(t, 499, undefined, effect);
      t.abort?.(Object.assign(new Error('cancelled'), { code: 'UND_ERR_ABORTED' }));
    }
  }

  /**
   * The instance was just ejected as stalled (and is out of the balancer): this request's try to
   * it, if it has no answer yet, is cut short as if its per-try timeout had fired. A request has
   * at most one try per instance at a time (a hedge goes to another instance, a retry follows
   * the end of the try before it).
   */
  cutTryTo(serviceId: string, instanceId: string): void {
    if (this.finished) return;
    const active = this.active;
    let t: UpstreamTry | undefined;
    for (const a of active) if (a.inst.id === instanceId && a.inst.serviceId === serviceId) t = a;
    if (t === undefined) return;
    const svc = this.svc;
    const verdict = cutVerdict({
      answered: t === this.winner || t.discarding,
      otherTryRunning: active.length > 1,
      method: this.req.method!,
      // undici hands a try its abort when it puts the request on a connection.
      sent: t.abort !== undefined,
      bodiless: this.replayable(),
      attempts: this.tries,
      maxAttempts: svc.maxAttempts,
      timeLeft: this.ctx.clock.monotonic() < this.deadlineMono,
    });
    if (verdict.action === 'keep') return;
    t.cancelled = true;
    this.lastFailure = 'timeout';
    this.endTry(t, 0, 'timeout', 'stalled');
    // Still queued in undici (no abort yet): onConnect aborts it when its turn comes.
    t.abort?.(Object.assign(new Error(`instance ${instanceId} was ejected as stalled`), { code: 'UND_ERR_ABORTED' }));
    if (verdict.action === 'retry') this.retry(false, true);
    else if (verdict.action === 'fail') {
      this.fail('SLB_PROXY_UPSTREAM_TIMEOUT', `instance ${instanceId} of ${svc.id} stalled (no answer while its peers answered); not retried (${verdict.reason})`, !this.replayable());
    }
  }

  /**
   * Every timeout of the request, measured by the data server's sweep (a few ms apart) with one
   * clock read for all requests: the client's body rate (mod_reqtimeout's rule: by `bodyGraceMs`
   * plus one second per `bodyMinBytesPerSec` bytes received, or 408), each try's wait for its
   * answer (the per-try timeout, bounded by the request timeout) and the idle gap in an answer's
   * body. A try that times out fails as undici's own timeout would, so retries and accounting
   * are the usual ones.
   */
  checkTimers(nowMono: number): void {
    if (this.finished) return;
    const limits = this.ctx.limits;
    if (limits.bodyMinBytesPerSec > 0 && (this.buffering !== undefined || (this.body !== null && !Buffer.isBuffer(this.body))) && !this.req.complete) {
      const received = (this.req.socket?.bytesRead ?? this.socketBytesAtStart) - this.socketBytesAtStart;
      if (nowMono > this.startMono + limits.bodyGraceMs + (received * 1000) / limits.bodyMinBytesPerSec) {
        this.bodyTooSlow(received, nowMono);
        return;
      }
    }
    for (const t of this.active) {
      if (t === this.winner || t.discarding) {
        if (t.chunks !== t.chunksAtSweep) {
          t.chunksAtSweep = t.chunks;
          t.lastProgressMono = nowMono;
        } else if (nowMono - t.lastProgressMono >= this.svc.idleTimeoutMs) {
          this.timeOutTry(t, 'UND_ERR_BODY_TIMEOUT', `no response data from instance ${t.inst.id} for ${this.svc.idleTimeoutMs} ms`);
          return;
        }
      } else if (nowMono >= this.deadlineMono || nowMono - t.startMono >= this.svc.perTryTimeoutMs) {
        this.timeOutTry(t, 'UND_ERR_HEADERS_TIMEOUT', `no answer from instance ${t.inst.id} in time`);
        return; // the next sweep looks at the other try (a hedge), if any
      }
    }
  }

  /** A try's timeout fired: it fails as undici's timeout error (retry or 504; mid-response, cut). */
  private timeOutTry(t: UpstreamTry, code: string, message: string): void {
    const err = Object.assign(new Error(message), { code });
    this.tryError(t, err);
    // Still queued in undici (no abort yet): onConnect aborts it when its turn comes.
    t.cancelled = true;
    t.abort?.(err);
  }

  /**
   * The client sends its body too slowly: 408 and the connection closed, whether the body was
   * being buffered or streamed. The client's fault: no instance is charged.
   */
  private bodyTooSlow(received: number, nowMono: number): void {
    this.unsent = true;
    this.buffering?.stop();
    const seconds = ((nowMono - this.startMono) / 1000).toFixed(1);
    // The answer first: aborting a streaming try can destroy the client's request (and socket).
    const tries = [...this.active];
    this.fail('SLB_PROXY_REQUEST_TIMEOUT', `request body too slow: ${received} bytes in ${seconds} s (minimum ${this.ctx.limits.bodyMinBytesPerSec} bytes/s after ${this.ctx.limits.bodyGraceMs} ms)`, true);
    if (tries.length > 0) this.cancelAll(undefined, 'unobserved');
  }

  private clearHedge(): void {
    if (this.hedgeTimer !== undefined) {
      clearTimeout(this.hedgeTimer);
      this.hedgeTimer = undefined;
    }
  }

  /** Whether the body can be sent again: none, read whole into memory, or not read at all yet. */
  private replayable(): boolean {
    const body = this.body;
    return body === null || Buffer.isBuffer(body) || (body === this.req && !this.req.readableDidRead);
  }

  private canRetry(failure: { status: number } | { localFailure: LocalFailure; sent: boolean }): boolean {
    // A body that was (partly) read from the client cannot be sent again.
    if (!this.replayable()) return false;
    if (this.ctx.clock.monotonic() >= this.deadlineMono) return false;
    return shouldRetry({ method: this.req.method!, failure, attempts: this.tries, maxAttempts: this.svc.maxAttempts }).retry;
  }

  /**
   * A 429 or 503 with Retry-After holds its instance back; a 429/502/503/504 is thrown away
   * (read to the end so the connection stays usable) when another try is running or a retry
   * follows. The budget is checked first: without budget the client gets this answer as it is
   * (a 429 with the instance's Retry-After). True when the answer is discarded.
   */
  private discardForRetry(t: UpstreamTry, status: number, rawHeaders: Buffer[]): boolean {
    if (status === TOO_MANY_REQUESTS || status === 503) this.holdBackIfThrottled(t.inst, status, rawHeaders);
    if (status !== TOO_MANY_REQUESTS && (status < 502 || status > 504)) return false;
    const other = this.active.length > 1;
    if (!other && !(this.canRetryAnswer(status) && this.acquireRetry())) return false;
    t.discarding = true;
    t.discardStatus = status;
    t.retryAcquired = !other;
    return true;
  }

  /**
   * Whether an answer with this (retriable) status may be retried. A 429 only when an instance
   * not tried yet can take the retry: the ones tried are full, and asking one of them again a
   * few milliseconds later (the exclusion is dropped when nothing else is left) is pointless.
   */
  private canRetryAnswer(status: number): boolean {
    if (!this.canRetry({ status })) return false;
    if (status !== TOO_MANY_REQUESTS) return true;
    const tried = new Set(this.exclude);
    for (const id of this.triedIds) tried.add(id);
    return this.balancer.hasCandidateOutside(tried, this.ctx.clock.now());
  }

  /**
   * The instance said it is full (429, or 503 with Retry-After): the balancer gives it a
   * trickle of its share until the Retry-After time is up (throttle-hold.ts). Local to this
   * proxy and temporary: no health change, nothing for outlier detection.
   */
  private holdBackIfThrottled(inst: RoutedInstance, status: number, rawHeaders: Buffer[]): void {
    const now = this.ctx.clock.now();
    const holdMs = throttleHoldMs(status, rawResponseHeader(rawHeaders, 'retry-after'), now);
    if (holdMs === undefined) return;
    this.balancer.holdBack(inst.id, now + holdMs, now);
    this.ctx.metrics.heldBack.labels(this.svc.id, inst.id).inc();
  }

  /** Takes one retry from the budget; counts and returns false when it is spent. */
  private acquireRetry(): boolean {
    const svc = this.svc;
    if (!svc.budget.tryAcquire(this.ctx.clock.now())) {
      this.ctx.metrics.budgetExhausted.labels(svc.id).inc();
      return false;
    }
    if (this.retryHeld) svc.budget.release();
    this.retryHeld = true;
    return true;
  }

  private retry(acquired = false, immediate = false): void {
    if (this.finished) return;
    const svc = this.svc;
    if (!acquired && !this.acquireRetry()) {
      const failure = this.lastFailure ?? 'reset';
      this.fail(FAILURE_CODE[failure], `retry budget of ${svc.id} exhausted after a ${failure} failure`);
      return;
    }
    this.ctx.metrics.retries.labels(svc.id).inc();
    const exclude = (this.exclude ??= new Set());
    for (const id of this.triedIds) exclude.add(id);
    const delay = immediate ? 0 : fullJitterBackoffMs(this.tries, svc.backoff, this.ctx.random);
    const go = () => {
      if (this.finished) return;
      if (this.ctx.clock.monotonic() >= this.deadlineMono) {
        this.fail('SLB_PROXY_UPSTREAM_TIMEOUT', `no answer from ${svc.id} within the request timeout (${svc.requestTimeoutMs} ms)`);
        return;
      }
      const inst = this.pick();
      if (inst !== undefined) this.dispatch(inst);
    };
    if (delay < 1) go();
    else setTimeout(go, delay);
  }

  // ---- the end ----

  private fail(code: ErrorCode, message: string, close = false): void {
    if (this.finished) return;
    if (this.winner !== undefined) {
      this.res.destroy();
      this.complete(this.res.statusCode, code);
      return;
    }
    sendError(this.res, code, message, this.requestId, close || this.ctx.draining);
    this.complete(this.res.statusCode, code);
  }

  private complete(status: number, outcome: string, endMono = this.ctx.clock.monotonic()): void {
    if (this.finished) return;
    this.finished = true;
    this.requests.remove(this);
    this.clearHedge();
    const svc = this.svc;
    svc.budget.requestFinished();
    if (this.retryHeld) svc.budget.release();
    this.res.removeListener('close', this.onClientClose);
    const seconds = (endMono - this.startMono) / 1000;
    const servedBy = this.unsent ? undefined : (this.winner?.inst ?? this.lastTried);
    this.ctx.metrics.countRequest(svc, servedBy, status, seconds, outcome === 'ok' ? undefined : REQUEST_FAILURE[outcome]);
    if (this.ctx.accessLog) {
      this.ctx.logger.info(
        { reqId: this.requestId, method: this.req.method, url: this.req.url, service: svc.id, instance: servedBy?.id, tries: this.tries, status, outcome, ms: Math.round(seconds * 1e4) / 10 },
        'request',
      );
    }
    this.ctx.onRequestDone();
  }

  private get lastTried(): RoutedInstance | undefined {
    const id = this.triedIds[this.triedIds.length - 1];
    return id === undefined ? undefined : this.svc.instances.get(id);
  }
}

/** The client's x-request-id when it is sane, else a new one. */
export function newRequestId(req: IncomingMessage, ctx: ForwardContext): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : ctx.nextRequestId();
}

export function hasRequestBody(req: IncomingMessage): boolean {
  const cl = req.headers['content-length'];
  if (cl !== undefined) return cl !== '0';
  return req.headers['transfer-encoding'] !== undefined;
}
