/**
 * The controller service (docs/controller.md): a consumer group member on health-scores and
 * config-updates that owns the services of its partitions. It only assembles: the config chains
 * (config-chains.ts), the decision loop of the services it owns (service-loop.ts, around the pure
 * decisions/, ownership/ and alerts/), everything it writes (publisher.ts), operator actions and
 * the start-up retries. Works on any EventBus: Kafka (distributed) or in-process (standalone).
 */
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { GLOBAL_SERVICE_ID, monotonicMs, PROXY_GONE_AFTER_MS, retry, signConfigUpdate, SlbError, type ConfigUpdate, type Delivered, type LatestView, type RetryPolicy, type RoutingDecision, type Subscription } from '@slb/core';
import { consumerLagSignal, DEFAULT_ALERT_POLICY, DEFAULT_DECISION_ALERT_THRESHOLDS, DEFAULT_METRIC_ALERT_THRESHOLDS } from './alerts/index.js';
import { operatorAuditRecord } from './audit-records.js';
import { assessConfigUpdate } from './config-assessment.js';
import { createConfigChains } from './config-chains.js';
import { DEFAULT_CONTROLLER_GROUP, type Controller, type ControllerOptions } from './controller-options.js';
import { decisionPolicy } from './decisions/index.js';
import { createControllerMetrics, type ControllerMetrics } from './metrics.js';
import { applyOperatorAction, actionName, type OperatorAction } from './operator-actions.js';
import { createPublisher } from './publisher.js';
import { createServiceLoop, type ServiceLoop } from './service-loop.js';
import { explainInstance, type WhyAnswer } from './why.js';

export * from './controller-options.js';

/** Start-up steps meet a broker still settling: about 10 s of retries, then give up. */
const START_UP_RETRY: RetryPolicy = Object.freeze({ retries: 7, minTimeoutMs: 200, maxTimeoutMs: 5_000, factor: 2 });

