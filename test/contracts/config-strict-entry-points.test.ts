/**
 * Issue 13, "config files are strict", where a config enters the proxy: its SLB_CONFIG_FILE and
 * its admin API body (the real proxy process, through tsx on the sources) refuse a misspelt field
 * with its path and the field meant. And what must NOT become strict: Avro messages from an
 * older or a newer producer (the registry codec resolves them into today's schema) and JSON on
 * config-updates carrying every bookkeeping field (version, previousVersion, issuedAtMs,
 * issuedBy, deleted, signature) still pass the same check.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { checkConfigUpdate, createRegistryCodec, eventToJson, normalizeConfigUpdate, signConfigUpdate, subjectFor } from '@slb/core';
import { testKafka, uniqueName } from '../support/kafka.js';
import { registerSchema } from './registry-rest.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PROXY_MAIN = fileURLToPath(new URL('../../services/proxy/src/main.ts', import.meta.url));
const TOKEN = 'a-test-admin-token-0123456789';

const base = {
  serviceId: 'shop',
  version: 1,
  routes: [{ pathPrefix: '/shop' }],
  instances: [{ id: 'a', address: '127.0.0.1:9001' }],
};

describe('the proxy refuses misspelt fields where a config enters it', () => {
  const children: ChildProcess[] = [];
  afterAll(() => children.forEach((c) => c.exitCode === null && c.kill('SIGKILL')));

  it('SLB_CONFIG_FILE: the misspelt service is rejected with a hint, the others apply; the admin API body too', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slb-proxy-strict-'));
    const file = join(dir, 'services.yaml');
    await writeFile(
      file,
      [
        'services:',
        '  - serviceId: shop',
        '    version: 1',
        '    routes: [{ pathPrefix: /shop }]',
        '    instances: [{ id: a, address: "127.0.0.1:9001" }]',
        '  - serviceId: typo',
        '    version: 1',
        '    routes: [{ pathPrefix: /typo }]',
        '    instances: [{ id: t, address: "127.0.0.1:9002", wieght: 3 }]',
      ].join('\n'),
    );
    const child = spawn(process.execPath, ['--import', 'tsx', PROXY_MAIN], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', SLB_PROXY_HOST: '127.0.0.1', SLB_PROXY_PORT: '0', SLB_ADMIN_PORT: '0', SLB_CONFIG_FILE: file, SLB_PROXY_ID: 'strict-1', SLB_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const adminPort = await vi.waitFor(
      () => {
        const m = /"adminPort":(\d+).*"msg":"proxy listening"/.exec(out);
        if (m === null) throw new Error(`not listening yet: ${out}`);
        return Number(m[1]);
      },
      { timeout: 30_000, interval: 100 },
    );
    const rejected = out.split('\n').filter((l) => l.includes('"msg":"config rejected"')).map((l) => JSON.parse(l) as { serviceId: string; code: string; issues: unknown });
    expect(rejected).toEqual([
      expect.objectContaining({ serviceId: 'typo', code: 'SLB_SERVICE_CONFIG_INVALID', issues: [{ path: 'instances[0].wieght', message: "unknown field of InstanceConfig; did you mean 'weight'?" }] }),
    ]);
    const admin = `http://127.0.0.1:${adminPort}`;
    const applied = (await (await fetch(`${admin}/admin/config`)).json()) as Array<{ serviceId: string }>;
    expect(applied.map((c) => c.serviceId)).toEqual(['shop']);

    const post = await fetch(`${admin}/admin/config`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ ...base, version: 2, helthCheck: { type: 'HTTP' } }),
    });
    expect(post.status).toBe(422);
    expect(await post.json()).toMatchObject({ applied: false, code: 'SLB_SERVICE_CONFIG_INVALID', issues: [{ path: 'helthCheck', message: "unknown field of ConfigUpdate; did you mean 'healthCheck'?" }] });
    const fixed = await fetch(`${admin}/admin/config`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ ...base, version: 2, healthCheck: { type: 'HTTP' } }),
    });
    expect(fixed.status, await fixed.clone().text()).toBe(200);
  });
});

describe('strictness does not touch messages from other producers', () => {
  const { registryUrl } = testKafka();
  const schema = JSON.parse(readFileSync(fileURLToPath(new URL('../../proto/ConfigUpdate.avsc', import.meta.url)), 'utf8')) as { fields: object[] };
  const released = JSON.parse(readFileSync(fileURLToPath(new URL('../../proto/released/ConfigUpdate.avsc', import.meta.url)), 'utf8')) as { fields: object[] };
  const full = normalizeConfigUpdate({ ...base, version: 7, previousVersion: 6, issuedAtMs: 1_700_000_000_000, issuedBy: 'writer', policy: { type: 'ROUND_ROBIN' } }).value;

  /** Confluent wire format written by a producer that registered `writerSchema` (not this codebase's). */
  async function foreignBytes(prefix: string, writerSchema: object, value: object): Promise<Buffer> {
    const id = await registerSchema(registryUrl, subjectFor('config-updates', prefix), writerSchema);
    const header = Buffer.alloc(5);
    header.writeUInt32BE(id, 1);
    return Buffer.concat([header, avro.Type.forSchema(writerSchema as avro.Schema).toBuffer(value)]);
  }

  it.each([
    ['a newer producer (an added field with a default)', { ...schema, fields: [...schema.fields, { name: 'owner', type: ['null', 'string'], default: null }] }, { ...full, owner: 'team-a' }],
    ['an older producer (the released schema)', released, full],
  ])('Avro from %s decodes and passes the check', async (_what, writer, value) => {
    const prefix = `${uniqueName('strict-avro')}.`;
    const codec = createRegistryCodec({ registryUrl, subjectPrefix: prefix });
    const decoded = await codec.decode('config-updates', await foreignBytes(prefix, writer, value));
    const checked = checkConfigUpdate(decoded);
    expect(checked.ok ? checked.value : checked.issues).toEqual(full);
  });

  it('JSON on config-updates with every bookkeeping field (a signed update) passes, and a signature still verifies', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const signed = signConfigUpdate({ ...full, deleted: false }, privateKey);
    const json = JSON.stringify(eventToJson('config-updates', signed));
    for (const field of ['version', 'previousVersion', 'issuedAtMs', 'issuedBy', 'deleted', 'signature']) expect(json).toContain(`"${field}"`);
    const codec = createRegistryCodec({ registryUrl, subjectPrefix: `${uniqueName('strict-json')}.` });
    const decoded = await codec.decode('config-updates', Buffer.from(json));
    const checked = checkConfigUpdate(decoded, { publicKey });
    expect(checked.ok, checked.ok ? '' : checked.error.message).toBe(true);
    // The same text as a file a person wrote (plain JSON, not decoded) passes too.
    expect(checkConfigUpdate(JSON.parse(json), { publicKey }).ok).toBe(true);
  });
});
