/**
 * Turns a config file into the ConfigUpdate slbctl publishes: fills what an operator may leave
 * out (version = current + 1, previousVersion = current, issuedAtMs, issuedBy), refuses a
 * version that does not move forward or a file written against another version, and runs the
 * same checks a proxy runs (core's checkConfigUpdate: unknown fields, shape, meaning and the Avro
 * contract that publishing applies), so a config a proxy would reject is never pushed. `config
 * validate` and `config push` both run it: what validate accepts, push does not refuse.
 */
import { checkConfigUpdate, SlbError, type ConfigUpdate } from '@slb/core';

export interface PrepareInput {
  readonly raw: Readonly<Record<string, unknown>>;
  /** The service's latest config on config-updates, if any. */
  readonly current: ConfigUpdate | undefined;
  readonly actor: string;
  readonly nowMs: number;
  /** Named in errors (the file path). */
  readonly source: string;
}

export interface Prepared {
  readonly update: ConfigUpdate;
  /** Fields slbctl filled in. */
  readonly filled: readonly string[];
}

export function prepareUpdate(input: PrepareInput): Prepared {
  const { raw, current, source } = input;
  const out: Record<string, unknown> = { ...raw };
  const filled: string[] = [];
  const fill = (field: string, value: unknown) => {
    out[field] = value;
    filled.push(field);
  };
  if (raw['version'] === undefined) fill('version', (current?.version ?? 0) + 1);
  if (raw['previousVersion'] === undefined) fill('previousVersion', current?.version ?? null);
  if (raw['issuedAtMs'] === undefined || raw['issuedAtMs'] === 0) fill('issuedAtMs', input.nowMs);
  if (raw['issuedBy'] === undefined) fill('issuedBy', input.actor);
  // A signature covers every field: one made before slbctl filled some in cannot verify.
  if (filled.length > 0 && raw['signature'] !== undefined && raw['signature'] !== null) fill('signature', null);

  // Versions first: a stale file is the one problem worth naming, whatever else it has.
  const serviceId = out['serviceId'];
  if (current !== undefined && current.serviceId === serviceId) {
    const version = out['version'];
    const previous = out['previousVersion'];
    if (typeof version === 'number' && version <= current.version) {
      throw new SlbError('SLB_SERVICE_CONFIG_STALE', `${source}: version ${version} is not newer than the current version ${current.version} of ${current.serviceId} (leave version out to get ${current.version + 1})`, {
        details: { issues: [{ path: 'version', message: `must be > ${current.version}` }] },
      });
    }
    if (typeof previous === 'number' && previous !== current.version) {
      throw new SlbError('SLB_SERVICE_CONFIG_STALE', `${source}: written against version ${previous} of ${current.serviceId}, but the current version is ${current.version} (check with: slbctl config diff ${current.serviceId} ${source})`, {
        details: { issues: [{ path: 'previousVersion', message: `is ${previous}, current is ${current.version}` }] },
      });
    }
  }
  const checked = checkConfigUpdate(out);
  if (!checked.ok) throw new SlbError(checked.error.code, `${source}: ${checked.error.message}`, { details: { issues: checked.issues } });
  const update = checked.value;
  return { update, filled };
}

/** The content of `from` re-issued as the next version (rollback): same routes, instances, policy. */
export function reissue(from: ConfigUpdate, current: ConfigUpdate | undefined, actor: string, nowMs: number): ConfigUpdate {
  const version = Math.max(current?.version ?? 0, from.version) + 1;
  return { ...from, version, previousVersion: current?.version ?? null, issuedAtMs: nowMs, issuedBy: actor, signature: null };
}
