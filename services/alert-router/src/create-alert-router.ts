/**
 * The alert-router: reads `alerts` as a consumer group, routes each event through the routing
 * table, drops what a receiver already has (dedup), delivers the rest with retries, and keeps
 * firing alerts alive in Alertmanager by re-posting them on an interval.
 *
 * An event that some receiver could not take (after retries) makes the handler throw, so the bus
 * sends it to dead-letters (slbctl dlq replay re-publishes it; dedup then sends it only to the
 * receivers that missed it).
 */
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { SerialLane, SlbError, type Alert, type EventBus, type Logger, type Subscription } from '@slb/core';
import { toPostableAlert, toWebhookPayload, type MappingOptions } from './alertmanager-mapping.js';
import { DedupBook, type DedupOptions } from './dedup-book.js';
import { postAlertmanager, postWebhook } from './http-sender.js';
import { createRouterMetrics, type RouterMetrics } from './metrics.js';
import { DEFAULT_RETRY_POLICY, withRetry, type RetryPolicy } from './retry-policy.js';
import { routeAlert, type ReceiverSpec, type RoutingTable } from './routing-table.js';

export const DEFAULT_GROUP_ID = 'alert-router';
export const DEFAULT_REFRESH_INTERVAL_MS = 60_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** How often the dedup book is swept when re-posting is off. */
const PRUNE_INTERVAL_MS = 5 * 60_000;
/** Alertmanager posts per request when re-posting many firing alerts. */
const REFRESH_BATCH = 500;

export interface AlertRouterOptions {
  readonly bus: EventBus;
  readonly routes: RoutingTable;
  /** Base URL of the console, for generatorURL (omitted when undefined). */
  readonly consoleUrl?: string | undefined;
  /** How often firing alerts are re-posted to Alertmanager (default 60 s; 0 turns it off). */
  readonly refreshIntervalMs?: number;
  /** endsAt of a firing alert is now + this (default 4 x refreshIntervalMs, at least 1 min). */
  readonly firingTtlMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  /** Per HTTP attempt (default 10 s). */
  readonly requestTimeoutMs?: number;
  readonly groupId?: string;
  /** Read `alerts` from the start when the group has no committed offset (default false). */
  readonly fromBeginning?: boolean;
  readonly dedup?: DedupOptions;
  readonly registry?: Registry;
  readonly logger?: Logger;
  readonly now?: () => number;
}

export interface DeliveryReport {
  readonly dedupKey: string;
  readonly state: Alert['state'];
  readonly sent: readonly string[];
  readonly duplicates: readonly string[];
  readonly failed: readonly string[];
}

export interface AlertRouter {
  /** Subscribe to `alerts` and start the re-post timer. */
  start(): Promise<void>;
  /** Route and deliver one event (what the subscription calls). Rejects when a receiver failed. */
  handle(alert: Alert): Promise<DeliveryReport>;
  /** Re-post every firing alert to its Alertmanager receivers now. */
  refresh(): Promise<void>;
  readonly running: boolean;
  readonly metrics: RouterMetrics;
  /** Stop consuming and the timer, let in-flight deliveries finish. Idempotent; leaves the bus open. */
  close(): Promise<void>;
}

