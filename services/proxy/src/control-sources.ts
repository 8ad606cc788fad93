/**
 * Where config and routing decisions come from, in order: the last-known-good snapshot, then
 * (applied by the caller) the config file, then the bus's compacted control topics. Neither
 * ever holds up the data path: an unreadable snapshot is logged and skipped, and with Kafka down
 * the proxy routes from what it has while the watches are retried until the broker is back.
 */
import type { EventBus, LatestView, RoutingDecision } from '@slb/core';
import type { Logger } from 'pino';
import type { ControlPlane } from './control-plane.js';
import { cappedExponentialBackoffMs } from './resilience/index.js';
import type { SnapshotStore } from './snapshot-store.js';

/** Retry delay of a control-topic watch: 1 s, 2 s, ... at most 30 s. */
export const WATCH_BACKOFF = Object.freeze({ baseMs: 500, maxMs: 30_000, maxExponent: 6 });

/** Applies the snapshot's configs, then its decisions; marks the plane as booted from it. */
export async function bootFromSnapshot(snapshot: SnapshotStore | undefined, plane: ControlPlane, logger: Logger): Promise<void> {
  if (snapshot === undefined) return;
  try {
    const snap = await snapshot.load();
    if (snap === undefined) return;
    let any = false;
    for (const c of snap.configs) any = plane.applyConfig(c).applied || any;
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
  isClosed(): boolean;
  /** A watch is up; the caller closes it on shutdown. */
  onView(view: ControlView): void;
}

/**
 * Consumes the compacted control topics (latest config/decision per service), each watch
 * retried with backoff until it is up or the proxy closes. A message that cannot be applied
 * is logged; it never stops the watch.
 */
export async function watchControlTopics(deps: WatchDeps): Promise<void> {
  const { bus, plane, logger } = deps;
  const safely = (what: string, fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      logger.error({ err, what }, 'control message could not be applied');
    }
  };
  for (const topic of ['config-updates', 'routing-decisions'] as const) {
    for (let attempt = 1; !deps.isClosed(); attempt++) {
      try {
        const view =
          topic === 'config-updates'
            ? await bus.watchLatest('config-updates', (_key, value) => safely(topic, () => plane.applyConfig(value)))
            : await bus.watchLatest('routing-decisions', (_key, value) => safely(topic, () => plane.applyDecision(value)));
        if (deps.isClosed()) await view.close();
        else deps.onView(view);
        break;
      } catch (err) {
        logger.warn({ err, topic, attempt }, 'cannot watch control topic yet; routing on last-known-good state');
        await new Promise((r) => setTimeout(r, cappedExponentialBackoffMs(attempt, WATCH_BACKOFF)).unref());
      }
    }
  }
}
