/**
 * validateEvent: a structural check of a value against its topic's Avro schema (with field
 * paths and readable messages, which avsc's isValid does not give) followed by the semantic
 * rules. Pure: no registry, no I/O.
 */
import type avro from 'avsc';
import type { TopicName } from '../topics/catalogue.js';
import type { ValidationIssue } from './codec.js';
import { topicType } from './schemas.js';
import { checkRecord, fieldRule, type FieldRule } from './semantic-rules.js';

/** Issues with `value` as an event of `topic`; [] = valid. */
export function validateEvent<T extends TopicName>(topic: T, value: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  walk(topicType(topic), value, '', issues);
  return issues;
}

/** Stop collecting after this many; a 2 MB garbage object must not make a 2 MB error. */
const MAX_ISSUES = 50;

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (Buffer.isBuffer(value)) return 'bytes';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return `${typeof value} ${String(value)}`;
}

const shortName = (type: avro.Type): string => (type.name ?? type.typeName).split('.').pop() ?? '';

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);

function walk(type: avro.Type, value: unknown, path: string, issues: ValidationIssue[]): void {
  if (issues.length >= MAX_ISSUES) return;
  const kind = type.typeName;
  switch (kind) {
    case 'null':
      if (value !== null) issues.push({ path, message: `expected null, got ${describe(value)}` });
      return;
    case 'boolean':
      if (typeof value !== 'boolean') issues.push({ path, message: `expected a boolean, got ${describe(value)}` });
      return;
    case 'string':
      if (typeof value !== 'string') issues.push({ path, message: `expected a string, got ${describe(value)}` });
      return;
    case 'bytes':
    case 'fixed':
      if (!Buffer.isBuffer(value)) issues.push({ path, message: `expected bytes, got ${describe(value)}` });
      return;
    case 'int':
    case 'long':
    case 'float':
    case 'double':
      checkNumber(kind, value, path, issues);
      return;
    case 'enum': {
      const symbols = (type as avro.types.EnumType).symbols;
      if (typeof value !== 'string' || !symbols.includes(value)) issues.push({ path, message: `expected one of ${symbols.join(', ')}; got ${describe(value)}` });
      return;
    }
    case 'array': {
      if (!Array.isArray(value)) {
        issues.push({ path, message: `expected an array, got ${describe(value)}` });
        return;
      }
      const items = (type as avro.types.ArrayType).itemsType;
      value.forEach((item, i) => walk(items, item, `${path}[${i}]`, issues));
      return;
    }
    case 'map': {
      if (!isPlainObject(value)) {
        issues.push({ path, message: `expected an object (map), got ${describe(value)}` });
        return;
      }
      const values = (type as avro.types.MapType).valuesType as avro.Type;
      for (const [key, item] of Object.entries(value)) walk(values, item, join(path, key), issues);
      return;
    }
    case 'record':
      walkRecord(type as avro.types.RecordType, value, path, issues);
      return;
    default:
      if (kind.startsWith('union')) {
        walkUnion(type as avro.types.UnwrappedUnionType, value, path, issues);
        return;
      }
      // Logical types would land here; proto/ uses none that avsc decorates.
      if (!type.isValid(value)) issues.push({ path, message: `does not match ${kind}` });
  }
}

function checkNumber(kind: string, value: unknown, path: string, issues: ValidationIssue[]): void {
  if (typeof value !== 'number') {
    issues.push({ path, message: `expected a number (${kind}), got ${describe(value)}` });
  } else if (!Number.isFinite(value)) {
    issues.push({ path, message: `must be a finite number, got ${String(value)}` });
  } else if (kind === 'int' && !(Number.isInteger(value) && value <= 2_147_483_647)) {
    issues.push({ path, message: `expected a 32-bit integer, got ${value}` });
  } else if (kind === 'long' && !Number.isSafeInteger(value)) {
    issues.push({ path, message: `expected an integer, got ${value}` });
  } else if (value < 0) {
    // Every number in these contracts is a count, duration, time, rate, weight or score.
    issues.push({ path, message: `must be >= 0, got ${value}` });
  }
}

const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

interface RecordPlan {
  readonly name: string;
  readonly fields: ReadonlyArray<{ readonly name: string; readonly type: avro.Type; readonly rule: FieldRule | null }>;
  readonly known: ReadonlySet<string>;
}

/** Per record type, what to check, worked out once: validation runs on every telemetry event. */
const plans = new WeakMap<avro.Type, RecordPlan>();

function planOf(type: avro.types.RecordType): RecordPlan {
  let plan = plans.get(type);
  if (plan === undefined) {
    const name = shortName(type);
    const fields = type.fields.map((f) => ({ name: f.name, type: f.type, rule: fieldRule(name, f.name) }));
    plan = { name, fields, known: new Set(fields.map((f) => f.name)) };
    plans.set(type, plan);
  }
  return plan;
}

function walkRecord(type: avro.types.RecordType, value: unknown, path: string, issues: ValidationIssue[]): void {
  const plan = planOf(type);
  if (!isPlainObject(value)) {
    issues.push({ path, message: `expected ${plan.name} (an object), got ${describe(value)}` });
    return;
  }
  const before = issues.length;
  for (const field of plan.fields) {
    const fieldPath = join(path, field.name);
    const fieldValue = value[field.name];
    if (fieldValue === undefined) {
      issues.push({ path: fieldPath, message: 'is required' });
      continue;
    }
    const fieldBefore = issues.length;
    walk(field.type, fieldValue, fieldPath, issues);
    if (field.rule !== null && issues.length === fieldBefore) field.rule(fieldValue, fieldPath, issues);
  }
  for (const key of Object.keys(value)) {
    if (!plan.known.has(key)) issues.push({ path: join(path, key), message: `unknown field of ${plan.name}` });
  }
  // Cross-field rules only make sense once every field has the right type.
  if (issues.length === before) checkRecord(plan.name, value, path, issues);
}

function walkUnion(type: avro.types.UnwrappedUnionType, value: unknown, path: string, issues: ValidationIssue[]): void {
  const branches = type.types;
  if (value === null && branches.some((b) => b.typeName === 'null')) return;
  const candidates = branches.filter((b) => b.typeName !== 'null');
  const only = candidates[0];
  if (candidates.length === 1 && only !== undefined) {
    walk(only, value, path, issues);
    return;
  }
  for (const branch of candidates) {
    const trial: ValidationIssue[] = [];
    walk(branch, value, path, trial);
    if (trial.length === 0) return;
  }
  issues.push({ path, message: `matches none of ${branches.map(shortName).join(', ')}; got ${describe(value)}` });
}
