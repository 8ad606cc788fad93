/**
 * The standalone scorer: the same pipeline over any EventBus (the in-process bus of standalone
 * mode). One pipeline per input partition, as in distributed mode. There are no transactions
 * here: the in-process bus lives and dies with the process, so there is no failover to be
 * exactly-once across; windows are published with bus.publish() in order per partition.
 */
import { SerialLane, SlbError, type Delivered, type EventBus, type HealthStatus, type Logger, type ServiceMetrics } from '@slb/core';
import { ScorerPipeline, type Emission, type ScorerPipelineOptions } from './scorer-pipeline.js';
import type { ScorerMetrics } from './scorer-metrics.js';
import type { RunningScorer } from './kafka-scorer.js';

export interface BusScorerOptions {
  readonly bus: EventBus;
  readonly groupId: string;
  readonly fromBeginning: boolean;
  readonly tickMs: number;
  readonly pipeline: ScorerPipelineOptions;
  readonly metrics: ScorerMetrics;
  readonly logger: Logger;
  readonly now: () => number;
}

interface Lane {
  readonly pipeline: ScorerPipeline;
  readonly lane: SerialLane;
}

type Input = 'service-metrics' | 'health-status';

export async function startBusScorer(options: BusScorerOptions): Promise<RunningScorer> {
  const { bus, metrics, now } = options;
  const lanes = new Map<number, Lane>();
  let running = true;

  const laneOf = (partition: number): Lane => {
    let l = lanes.get(partition);
    if (l === undefined) {
      l = { pipeline: new ScorerPipeline(options.pipeline), lane: new SerialLane() };
      lanes.set(partition, l);
      metrics.partitionsOwned.set(lanes.size);
    }
    return l;
  };

  async function publish(emissions: readonly Emission[]): Promise<void> {
    for (const e of emissions) {
      for (const r of e.aggregated) await bus.publish('metrics-aggregated', e.serviceId, r);
      for (const r of e.scores) await bus.publish('health-scores', e.serviceId, r);
      metrics.windowsEmitted.inc(e.aggregated.length);
      metrics.processingLag.observe(Math.max(0, now() - e.windowEndMs) / 1000);
    }
  }

  async function handle(message: Delivered<Input>): Promise<void> {
    const { pipeline, lane } = laneOf(message.partition);
    const source = { topic: message.topic, partition: message.partition, offset: message.offset };
    if (message.topic === 'health-status') {
      const added = pipeline.addStatus(message.value as HealthStatus, now(), source);
      metrics.consumed.inc({ topic: message.topic, outcome: added ? 'accepted' : 'stale' });
    } else {
      const outcome = pipeline.addMetrics(message.value as ServiceMetrics, now(), source);
      metrics.consumed.inc({ topic: message.topic, outcome });
      if (outcome === 'late') metrics.lateReports.inc();
      if (outcome === 'invalid') {
        metrics.deadLetters.inc({ code: 'SLB_EVENT_INVALID' });
        // The bus dead-letters a message whose handler throws.
        throw new SlbError('SLB_EVENT_INVALID', `service-metrics: ${pipeline.lastInvalidReason ?? 'invalid report'}`);
      }
    }
    await lane.run(() => publish(pipeline.advance(now())));
  }

  const subscription = await bus.subscribe(['service-metrics', 'health-status'], { groupId: options.groupId, fromBeginning: options.fromBeginning }, handle);

  const tick = setInterval(() => {
    for (const [partition, { pipeline, lane }] of lanes) {
      lane.run(() => publish(pipeline.advance(now()))).catch((error: unknown) => options.logger.warn({ partition, err: error }, 'publishing windows failed'));
    }
  }, options.tickMs);
  tick.unref();

  return {
    get running() {
      return running;
    },
    owned: () => [...lanes.keys()].sort((a, b) => a - b),
    async stop(): Promise<void> {
      if (!running) return;
      running = false;
      clearInterval(tick);
      await subscription.stop();
      await Promise.all([...lanes.values()].map((l) => l.lane.idle()));
      metrics.partitionsOwned.set(0);
    },
  };
}
