/**
 * The console's view of the fleet: what GET /console/api/state returns and what the page renders.
 * Plain JSON (no Buffers, no bigint), so one shape serves the snapshot, the SSE deltas and the docs.
 */
import type { Alert, AuditLog, InstanceState, RejectedConfig, RoutingDecision, ScoreComponent } from '@slb/core';

/** One point of a history series; `t` is the window end (ms since epoch). */
export interface HistoryPoint {
  readonly t: number;
  readonly v: number;
}

export interface InstanceView {
  readonly instanceId: string;
  /** From the service's ConfigUpdate; null when the instance is known only from telemetry. */
  readonly address: string | null;
  readonly configWeight: number | null;
  readonly inConfig: boolean;
  /** Latest health score and its components (health-scores). */
  readonly score: number | null;
  readonly scoreWindowEndMs: number | null;
  readonly components: readonly ScoreComponent[];
  /** From the service's latest RoutingDecision; null when the decision does not name it. */
  readonly weight: number | null;
  readonly state: InstanceState | null;
  readonly reason: string | null;
  readonly stateUntilMs: number | null;
  /**
   * The score the latest decision cites for this instance: for an ejected one, the last window
   * that ejected it (its latest window has no traffic and says nothing about why it is out).
   */
  readonly decisionScore: number | null;
  /** Latest fleet-wide window (metrics-aggregated). */
  readonly rps: number | null;
  readonly p95LatencyMs: number | null;
  readonly errorRate: number | null;
  readonly inFlight: number | null;
  readonly metricsWindowEndMs: number | null;
  /** Bounded, ordered by window end. */
  readonly scoreHistory: readonly HistoryPoint[];
  readonly rpsHistory: readonly HistoryPoint[];
}

export interface ServiceView {
  readonly serviceId: string;
  /** Desired config version (config-updates). */
  readonly configVersion: number | null;
  readonly decisionVersion: number | null;
  readonly decisionIssuedAtMs: number | null;
  readonly decisionExpiresAtMs: number | null;
  readonly panic: boolean;
  /** Ordered by instance id (natural order: i-2 before i-10). */
  readonly instances: readonly InstanceView[];
}

/** How one instance's routing changed in a decision compared with the service's previous one. */
export interface InstanceRoutingChange {
  readonly instanceId: string;
  /** null: the instance was not in the previous decision (or this is the first one seen). */
  readonly from: { readonly state: InstanceState; readonly weight: number } | null;
  readonly to: { readonly state: InstanceState; readonly weight: number };
  readonly reason: string;
}

/** A routing decision as published, plus what it changed against the one before. */
export type DecisionEntry = Readonly<RoutingDecision> & {
  readonly changes: readonly InstanceRoutingChange[];
};

/** An alert as published (the latest event of its dedup key). */
export type AlertEntry = Readonly<Alert>;

export type VersionStatus = 'converged' | 'behind' | 'ahead' | 'unknown';

/** One service (or _global) as one proxy runs it, against the desired version. */
export interface VersionRow {
  readonly serviceId: string;
  readonly desired: number | null;
  readonly applied: number | null;
  readonly status: VersionStatus;
}

export interface ProxyConvergence {
  readonly proxyId: string;
  readonly updatedAtMs: number;
  /** Live when the snapshot or delta was made (core's fleet rule: reported within 5 min). */
  readonly live: boolean;
  /** When the proxy counts as gone if it reports nothing more (the page re-judges its rows with it). */
  readonly goneAtMs: number;
  readonly snapshotLoaded: boolean;
  /** Every config and decision version the proxy runs equals the desired one. */
  readonly converged: boolean;
  readonly config: readonly VersionRow[];
  readonly decisions: readonly VersionRow[];
  readonly lastRejected: RejectedConfig | null;
}

export interface ConsoleSnapshot {
  /** Server time when the snapshot was taken (the page uses it to show ages). */
  readonly generatedAtMs: number;
  /** Points kept per history series (the page trims merged deltas to the same length). */
  readonly historyWindows: number;
  /** Increases with every change the model folds in. */
  readonly revision: number;
  readonly services: readonly ServiceView[];
  /** Newest first. */
  readonly decisions: readonly DecisionEntry[];
  /** Firing first (newest first), then resolved (most recently resolved first). */
  readonly alerts: readonly AlertEntry[];
  /** Newest first. */
  readonly audit: readonly AuditLog[];
  readonly proxies: readonly ProxyConvergence[];
}

/** An instance in a delta: its current figures, and only the history points added since the last delta. */
export interface InstanceDelta extends Omit<InstanceView, 'scoreHistory' | 'rpsHistory'> {
  readonly scorePoints: readonly HistoryPoint[];
  readonly rpsPoints: readonly HistoryPoint[];
}

/** A service in a delta: its full instance list (an instance missing from it is gone), without full histories. */
export interface ServiceDelta extends Omit<ServiceView, 'instances'> {
  readonly instances: readonly InstanceDelta[];
}

/**
 * What changed since the last delta: each changed service with its new history points (a window
 * costs a few hundred bytes per instance, not the whole history again), and each changed section
 * in full (sections are bounded lists, so replacing them keeps the page's merge trivial). Merging
 * is idempotent: a point for a window the page already has replaces it.
 */
export interface ConsoleDelta {
  readonly generatedAtMs: number;
  readonly revision: number;
  readonly services: readonly ServiceDelta[];
  readonly removedServices: readonly string[];
  readonly decisions?: readonly DecisionEntry[];
  readonly alerts?: readonly AlertEntry[];
  readonly audit?: readonly AuditLog[];
  readonly proxies?: readonly ProxyConvergence[];
}
