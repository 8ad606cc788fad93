/**
 * What the controller makes of one config-updates message (docs/controller.md, "Config
 * validation"). Schema and meaning of the update itself are the core's `checkConfigUpdate`
 * (the same checks every proxy and slbctl run); on top of it the controller checks what only
 * a view across versions can see: the service must exist for a delete or an update that names
 * the version it replaces, that version must be the current one (optimistic concurrency),
 * versions move forward, and the policy parameters must make a valid decision policy. Pure.
 */
import { SlbError, checkConfigUpdate, GLOBAL_SERVICE_ID, type ConfigUpdate } from '@slb/core';
import { decisionPolicy, type DecisionPolicy } from './decisions/index.js';

export interface AcceptedConfig {
  readonly config: ConfigUpdate;
  /** The decision policy for the service: the controller's base policy with the config's parameters. */
  readonly policy: DecisionPolicy;
}

export type ConfigAssessment =
  | { readonly kind: 'accepted'; readonly config: ConfigUpdate; readonly policy: DecisionPolicy }
  /** The same or an older version, written before the current one: a replay, applied once already. */
  | { readonly kind: 'replay'; readonly version: number }
  | { readonly kind: 'rejected'; readonly serviceId: string; readonly version: number | null; readonly error: SlbError };

/**
 * The config's decision parameters over the base policy: `slowStartMs` as is (0 = off) and
 * `panicThresholdPercent` as the panic engage fraction, releasing the base policy's hysteresis
 * gap higher. Throws SLB_POLICY_INVALID when they cannot make a valid policy.
 */
export function policyForConfig(config: ConfigUpdate, base: DecisionPolicy): DecisionPolicy {
  const engage = config.panicThresholdPercent / 100;
  const gap = base.panicReleaseHealthyFraction - base.panicBelowHealthyFraction;
  return decisionPolicy({ ...base, slowStartMs: config.slowStartMs, panicBelowHealthyFraction: engage, panicReleaseHealthyFraction: Math.min(1, engage + gap) });
}

/**
 * `current` is the service's last accepted config as this member knows it. `known` says whether
 * the service is known to have a config even when `current` is undefined (a member that took
 * the service over and has only seen the latest version, which is this very update): the
 * unknown-service and concurrency checks need the predecessor and are skipped without it.
 */
export function assessConfigUpdate(raw: unknown, current: AcceptedConfig | undefined, base: DecisionPolicy, known = current !== undefined): ConfigAssessment {
  const checked = checkConfigUpdate(raw);
  if (!checked.ok) {
    const details = checked.error.details as { serviceId?: unknown; version?: unknown } | undefined;
    const serviceId = typeof details?.serviceId === 'string' ? details.serviceId : '';
    const version = typeof details?.version === 'number' && Number.isFinite(details.version) ? details.version : null;
    return { kind: 'rejected', serviceId, version, error: checked.error };
  }
  const u = checked.value;
  const reject = (code: ConstructorParameters<typeof SlbError>[0], message: string): ConfigAssessment => ({
    kind: 'rejected',
    serviceId: u.serviceId,
    version: u.version,
    error: new SlbError(code, `config ${u.serviceId}@${u.version}: ${message}`, { details: { serviceId: u.serviceId, version: u.version } }),
  });

  if (current !== undefined && u.version <= current.config.version) {
    // Written before the current version: a replay (redelivery, a takeover re-reading the topic).
    // Written after it with a version that does not move forward: a writer's mistake, refused loudly.
    if (u.issuedAtMs <= current.config.issuedAtMs) return { kind: 'replay', version: u.version };
    return reject('SLB_SERVICE_CONFIG_STALE', `version is not newer than the current version ${current.config.version}`);
  }
  if (current === undefined && known) {
    // Taken over without the predecessor: only the update's own checks apply.
  } else if (current === undefined || current.config.deleted) {
    if (u.deleted) return reject('SLB_SERVICE_CONFIG_UNKNOWN_SERVICE', 'deletes a service that has no config');
    if (u.previousVersion !== null) return reject('SLB_SERVICE_CONFIG_UNKNOWN_SERVICE', `replaces version ${u.previousVersion} of a service that has no config`);
  } else if (u.previousVersion !== null && u.previousVersion !== current.config.version) {
    return reject('SLB_SERVICE_CONFIG_CONFLICT', `was written against version ${u.previousVersion} but the current version is ${current.config.version}`);
  }
  if (u.serviceId === GLOBAL_SERVICE_ID || u.deleted) return { kind: 'accepted', config: u, policy: base };
  try {
    return { kind: 'accepted', config: u, policy: policyForConfig(u, base) };
  } catch (error) {
    const problems = error instanceof SlbError ? error.message : String(error);
    return reject('SLB_POLICY_INVALID', `policy parameters (slowStartMs, panicThresholdPercent) make no valid decision policy: ${problems}`);
  }
}
