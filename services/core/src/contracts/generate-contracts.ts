/**
 * `npm run gen:contracts`: regenerates generated.ts and docs/topics-and-schemas.md from
 * proto/*.avsc and the topic catalogue (proto/released/ is the compatibility baseline and is
 * not read here).
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TOPICS, TOPIC_NAMES } from '../topics/catalogue.js';
import { renderTopicsDoc } from './doc-generator.js';
import { renderContracts, type AvroRecordSchema, type SchemaFile } from './type-generator.js';

/** proto/ at the repository root, from src/contracts or dist/contracts alike. */
export const PROTO_DIR = fileURLToPath(new URL('../../../../proto/', import.meta.url));
export const GENERATED_FILE = fileURLToPath(new URL('../../src/contracts/generated.ts', import.meta.url));
export const TOPICS_DOC_FILE = fileURLToPath(new URL('../../../../docs/topics-and-schemas.md', import.meta.url));

export function readProtoDir(dir: string = PROTO_DIR): SchemaFile[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.avsc'))
    .sort()
    .map((file) => ({ file, schema: JSON.parse(readFileSync(`${dir}${file}`, 'utf8')) as AvroRecordSchema }));
}

export function renderFromProto(dir: string = PROTO_DIR): string {
  return renderContracts(
    readProtoDir(dir),
    TOPIC_NAMES.map((topic) => ({ topic, schema: TOPICS[topic].schema })),
  );
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(GENERATED_FILE, renderFromProto());
  writeFileSync(TOPICS_DOC_FILE, renderTopicsDoc(readProtoDir()));
  console.log(`wrote ${GENERATED_FILE} and ${TOPICS_DOC_FILE}`);
}
