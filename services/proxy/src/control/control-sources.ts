/**
 * Where config and routing decisions come from, in order: the last-known-good snapshot, then
 * (applied by the caller) the config file, then the bus's compacted control topics. Neither
 * ever holds up the data path: an unreadable snapshot is logged and skipped, and with Kafka down
 * the proxy routes from what it has while the watches are retried until the broker is back.
 */
import { retry, type EventBus, type LatestView, type RetryPolicy, type RoutingDecision } from '@slb/core';
import type { Logger } from 'pino';
import type { ControlPlane } from './control-plane.js';
import type { SnapshotStore } from './snapshot-store.js';

/**
 * Retries of a control-topic watch: for as long as the proxy runs (the data path never needs
 * the watch, rule 2), about 1 s, 2 s, 4 s ... at most 30 s apart. Core's retrier multiplies each
 * delay by a random factor in [1, 2), so a fleet of proxies that lost the broker together does
 * not come back to it in step.
 */
const WATCH_RETRY: RetryPolicy = Object.freeze({ retries: Number.POSITIVE_INFINITY, minTimeoutMs: 1_000, factor: 2, maxTimeoutMs: 30_000 });

/** Applies the snapshot's configs, then its decisions; marks the plane as booted from it. */
export async function bootFromSnapshot(snapshot: SnapshotStore | undefined, plane: ControlPlane, logger: Logger): Promise<void> {
  if (snapshot === undefined) return;
  try {
    const snap = await snapshot.load();
    if (snap === undefined) return;
    let any = false;
    for (const c of snap.configs) any = plane.applyConfig(c, 'snapshot').applied || any;
    for (const d of snap.decisions) plane.applyDecision(d as RoutingDecision);
    plane.snapshotLoaded = any;
    logger.info({ file: snapshot.file, services: snap.configs.length, decisions: snap.decisions.length }, 'booted from snapshot');
  } catch (err) {
    logger.error({ err }, 'snapshot unreadable; starting without it');
  }
}

export type ControlView = LatestView<'config-updates'> | LatestView<'routing-decisions'>;

export interface WatchDeps {
  readonly bus: EventBus;
  readonly plane: ControlPlane;
  readonly logger: Logger;
  /** Aborted when the proxy closes: stops the retries, including a wait in progress. */
  readonly signal: AbortSignal;
  /** A watch is up; the caller closes it on shutdown. */
  onView(view: ControlView): void;
  /** The retry policy (tests shorten it). */
  readonly policy?: RetryPolicy;
}

/**
 * Consumes the compacted control topics (latest config/decision per service), each watch
 * retried through core's retrier until it is up or the proxy closes. A message that cannot be
 * applied is logged; it never stops the watch.
 *
 * A tombstone for a service's key on config-updates removes the service as `deleted: true`
 * does (ControlPlane.removeService), so a running proxy ends with the same routing table as one
 * that replays the compacted topic. The view reports the removal (watchLatest's onRemove) in log
 * order with the values.
 */
export async function watchControlTopics(deps: WatchDeps): Promise<void> {
  const { bus, plane, logger, signal } = deps;
  const safely = (what: string, fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      logger.error({ err, what }, 'control message could not be applied');
    }
  };
  for (const topic of ['config-updates', 'routing-decisions'] as const) {
    const watch = (): Promise<ControlView> =>
      topic === 'config-updates'
        ? bus.watchLatest(
            'config-updates',
            (_key, value) => safely(topic, () => plane.applyConfig(value)),
            (key) => safely(topic, () => plane.removeService(key)),
          )
        : bus.watchLatest('routing-decisions', (_key, value) => safely(topic, () => plane.applyDecision(value)));
    // Kept outside the retrier: one that comes up as the proxy closes must still be closed.
    let view: ControlView | undefined;
    try {
      await retry(async () => void (view = await watch()), deps.policy ?? WATCH_RETRY, {
        // Any failure is worth another try while the proxy runs: a broker that is down now may not be later.
        isRetriable: () => !signal.aborted,
        onRetry: (err, attempt) => logger.warn({ err, topic, attempt }, 'cannot watch control topic yet; routing on last-known-good state'),
        signal,
      });
    } catch (err) {
      if (!signal.aborted) logger.error({ err, topic }, 'gave up watching control topic; routing on last-known-good state');
    }
    if (view === undefined) return;
    if (signal.aborted) return void (await view.close());
    deps.onView(view);
  }
}

