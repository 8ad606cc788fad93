/**
 * Feeds the console model from the bus: one subscription in the console's own group (latest
 * offsets: the console shows what happens from now on) for the event streams, and watchLatest for
 * the compacted topics, which gives the current decisions, desired config and proxy status at
 * once and then keeps them live. A tombstone on config-updates removes the service as a deleted
 * config does (the view reports it through watchLatest's onRemove).
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
  // A tombstone on config-updates: the service goes.
  const remove = (key: string): void => {
    try {
      if (model.removeService(key)) onChange();
    } catch (error) {
      logger.warn({ err: error, key }, 'console could not remove a tombstoned service; skipped');
    }
  };
  try {
    for (const topic of LATEST_TOPICS) {
      views.push(await bus.watchLatest(topic, (_key, value) => fold(topic, value as TopicEvents[typeof topic]), topic === 'config-updates' ? remove : undefined));
    }
    subscription = await bus.subscribe(STREAM_TOPICS, { groupId: options.groupId, fromBeginning: false }, (message) => {
      fold(message.topic, message.value);
    });
  } catch (error) {
    await Promise.allSettled(views.map((v) => v.close()));
    throw error;
  }
  return {
    async stop(): Promise<void> {
      await Promise.allSettled([subscription?.stop(), ...views.map((v) => v.close())]);
    },
  };
}
