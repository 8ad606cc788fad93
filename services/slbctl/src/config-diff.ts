/**
 * What changes between two configs of a service, field by field (microdiff does the walk).
 * Bookkeeping fields that differ on every push (version, issuedAtMs, ...) are left out.
 */
import diff from 'microdiff';
import { eventToJson, type ConfigUpdate } from '@slb/core';

export const BOOKKEEPING_FIELDS = ['version', 'previousVersion', 'issuedAtMs', 'issuedBy', 'signature'] as const;

export interface Change {
  readonly kind: 'added' | 'removed' | 'changed';
  /** Field path, e.g. instances[1].weight. */
  readonly path: string;
  readonly from?: unknown;
  readonly to?: unknown;
}

function comparable(update: ConfigUpdate | undefined): Record<string, unknown> {
  if (update === undefined) return {};
  const json = eventToJson('config-updates', update) as Record<string, unknown>;
  for (const f of BOOKKEEPING_FIELDS) delete json[f];
  return json;
}

function pathText(path: readonly (string | number)[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc === '' ? p : `${acc}.${p}`), '');
}

export function configDiff(from: ConfigUpdate | undefined, to: ConfigUpdate | undefined): Change[] {
  return diff(comparable(from), comparable(to)).map((d) => {
    const path = pathText(d.path);
    if (d.type === 'CREATE') return { kind: 'added', path, to: d.value };
    if (d.type === 'REMOVE') return { kind: 'removed', path, from: d.oldValue };
    return { kind: 'changed', path, from: d.oldValue, to: d.value };
  });
}

export function changeLine(c: Change): string {
  const show = (v: unknown) => JSON.stringify(v);
  if (c.kind === 'added') return `+ ${c.path}: ${show(c.to)}`;
  if (c.kind === 'removed') return `- ${c.path}: ${show(c.from)}`;
  return `~ ${c.path}: ${show(c.from)} -> ${show(c.to)}`;
}
