/**
 * createHealthScorer: the one entry point of the role. The window and scoring pipeline is the
 * same in both modes; only the I/O adapter differs:
 * - `{ kind: 'kafka' }` (distributed): a consumer group with Kafka transactions, exactly once;
 * - `{ kind: 'bus' }` (standalone): any EventBus, e.g. the in-process bus.
 */
import { hostname } from 'node:os';
import type { Kafka } from 'kafkajs';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { type EventBus, type EventCodec, type Logger } from '@slb/core';
import type { ScoringPolicy } from './scoring/index.js';
import { windowPolicy, type WindowPolicy } from './windows/index.js';
import { startBusScorer } from './bus-scorer.js';
import { startKafkaScorer, type RunningScorer } from './kafka-scorer.js';
import { createScorerMetrics } from './scorer-metrics.js';

export const DEFAULT_SCORER_GROUP = 'slb-health-scorer';
export const DEFAULT_SESSION_TIMEOUT_MS = 10_000;

export interface KafkaTransport {
  readonly kind: 'kafka';
  readonly kafka: Kafka;
  /** The registry codec (createRegistryCodec); subjects follow the topic prefix. */
  readonly codec: EventCodec;
  /** Prepended to every topic name (SLB_TOPIC_PREFIX). */
  readonly topicPrefix?: string;
}

export interface BusTransport {
  readonly kind: 'bus';
  readonly bus: EventBus;
}

export interface HealthScorerOptions {
  readonly transport: KafkaTransport | BusTransport;
  /** Consumer group (SLB_SCORER_GROUP); also the prefix of the transactional ids. */
  readonly groupId?: string;
  /** This member's name in logs and /healthz (SLB_SCORER_MEMBER). */
  readonly memberName?: string;
  readonly window?: Partial<WindowPolicy>;
  readonly scoring?: Partial<ScoringPolicy>;
  /** Where a group without committed offsets starts (default false: the newest records). */
  readonly fromBeginning?: boolean;
  /** Kafka group session timeout: how long a dead member keeps its partitions (default 10 s). */
  readonly sessionTimeoutMs?: number;
  /** How often quiet partitions are checked for windows to close (default: a quarter window, at most 1 s). */
  readonly tickMs?: number;
  readonly registry?: Registry;
  readonly logger?: Logger;
  readonly now?: () => number;
}

export interface HealthScorer {
  readonly groupId: string;
  readonly memberName: string;
  readonly running: boolean;
  /** Input partition numbers this member owns. */
  owned(): number[];
  start(): Promise<void>;
  /** Leaves the group and drops the state (the next owner rebuilds it). Idempotent. */
  stop(): Promise<void>;
}

export function defaultMemberName(): string {
  return `${hostname()}-${process.pid}`;
}

export function createHealthScorer(options: HealthScorerOptions): HealthScorer {
  const groupId = options.groupId ?? DEFAULT_SCORER_GROUP;
  const memberName = options.memberName ?? defaultMemberName();
  const window = windowPolicy(options.window);
  const pipeline = { window, ...(options.scoring === undefined ? {} : { scoring: options.scoring }) };
  const metrics = createScorerMetrics(options.registry ?? new Registry());
  const logger = options.logger ?? pino({ level: 'silent' });
  const now = options.now ?? Date.now;
  const tickMs = options.tickMs ?? Math.min(1_000, Math.max(50, Math.floor(window.sizeMs / 4)));
  let scorer: RunningScorer | undefined;
  let starting: Promise<void> | undefined;

  return {
    groupId,
    memberName,
    get running() {
      return scorer?.running ?? false;
    },
    owned: () => scorer?.owned() ?? [],
    start(): Promise<void> {
      starting ??= (async () => {
        const t = options.transport;
        scorer =
          t.kind === 'kafka'
            ? await startKafkaScorer({
                kafka: t.kafka,
                codec: t.codec,
                topicPrefix: t.topicPrefix ?? '',
                groupId,
                memberName,
                fromBeginning: options.fromBeginning ?? false,
                sessionTimeoutMs: options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS,
                tickMs,
                pipeline,
                metrics,
                logger,
                now,
              })
            : await startBusScorer({ bus: t.bus, groupId, fromBeginning: options.fromBeginning ?? false, tickMs, pipeline, metrics, logger, now });
      })();
      return starting;
    },
    async stop(): Promise<void> {
      if (starting === undefined) return;
      await starting.catch(() => undefined);
      await scorer?.stop();
    },
  };
}

