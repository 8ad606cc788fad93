/**
 * Strict config files (issue 13): a field that proto/ConfigUpdate.avsc does not have, at any
 * depth, is an error with its path and, when one field is close, the field meant ("did you mean
 * 'weight'?"), instead of being dropped while its intended field silently keeps its default.
 *
 * This is for what people write (files, admin API bodies, plain JSON): an Avro message from an
 * older or newer producer never reaches it with a foreign field, because the codec resolves the
 * writer's schema into today's, which drops fields today's schema does not know. Pure: no I/O.
 *
 * The string distance is a small optimal-string-alignment Damerau-Levenshtein written here: the
 * only such library in node_modules (fast-levenshtein) is a transitive dev dependency of eslint
 * and counts a transposition ("wieght") as two edits.
 */
import type avro from 'avsc';
import type { ValidationIssue } from '../contracts/codec.js';
import { topicType } from '../contracts/schemas.js';

/** A record's fields: each a plain value (scalar, enum, map, bytes), a record, or a list of records. */
export interface RecordFields {
  /** The Avro record name, as messages name it. */
  readonly name: string;
  readonly fields: Readonly<Record<string, FieldKind>>;
}
export type FieldKind = 'value' | RecordFields | { readonly items: RecordFields };

const V = 'value' as const;

/**
 * The field tree of ConfigUpdate, read from its Avro schema (proto/ConfigUpdate.avsc, embedded
 * in contracts/generated.ts) once: the schema is the one list of fields, so no field of it is
 * ever refused and a new one needs no second edit here.
 */
export const CONFIG_UPDATE_FIELDS: RecordFields = recordFieldsOf(topicType('config-updates'));

type AvroNode = avro.Type & { readonly types?: avro.Type[]; readonly itemsType?: avro.Type; readonly fields?: ReadonlyArray<{ name: string; type: avro.Type }> };

function recordFieldsOf(type: avro.Type): RecordFields {
  const kind = fieldKindOf(type);
  if (kind === V || 'items' in kind) throw new Error(`${type.name ?? type.typeName} is not a record`);
  return kind;
}

/** A record → its fields; a nullable record or a list of records → that record; anything else a plain value. */
function fieldKindOf(type: avro.Type): FieldKind {
  const t = type as AvroNode;
  if (t.typeName.startsWith('union')) {
    const branches = (t.types ?? []).filter((b) => b.typeName !== 'null');
    return branches.length === 1 ? fieldKindOf(branches[0]!) : V;
  }
  if (t.typeName === 'array') {
    const items = fieldKindOf(t.itemsType!);
    return items !== V && !('items' in items) ? { items } : V;
  }
  if (t.typeName === 'record') {
    // A map (tags) is a value: its keys are the user's, not the schema's.
    return Object.freeze({ name: (t.name ?? '').split('.').pop()!, fields: Object.freeze(Object.fromEntries((t.fields ?? []).map((f) => [f.name, fieldKindOf(f.type)]))) });
  }
  return V;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

/**
 * Every field of `raw` that `shape` does not have, at every depth, each with its path and
 * message. A value of the wrong shape (a list where a record belongs, ...) is not looked into:
 * normalization reports it. Nothing inside an unknown field is reported: its top is.
 */
export function unknownFieldIssues(raw: unknown, shape: RecordFields = CONFIG_UPDATE_FIELDS, path = ''): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  walk(raw, shape, path, issues);
  return issues;
}

function walk(raw: unknown, shape: RecordFields, path: string, issues: ValidationIssue[]): void {
  if (!isObj(raw)) return;
  const known = Object.keys(shape.fields);
  for (const [key, value] of Object.entries(raw)) {
    const at = join(path, key);
    // Own fields only: `constructor` or `__proto__` in a file is as unknown as any other name.
    if (!Object.hasOwn(shape.fields, key)) {
      issues.push({ path: at, message: unknownFieldMessage(key, shape.name, known) });
      continue;
    }
    const kind = shape.fields[key]!;
    if (kind === V) continue;
    if ('items' in kind) {
      if (Array.isArray(value)) value.forEach((item, i) => walk(item, kind.items, `${at}[${i}]`, issues));
    } else walk(value, kind, at, issues);
  }
}

/** "unknown field of X; did you mean 'y'?", or the fields X has when none is close. */
export function unknownFieldMessage(field: string, record: string, known: readonly string[]): string {
  const meant = didYouMean(field, known);
  return meant === undefined ? `unknown field of ${record} (its fields: ${known.join(', ')})` : `unknown field of ${record}; did you mean '${meant}'?`;
}

/** Case and `_`/`-`/space separators do not count: `health_check` is `healthCheck`. */
const fold = (s: string): string => s.toLowerCase().replace(/[-_\s]/g, '');

/**
 * The candidate closest to `word`, when it is close enough to be the one meant: at most one edit
 * per three letters of the candidate (and always one), so `wieght` finds `weight` and `ip` finds
 * `id`, but `retry` guesses nothing rather than something wrong. Ties go to the first candidate.
 */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const w = fold(word);
  if (w === '') return undefined;
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const c = fold(candidate);
    const d = editDistance(w, c);
    if (d <= Math.max(1, Math.floor(c.length / 3)) && d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * Optimal string alignment distance: insertions, deletions, substitutions and transpositions of
 * two adjacent letters each cost one (a substring is not edited twice).
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  // Three rows: two back (for transpositions), one back, and the current one.
  let twoBack = new Array<number>(b.length + 1).fill(0);
  let oneBack = Array.from({ length: b.length + 1 }, (_, j) => j);
  let row = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(oneBack[j]! + 1, row[j - 1]! + 1, oneBack[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, twoBack[j - 2]! + 1);
      row[j] = d;
    }
    [twoBack, oneBack, row] = [oneBack, row, twoBack];
  }
  return oneBack[b.length]!;
}
