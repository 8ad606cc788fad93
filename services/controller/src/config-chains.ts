/**
 * The controller's knowledge of every service's config: two chains fed by the same messages in
 * the same order, so they agree.
 * - `configs` (with `previous`, the version it replaced) is what decisions and operator actions
 *   use; every member keeps it for every service from the config-updates latest view, because a
 *   service's config-updates and health-scores partitions may belong to different members.
 * - `handled` is the config-updates handler's own chain on the member that owns the key's
 *   partition; only it audits and raises CONFIG_REJECTED, so each outcome is reported once.
 *
 * A tombstone (null value) for a key removes the service from both chains, as `deleted: true`
 * does for decisions (the loop releases it, late scores do not bring it back), and forgets its
 * version: a tombstone has none, so the next update for the key re-creates the service whatever
 * its version, as on a member that replays the compacted topic and finds nothing of it. The group
 * consumer never delivers a tombstone; the latest view reports it (`onConfigRemoved`).
 */
import type { ConfigUpdate, Delivered, Logger } from '@slb/core';
import { configSignal } from './alerts/index.js';
import { configAuditRecord } from './audit-records.js';
import { assessConfigUpdate, type AcceptedConfig } from './config-assessment.js';
import type { DecisionPolicy } from './decisions/index.js';
import type { ControllerMetrics } from './metrics.js';
import type { Publisher } from './publisher.js';

export interface ConfigChains {
  /** The latest view's callback (every member, every service). */
  onConfigViewed(serviceId: string, value: ConfigUpdate): void;
  /** The latest view's removal callback: a tombstone took the service's key out of the view. */
  onConfigRemoved(serviceId: string): void;
  /** The service's config is deleted (`deleted: true`) or was removed by a tombstone: no decisions. */
  gone(serviceId: string): boolean;
  /** The group consumer's handler (the member that owns the key's partition). */
  onConfigUpdate(message: Delivered<'config-updates'>): Promise<void>;
  /** The service's last good config as this member knows it. */
  known(serviceId: string): AcceptedConfig | undefined;
  /** The latest view has replayed the topic: from now on a key never seen is a service with no config. */
  setLive(live: boolean): void;
}

export interface ConfigChainsDeps {
  readonly basePolicy: DecisionPolicy;
  readonly publisher: Publisher;
  readonly metrics: ControllerMetrics;
  readonly logger: Logger;
  /** An accepted new version of a service: membership or policy may have changed. */
  readonly onAccepted: (serviceId: string) => void;
}

export function createConfigChains(deps: ConfigChainsDeps): ConfigChains {
  const { basePolicy, publisher, metrics, logger } = deps;
  const configs = new Map<string, AcceptedConfig>();
  const previous = new Map<string, AcceptedConfig | undefined>();
  const handled = new Map<string, AcceptedConfig>();
  /** Services a tombstone removed, until an update re-creates them. */
  const removed = new Set<string>();
  let live = false;

  /**
   * While the view replays the topic, the first version seen of a key may have had predecessors
   * that compaction removed, so the checks across versions are skipped for it; once the view is
   * live, it has seen every version since.
   */
  function onConfigSeen(serviceId: string, value: ConfigUpdate): void {
    const held = configs.get(serviceId);
    const a = assessConfigUpdate(value, held, basePolicy, held !== undefined || !live);
    if (a.kind !== 'accepted') return;
    previous.set(serviceId, held);
    configs.set(serviceId, { config: a.config, policy: a.policy });
    removed.delete(serviceId);
  }

  function onConfigRemoved(serviceId: string): void {
    const held = configs.get(serviceId);
    configs.delete(serviceId);
    previous.delete(serviceId);
    handled.delete(serviceId);
    removed.add(serviceId);
    logger.info({ serviceId, version: held?.config.version }, 'config removed by tombstone');
  }

  async function onConfigUpdate(message: Delivered<'config-updates'>): Promise<void> {
    const serviceId = message.key;
    // The view's last word on the key is a tombstone: this delivery is either history from before
    // it (a group re-reading the partition, which never sees the tombstone) or a re-creation the
    // view has not reached yet. Either way it is checked without a predecessor, reported, and
    // left to the view to apply: history must not bring the service back.
    const tombstoned = removed.has(serviceId);
    let current = handled.get(serviceId);
    let known = current !== undefined || tombstoned;
    if (current === undefined) {
      // This member has just taken the key's partition over: its view chain is its best knowledge
      // (the view may be ahead of or behind this delivery).
      const viewed = configs.get(serviceId);
      if (viewed !== undefined) {
        known = true;
        current = viewed.config.version === message.value.version ? previous.get(serviceId) : viewed;
      }
    }
    const a = assessConfigUpdate(message.value, current, basePolicy, known);
    const source = { topic: message.topic, partition: message.partition, offset: message.offset };
    metrics.configs.inc({ outcome: a.kind });
    if (a.kind === 'replay') {
      logger.debug({ serviceId, version: a.version }, 'config replay ignored');
      return;
    }
    if (a.kind === 'rejected') {
      const key = a.serviceId === '' ? serviceId : a.serviceId;
      logger.warn({ serviceId: key, version: a.version, code: a.error.code }, a.error.message);
      await publisher.publishAudit([configAuditRecord({ kind: 'rejected', serviceId: key, version: a.version, code: a.error.code, reason: a.error.message, before: current?.config }, source, publisher.auditContext())]);
      await publisher.raise([configSignal({ key, version: a.version, accepted: false, reason: `${a.error.code}: ${a.error.message}` })]);
      return;
    }
    if (!tombstoned) {
      handled.set(serviceId, { config: a.config, policy: a.policy });
      // The view chain takes the same update in its own callback (decisions read it from there).
      if ((configs.get(serviceId)?.config.version ?? -1) < a.config.version) onConfigSeen(serviceId, a.config);
    }
    logger.info({ serviceId, version: a.config.version, issuedBy: a.config.issuedBy }, 'config accepted');
    await publisher.publishAudit([configAuditRecord({ kind: 'accepted', config: a.config, before: current?.config }, source, publisher.auditContext())]);
    await publisher.raise([configSignal({ key: serviceId, version: a.config.version, accepted: true })]);
    deps.onAccepted(serviceId);
  }

  return {
    onConfigViewed: onConfigSeen,
    onConfigRemoved,
    gone: (serviceId) => removed.has(serviceId) || configs.get(serviceId)?.config.deleted === true,
    onConfigUpdate,
    known: (serviceId) => configs.get(serviceId),
    setLive: (value) => {
      live = value;
    },
  };
}