export function createController(options: ControllerOptions): Controller {
  const { bus, member } = options;
  const now = options.now ?? Date.now;
  const logger = options.logger ?? pino({ level: 'silent' });
  const metrics: ControllerMetrics = createControllerMetrics(options.registry ?? new Registry());
  const groupId = options.groupId ?? DEFAULT_CONTROLLER_GROUP;
  const basePolicy = decisionPolicy(options.policy);
  const tickMs = options.tickMs ?? 1_000;
  const lagThreshold = options.lagThreshold ?? 1_000;
  const lagIntervalMs = options.lagIntervalMs ?? 10_000;

  const publisher = createPublisher({ bus, member, metrics, logger, now, alertPolicy: { ...DEFAULT_ALERT_POLICY, ...options.alertPolicy }, auditMemory: options.auditMemory ?? 2_000 });
  // Membership or policy changed: decide now rather than at the next window.
  const configs = createConfigChains({ basePolicy, publisher, metrics, logger, onAccepted: (serviceId) => loop?.stepNow(serviceId) });
  let routingView: LatestView<'routing-decisions'> | undefined;
  let configView: LatestView<'config-updates'> | undefined;
  let statusView: LatestView<'config-status'> | undefined;
  let loop: ServiceLoop | undefined;
  let subscription: Subscription | undefined;
  let tickTimer: NodeJS.Timeout | undefined;
  let lagTimer: NodeJS.Timeout | undefined;
  let running = false;

  const newLoop = (): ServiceLoop =>
    createServiceLoop({
      member,
      basePolicy,
      configs,
      publisher,
      routing: () => routingView,
      statuses: () => statusView?.entries().values() ?? [],
      metrics,
      logger,
      now,
      monotonic: monotonicMs,
      batchMs: options.batchMs ?? 200,
      ownershipTtlMs: options.ownershipTtlMs ?? 30_000,
      proxyStaleGraceMs: options.proxyStaleGraceMs ?? 15_000,
      proxyGoneAfterMs: options.proxyGoneAfterMs ?? PROXY_GONE_AFTER_MS,
      decisionThresholds: { ...DEFAULT_DECISION_ALERT_THRESHOLDS, ...options.decisionAlertThresholds },
      metricThresholds: { ...DEFAULT_METRIC_ALERT_THRESHOLDS, ...options.metricThresholds },
      latencySloMs: options.latencySloMs ?? {},
    });

  function tick(): void {
    loop?.tick();
    // Time alone resolves alerts whose hold has run out.
    void publisher.raise([]).catch((error: unknown) => logger.error({ err: error }, 'alert update failed'));
  }

  async function checkLag(): Promise<void> {
    if (options.lagReader === undefined) return;
    try {
      const samples = await options.lagReader();
      await publisher.raise(samples.map((s) => consumerLagSignal(s, lagThreshold)), [{ serviceId: GLOBAL_SERVICE_ID, types: ['CONSUMER_LAG'] }]);
    } catch (error) {
      logger.warn({ err: error }, 'consumer lag check failed');
    }
  }

  async function operatorAction(serviceId: string, action: OperatorAction, operator: string): Promise<ConfigUpdate> {
    const current = configs.known(serviceId);
    if (current === undefined || current.config.deleted) throw new SlbError('SLB_CONTROLLER_NOT_FOUND', `service ${serviceId} has no config`);
    let next = applyOperatorAction(current.config, action, member, now());
    if (options.signingKey !== undefined) next = signConfigUpdate(next, options.signingKey);
    // The same checks any config gets, before it is written: an action must not produce a config
    // the controller would reject (e.g. draining the last instance with weight).
    const a = assessConfigUpdate(next, current, basePolicy);
    if (a.kind !== 'accepted') {
      throw new SlbError('SLB_CONTROLLER_BAD_REQUEST', `${actionName(action)} on ${serviceId}/${action.instanceId} would make an invalid config: ${a.kind === 'rejected' ? a.error.message : 'not newer'}`);
    }
    await bus.publish('config-updates', serviceId, next);
    await publisher.publishAudit([operatorAuditRecord(actionName(action), current.config, next, action.instanceId, operator, publisher.auditContext())]);
    return next;
  }

  /**
   * Start-up steps that meet a broker still settling (leaders of just-created topics not yet
   * elected) are retried with backoff while the error says it is retriable.
   */
  const startUp = <T>(what: string, fn: () => Promise<T>): Promise<T> =>
    retry(fn, START_UP_RETRY, { onRetry: (error, attempt) => logger.warn({ err: error, attempt }, `${what} failed; retrying`) });

  return {
    member,
    get running() {
      return running;
    },

    async start(): Promise<void> {
      if (running) return;
      loop = newLoop();
      const current = loop;
      routingView = await startUp('watch routing-decisions', () => bus.watchLatest('routing-decisions', (key, d) => current.onDecisionSeen(key, d)));
      configView = await startUp('watch config-updates', () =>
        bus.watchLatest('config-updates', configs.onConfigViewed, (serviceId) => {
          configs.onConfigRemoved(serviceId);
          // A service a tombstone removed stops now, as a deleted config does.
          current.stepNow(serviceId);
        }),
      );
      statusView = await startUp('watch config-status', () => bus.watchLatest('config-status'));
      await Promise.all([routingView.caughtUp, configView.caughtUp, statusView.caughtUp]);
      configs.setLive(true);
      subscription = await bus.subscribe(['health-scores', 'config-updates'], { groupId, fromBeginning: options.fromBeginning ?? false }, async (message) => {
        if (message.topic === 'health-scores') current.onScore(message as Delivered<'health-scores'>);
        else await configs.onConfigUpdate(message as Delivered<'config-updates'>);
      });
      tickTimer = setInterval(tick, tickMs);
      tickTimer.unref();
      if (options.lagReader !== undefined) {
        lagTimer = setInterval(() => void checkLag(), lagIntervalMs);
        lagTimer.unref();
      }
      running = true;
      logger.info({ member, groupId }, 'controller started');
    },

    async stop(): Promise<void> {
      if (loop === undefined) return;
      const stopping = loop;
      loop = undefined;
      running = false;
      configs.setLive(false);
      clearInterval(tickTimer);
      clearInterval(lagTimer);
      await subscription?.stop();
      await stopping.stop();
      await Promise.allSettled([routingView?.close(), configView?.close(), statusView?.close()]);
      logger.info({ member }, 'controller stopped');
    },

    services: () => loop?.summaries() ?? [],

    decision(serviceId: string): RoutingDecision | undefined {
      const mine = loop?.lastDecision(serviceId);
      const latest = routingView?.get(serviceId);
      if (mine === undefined) return latest;
      return latest !== undefined && latest.version > mine.version ? latest : mine;
    },

    config: (serviceId) => configs.known(serviceId)?.config,
    audit: (entityId) => publisher.recentAudit(entityId),

    why(serviceId: string, instanceId: string): WhyAnswer {
      return explainInstance(serviceId, instanceId, publisher.recentAudit(), this.decision(serviceId));
    },

    operatorAction,
  };
}
