/**
 * The schema-evolution guard: proto/released/ holds every schema as first released. Each is
 * registered under a fresh subject with BACKWARD compatibility, and the registry's own
 * compatibility API is asked whether today's proto/ schema may follow it. A change that would
 * stop today's consumers reading yesterday's events fails here, before it ships.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { testKafka, uniqueName } from '../support/kafka.js';
import { isCompatible, registerSchema, setCompatibility } from './registry-rest.js';

const { registryUrl } = testKafka();
const PROTO = fileURLToPath(new URL('../../proto/', import.meta.url));
const RELEASED = `${PROTO}released/`;
const avsc = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.avsc')).sort();
const read = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as { fields: Array<Record<string, unknown>> };

async function releasedSubject(schema: object): Promise<string> {
  const subject = `${uniqueName('evolution')}-value`;
  await registerSchema(registryUrl, subject, schema);
  await setCompatibility(registryUrl, subject, 'BACKWARD');
  return subject;
}

describe('schema evolution guard', () => {
  it('every schema in proto/ has a released baseline in proto/released/ (copy it there when a new one ships)', () => {
    // Not vacuous: an empty proto/ would also leave the it.each below with no cases.
    expect(avsc(PROTO).length).toBeGreaterThan(0);
    expect(avsc(RELEASED)).toEqual(avsc(PROTO));
  });

  it.each(avsc(RELEASED))('%s in proto/ is backward-compatible with its released version', async (file) => {
    const subject = await releasedSubject(read(`${RELEASED}${file}`));
    const verdict = await isCompatible(registryUrl, subject, read(`${PROTO}${file}`));
    expect(verdict, `registry says: ${JSON.stringify(verdict.messages)}`).toMatchObject({ compatible: true });
  });

  it('the guard catches a breaking change (a new field without a default)', async () => {
    const released = read(`${RELEASED}ConfigUpdate.avsc`);
    const broken = { ...released, fields: [...released.fields, { name: 'owner', type: 'string' }] };
    const subject = await releasedSubject(released);
    expect(await isCompatible(registryUrl, subject, broken)).toMatchObject({ compatible: false });
  });

  it('the guard allows an additive change (a new field with a default)', async () => {
    const released = read(`${RELEASED}ConfigUpdate.avsc`);
    const added = { ...released, fields: [...released.fields, { name: 'owner', type: ['null', 'string'], default: null }] };
    const subject = await releasedSubject(released);
    expect(await isCompatible(registryUrl, subject, added)).toMatchObject({ compatible: true });
  });
});
