/** What a controller is built from, and what it offers once built (create-controller.ts). */
import type { KeyObject } from 'node:crypto';
import type { Registry } from 'prom-client';
import type { AuditLog, ConfigUpdate, EventBus, Logger, RoutingDecision } from '@slb/core';
import type { AlertPolicy, DecisionAlertThresholds, MetricAlertThresholds } from './alerts/index.js';
import type { DecisionPolicy } from './decisions/index.js';
import type { OperatorAction } from './operator-actions.js';
import type { ServiceSummary } from './service-loop.js';
import type { WhyAnswer } from './why.js';

export type { ServiceSummary };

export const DEFAULT_CONTROLLER_GROUP = 'slb-controller';

/** One partition's lag of this controller's group (from the broker's committed and end offsets). */
export interface LagSample {
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
  readonly lag: number;
}

export interface ControllerOptions {
  readonly bus: EventBus;
  /** This member's name: the actor of its audit records and the issuer of its decisions. */
  readonly member: string;
  readonly groupId?: string;
  /** Overrides of the decision policy (docs/decisions.md); a service's config overrides slowStartMs and panic. */
  readonly policy?: Partial<DecisionPolicy>;
  readonly alertPolicy?: Partial<AlertPolicy>;
  readonly decisionAlertThresholds?: Partial<DecisionAlertThresholds>;
  /** Thresholds of ERROR_RATE_HIGH / LATENCY_SLO_BREACH; `sloP95Ms` is the default SLO of every service. */
  readonly metricThresholds?: Partial<MetricAlertThresholds>;
  /** Per-service latency SLOs (p95, ms) over metricThresholds.sloP95Ms. */
  readonly latencySloMs?: Readonly<Record<string, number>>;
  /** How long the scores of one window are collected before a decision step (default 200 ms). */
  readonly batchMs?: number;
  /** Timer of time-driven steps: refreshes, slow-start ramps, alert holds, PROXY_STALE (default 1 s). */
  readonly tickMs?: number;
  /** A service whose scores stopped arriving here this long ago is let go (default 30 s). */
  readonly ownershipTtlMs?: number;
  /** PROXY_STALE: a proxy must have applied a version this long after it was published (default 15 s). */
  readonly proxyStaleGraceMs?: number;
  /** Proxies whose config-status has not moved for this long are taken as gone (default 5 min). */
  readonly proxyGoneAfterMs?: number;
  /** CONSUMER_LAG source (distributed mode: kafka-lag.ts); without one the alert is not raised. */
  readonly lagReader?: () => Promise<readonly LagSample[]>;
  readonly lagThreshold?: number;
  readonly lagIntervalMs?: number;
  /** Where a group with no committed offsets starts (default false: latest). */
  readonly fromBeginning?: boolean;
  /** Signs the config-updates the controller writes itself (when proxies verify signatures). */
  readonly signingKey?: KeyObject | string | Buffer;
  /** How many of its own recent audit records the member keeps for /api/why (default 2,000). */
  readonly auditMemory?: number;
  readonly registry?: Registry;
  readonly logger?: Logger;
  readonly now?: () => number;
}

export interface Controller {
  readonly member: string;
  readonly running: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Services this member decides for now. */
  services(): ServiceSummary[];
  /** The latest routing decision of a service (this member's, else the topic's). */
  decision(serviceId: string): RoutingDecision | undefined;
  /** The service's last good config as this member knows it. */
  config(serviceId: string): ConfigUpdate | undefined;
  /** This member's recent audit records, newest last (optionally of one entity). */
  audit(entityId?: string): AuditLog[];
  why(serviceId: string, instanceId: string): WhyAnswer;
  /** An operator action: a new config version on config-updates, audited. Resolves with it. */
  operatorAction(serviceId: string, action: OperatorAction, operator: string): Promise<ConfigUpdate>;
}