export function createAlertRouter(options: AlertRouterOptions): AlertRouter {
  const now = options.now ?? Date.now;
  const logger = options.logger ?? pino({ level: 'silent' });
  const metrics = createRouterMetrics(options.registry ?? new Registry());
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const refreshIntervalMs = options.refreshIntervalMs ?? DEFAULT_REFRESH_INTERVAL_MS;
  const mapping: MappingOptions = {
    consoleUrl: options.consoleUrl,
    firingTtlMs: options.firingTtlMs ?? Math.max(4 * refreshIntervalMs, 60_000),
  };
  if (refreshIntervalMs > 0 && mapping.firingTtlMs <= refreshIntervalMs) {
    throw new SlbError('SLB_CONFIG_INVALID', `firingTtlMs (${mapping.firingTtlMs}) must exceed refreshIntervalMs (${refreshIntervalMs}), or Alertmanager resolves firing alerts between re-posts`);
  }
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const dedup = new DedupBook(options.dedup);
  const lanes = new Map<string, SerialLane>();
  const lane = (receiver: string): SerialLane => {
    let l = lanes.get(receiver);
    if (l === undefined) lanes.set(receiver, (l = new SerialLane()));
    return l;
  };
  const inFlight = new Set<Promise<unknown>>();
  const abort = new AbortController();
  let subscription: Subscription | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let closed = false;

  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p)).catch(() => undefined);
    return p;
  };

  const updateFiringGauge = (receiver: string): void => {
    metrics.firing.set({ receiver }, dedup.firing(receiver).length);
  };

  async function deliver(spec: ReceiverSpec, alert: Alert): Promise<void> {
    const send = (): Promise<void> =>
      spec.type === 'alertmanager'
        ? postAlertmanager(spec.url, [toPostableAlert(alert, mapping, now())], { receiver: spec.name, timeoutMs })
        : postWebhook(spec.url, toWebhookPayload(alert, spec.name, mapping, now()), { receiver: spec.name, timeoutMs, headers: spec.headers });
    await withRetry(send, policy, {
      signal: abort.signal,
      onRetry: (error, attempt) => {
        metrics.retries.inc({ receiver: spec.name });
        logger.warn({ receiver: spec.name, dedupKey: alert.dedupKey, attempt, err: error }, 'notification failed, retrying');
      },
    });
  }

  async function handle(alert: Alert): Promise<DeliveryReport> {
    const state = alert.state === 'FIRING' ? 'firing' : 'resolved';
    metrics.received.inc({ severity: alert.severity.toLowerCase(), state });
    const { receivers } = routeAlert(options.routes, alert);
    if (receivers.length === 0) {
      metrics.unrouted.inc();
      logger.debug({ dedupKey: alert.dedupKey, state }, 'no receiver for alert');
    }
    const sent: string[] = [];
    const duplicates: string[] = [];
    const failed: { receiver: string; error: unknown }[] = [];
    await Promise.all(
      receivers.map((name) => {
        const spec = options.routes.receivers.get(name)!;
        return lane(name).run(async () => {
          // Checked inside the lane: an earlier delivery of the same key may just have finished.
          if (dedup.isDuplicate(name, alert)) {
            metrics.dedupHits.inc({ receiver: name, state });
            duplicates.push(name);
            return;
          }
          try {
            await deliver(spec, alert);
            dedup.delivered(name, alert, now());
            metrics.sent.inc({ receiver: name, type: spec.type, state });
            sent.push(name);
            if (spec.type === 'alertmanager') updateFiringGauge(name);
            logger.info({ receiver: name, dedupKey: alert.dedupKey, state, severity: alert.severity }, 'notification sent');
          } catch (error) {
            metrics.failed.inc({ receiver: name, type: spec.type, state });
            failed.push({ receiver: name, error });
            // A RESOLVED that did not get through must not leave the alert being re-posted as
            // firing: without re-posts Alertmanager resolves it by itself once endsAt passes.
            if (alert.state === 'RESOLVED') {
              dedup.forget(name, alert.dedupKey);
              if (spec.type === 'alertmanager') updateFiringGauge(name);
            }
            logger.error({ receiver: name, dedupKey: alert.dedupKey, state, err: error }, 'notification failed');
          }
        });
      }),
    );
    const report = { dedupKey: alert.dedupKey, state: alert.state, sent, duplicates, failed: failed.map((f) => f.receiver) };
    if (failed.length > 0) {
      const cause = failed[0]?.error;
      const why = cause instanceof Error ? `: ${cause.message}` : '';
      throw new SlbError('SLB_NOTIFY_FAILED', `alert ${alert.dedupKey} (${state}) not delivered to ${report.failed.join(', ')}${why}`, {
        cause,
        details: { ...report },
      });
    }
    return report;
  }

  async function refreshReceiver(spec: ReceiverSpec): Promise<void> {
    await lane(spec.name).run(async () => {
      const firing = dedup.firing(spec.name);
      if (firing.length === 0) return;
      const nowMs = now();
      try {
        for (let i = 0; i < firing.length; i += REFRESH_BATCH) {
          const batch = firing.slice(i, i + REFRESH_BATCH).map((a) => toPostableAlert(a, mapping, nowMs));
          // One attempt: the next tick is the retry, well before endsAt passes.
          await postAlertmanager(spec.url, batch, { receiver: spec.name, timeoutMs });
        }
        metrics.refreshes.inc({ receiver: spec.name, outcome: 'ok' });
      } catch (error) {
        metrics.refreshes.inc({ receiver: spec.name, outcome: 'error' });
        logger.warn({ receiver: spec.name, alerts: firing.length, err: error }, 're-posting firing alerts failed');
      }
    });
  }

  async function refresh(): Promise<void> {
    const specs = [...options.routes.receivers.values()].filter((s) => s.type === 'alertmanager');
    await Promise.all(specs.map((s) => refreshReceiver(s)));
    dedup.prune(now());
  }

  return {
    metrics,
    get running() {
      return running;
    },
    handle: (alert) => track(handle(alert)),
    refresh: () => track(refresh()),
    async start() {
      if (closed) throw new SlbError('SLB_BUS_CLOSED', 'the alert-router was closed');
      if (running) return;
      subscription = await options.bus.subscribe(
        ['alerts'],
        { groupId: options.groupId ?? DEFAULT_GROUP_ID, fromBeginning: options.fromBeginning ?? false },
        async (message) => {
          await track(handle(message.value));
        },
      );
      // refresh() also sweeps the dedup book; with re-posting off the tick only sweeps.
      const tick = refreshIntervalMs > 0 ? () => refresh() : async () => dedup.prune(now());
      timer = setInterval(() => void track(tick()), refreshIntervalMs > 0 ? refreshIntervalMs : PRUNE_INTERVAL_MS);
      timer.unref();
      running = true;
      logger.info({ receivers: [...options.routes.receivers.keys()], rules: options.routes.routes.length, refreshIntervalMs }, 'alert-router started');
    },
    async close() {
      if (closed) return;
      closed = true;
      running = false;
      if (timer !== undefined) clearInterval(timer);
      // The bus waits for a handler in progress, so a delivery in backoff holds close for at most
      // the policy's maxRetryTimeMs and its offset is committed only once it is done.
      await subscription?.stop();
      abort.abort(new SlbError('SLB_NOTIFY_FAILED', 'alert-router closing'));
      await Promise.allSettled([...inFlight]);
    },
  };
}
