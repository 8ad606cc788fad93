/**
 * Feeds the console model from the bus: one subscription in the console's own group (latest
 * offsets: the console shows what happens from now on) for the event streams, and watchLatest for
 * the compacted topics, which gives the current decisions, desired config and proxy status at
 * once and then keeps them live. A tombstone on config-updates removes the service as a deleted
 * config does (the view drops the key without a callback: the keys it delivered are checked
 * against it every `tombstoneCheckMs`).
 */
import type { EventBus, LatestView, Subscription, TopicEvents } from '@slb/core';
import type { ConsoleModel, ConsoleTopic } from './console-model.js';

const STREAM_TOPICS = ['health-scores', 'metrics-aggregated', 'alerts', 'audit-logs'] as const;
const LATEST_TOPICS = ['routing-decisions', 'config-status', 'config-updates'] as const;

export interface ConsoleFeedOptions {
  readonly bus: EventBus;
  readonly groupId: string;
  readonly model: ConsoleModel;
  /** Called after each event that changed the model. */
  readonly onChange: () => void;
  readonly logger: { warn(fields: object, message: string): void };
  /** How often the config-updates view is checked for tombstones (default 1 s). */
  readonly tombstoneCheckMs?: number;
}

export interface ConsoleFeed {
  stop(): Promise<void>;
}

export async function startConsoleFeed(options: ConsoleFeedOptions): Promise<ConsoleFeed> {
  const { bus, model, onChange, logger } = options;
  // The console only watches: a bad event or a model bug is logged and skipped, never thrown
  // back to the bus (which would dead-letter good events from the console's group).
  const fold = <T extends ConsoleTopic>(topic: T, value: TopicEvents[T]): void => {
    try {
      if (model.apply(topic, value)) onChange();
    } catch (error) {
      logger.warn({ err: error, topic }, 'console could not fold an event; skipped');
    }
  };
  const views: LatestView<ConsoleTopic>[] = [];
  let subscription: Subscription | undefined;
  // Keys of config-updates the view delivered, to find the ones a tombstone removed.
  const configKeys = new Set<string>();
  let configView: LatestView<'config-updates'> | undefined;
  const removeTombstoned = (): void => {
    if (configView === undefined) return;
    const latest = configView.entries();
    for (const key of [...configKeys]) {
      if (latest.has(key)) continue;
      configKeys.delete(key);
      try {
        if (model.removeService(key)) onChange();
      } catch (error) {
        logger.warn({ err: error, key }, 'console could not remove a tombstoned service; skipped');
      }
    }
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    for (const topic of LATEST_TOPICS) {
      const view = await bus.watchLatest(topic, (key, value) => {
        if (topic === 'config-updates') configKeys.add(key);
        fold(topic, value as TopicEvents[typeof topic]);
      });
      views.push(view);
      if (topic === 'config-updates') configView = view as LatestView<'config-updates'>;
    }
    timer = setInterval(removeTombstoned, options.tombstoneCheckMs ?? 1_000);
    timer.unref();
    subscription = await bus.subscribe(STREAM_TOPICS, { groupId: options.groupId, fromBeginning: false }, (message) => {
      fold(message.topic, message.value);
    });
  } catch (error) {
    clearInterval(timer);
    await Promise.allSettled(views.map((v) => v.close()));
    throw error;
  }
  return {
    async stop(): Promise<void> {
      clearInterval(timer);
      await Promise.allSettled([subscription?.stop(), ...views.map((v) => v.close())]);
    },
  };
}
