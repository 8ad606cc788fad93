/**
 * The one entry point every consumer of ConfigUpdate uses: refuse unknown fields, normalize,
 * validate the meaning, apply the Avro contract every encoding applies, verify the signature
 * when a key is given, and refuse versions that do not move forward. Every problem is
 * collected; the first failing stage decides the error code.
 */
import type { KeyObject } from 'node:crypto';
import { SlbError } from '../errors/index.js';
import type { ConfigUpdate } from '../contracts/generated.js';
import type { ValidationIssue } from '../contracts/codec.js';
import { normalizeConfigUpdate } from './normalize.js';
import { validateServiceConfig } from './validate.js';
import { verifyConfigUpdate } from './signing.js';
import { unknownFieldIssues } from './strict-fields.js';
import { validateEvent } from '../contracts/validate.js';

export interface CheckConfigOptions {
  /** When set, unsigned and forged updates are rejected. */
  readonly publicKey?: KeyObject | string | Buffer;
  /** The version already applied for this service; the update must be newer. */
  readonly appliedVersion?: number;
  /**
   * A field the schema does not have, at any depth: 'reject' (the default) makes it a problem
   * with its path and the field probably meant; 'ignore' drops it, as an Avro reader drops the
   * fields of a newer writer. Decoded messages never carry one (the codec resolves them into
   * today's schema), so the default only bites what people write: files and request bodies.
   */
  readonly unknownFields?: 'reject' | 'ignore';
}

export type CheckConfigResult =
  | { readonly ok: true; readonly value: ConfigUpdate }
  | { readonly ok: false; readonly error: SlbError; readonly issues: readonly ValidationIssue[] };

export function checkConfigUpdate(raw: unknown, options: CheckConfigOptions = {}): CheckConfigResult {
  const normalized = normalizeConfigUpdate(raw);
  const value = normalized.value;
  const issues = [...(options.unknownFields === 'ignore' ? [] : unknownFieldIssues(raw)), ...normalized.issues];
  // Meaning, then the Avro contract (what encoding the update for config-updates refuses: 32-bit
  // ints, non-empty writer, ...), are checked even when some fields had the wrong shape
  // (normalization keeps their defaults), so a person fixing a file sees every problem at once;
  // a path already reported by an earlier stage is not reported again.
  const add = (later: readonly ValidationIssue[]) => {
    const reported = issues.map((i) => i.path);
    for (const issue of later) {
      if (!reported.some((p) => issue.path === p || issue.path.startsWith(`${p}.`) || issue.path.startsWith(`${p}[`))) issues.push(issue);
    }
  };
  add(validateServiceConfig(value));
  add(validateEvent('config-updates', value));
  const fail = (code: ConstructorParameters<typeof SlbError>[0], message: string, list: ValidationIssue[]): CheckConfigResult => ({
    ok: false,
    issues: list,
    error: new SlbError(code, message, { details: { serviceId: value.serviceId, version: value.version, issues: list } }),
  });
  if (issues.length > 0) {
    const text = issues.map((i) => `${i.path === '' ? '(root)' : i.path}: ${i.message}`).join('; ');
    return fail('SLB_SERVICE_CONFIG_INVALID', `config ${value.serviceId}@${value.version} is invalid: ${text}`, issues);
  }
  if (options.publicKey !== undefined) {
    if (value.signature === null) return fail('SLB_SERVICE_CONFIG_UNSIGNED', `config ${value.serviceId}@${value.version} is not signed`, [{ path: 'signature', message: 'is required' }]);
    if (!verifyConfigUpdate(value, options.publicKey)) {
      return fail('SLB_SERVICE_CONFIG_FORGED', `config ${value.serviceId}@${value.version} has a signature that does not verify`, [{ path: 'signature', message: 'does not verify' }]);
    }
  }
  if (options.appliedVersion !== undefined && value.version <= options.appliedVersion) {
    return fail('SLB_SERVICE_CONFIG_STALE', `config ${value.serviceId}@${value.version} is not newer than the applied version ${options.appliedVersion}`, [
      { path: 'version', message: `must be > ${options.appliedVersion}` },
    ]);
  }
  return { ok: true, value };
}
