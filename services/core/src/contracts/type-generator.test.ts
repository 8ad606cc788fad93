import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TOPICS, TOPIC_NAMES } from '../topics/catalogue.js';
import { renderTopicsDoc } from './doc-generator.js';
import { GENERATED_FILE, TOPICS_DOC_FILE, readProtoDir, renderFromProto } from './generate-contracts.js';
import { AVRO_SCHEMAS } from './generated.js';
import { renderContracts, type AvroRecordSchema } from './type-generator.js';

describe('generated contracts', () => {
  it('generated.ts is up to date with proto/ (run `npm run gen:contracts`)', () => {
    expect(readFileSync(GENERATED_FILE, 'utf8')).toBe(renderFromProto());
  });

  it('docs/topics-and-schemas.md is up to date with the catalogue and proto/ (run `npm run gen:contracts`)', () => {
    expect(readFileSync(TOPICS_DOC_FILE, 'utf8')).toBe(renderTopicsDoc(readProtoDir()));
  });

  it('every catalogue topic has its schema in proto/', () => {
    const names = readProtoDir().map((f) => f.schema.name);
    for (const topic of TOPIC_NAMES) expect(names).toContain(TOPICS[topic].schema);
    expect(Object.keys(AVRO_SCHEMAS).sort()).toEqual([...names].sort());
  });
});

describe('renderContracts', () => {
  const record = (name: string, fields: AvroRecordSchema['fields']): AvroRecordSchema => ({ type: 'record', name, namespace: 'slb.v1', fields });

  it('maps Avro types to TypeScript types, nullable unions as T | null', () => {
    const text = renderContracts(
      [{ file: 'A.avsc', schema: record('A', [
        { name: 'n', type: ['null', 'long'], default: null },
        { name: 'b', type: 'bytes' },
        { name: 'm', type: { type: 'map', values: 'double' } },
        { name: 'e', type: { type: 'enum', name: 'E', symbols: ['X', 'Y'] } },
        { name: 'l', type: { type: 'array', items: 'E' } },
      ]) }],
      [{ topic: 'a', schema: 'A' }],
    );
    expect(text).toContain("export type E = 'X' | 'Y';");
    expect(text).toMatch(/export interface A \{\n {2}n: number \| null;\n {2}b: Buffer;\n {2}m: Record<string, number>;\n {2}e: E;\n {2}l: Array<E>;\n\}/);
    expect(text).toContain("  'a': A;");
  });

  it('refuses one type name defined two different ways', () => {
    const sub = (fields: AvroRecordSchema['fields']) => ({ type: 'record', name: 'Sub', fields }) as unknown as AvroRecordSchema;
    expect(() =>
      renderContracts(
        [
          { file: 'A.avsc', schema: record('A', [{ name: 's', type: sub([{ name: 'x', type: 'int' }]) }]) },
          { file: 'B.avsc', schema: record('B', [{ name: 's', type: sub([{ name: 'x', type: 'long' }]) }]) },
        ],
        [],
      ),
    ).toThrow(/type Sub differs from its definition in A.avsc/);
  });

  it('refuses a topic whose schema is missing', () => {
    expect(() => renderContracts([], [{ topic: 'alerts', schema: 'Alert' }])).toThrow(/not in proto/);
  });
});
