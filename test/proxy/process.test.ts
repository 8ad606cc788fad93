/**
 * The proxy as a process (services/proxy/dist/main.js, built by `npm test`'s pretest): env
 * config with a YAML services file, and SIGTERM draining: a request in flight still gets its
 * answer, then the process exits 0.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { get, startUpstream } from './support.js';

const MAIN = fileURLToPath(new URL('../../services/proxy/dist/main.js', import.meta.url));

describe('proxy process', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  it('starts from env and a YAML file, and drains on SIGTERM', async () => {
    const up = await startUpstream('a');
    cleanup.push(() => up.close());
    const dir = await mkdtemp(join(tmpdir(), 'slb-proc-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'services.yaml');
    await writeFile(file, `services:\n  - serviceId: shop\n    version: 1\n    routes: [{ pathPrefix: /shop }]\n    instances:\n      - { id: a, address: "${up.address}" }\n    policy: { type: ROUND_ROBIN }\n`);
    const child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH, SLB_PROXY_HOST: '127.0.0.1', SLB_PROXY_PORT: '0', SLB_ADMIN_PORT: '0', SLB_CONFIG_FILE: file, SLB_PROXY_ID: 'proc-1', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanup.push(async () => void child.kill('SIGKILL'));
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const port = await vi.waitFor(
      () => {
        const m = /"port":(\d+).*"msg":"proxy listening"/.exec(out);
        if (m === null) throw new Error(`not listening yet: ${out}`);
        return Number(m[1]);
      },
      { timeout: 20_000, interval: 50 },
    );
    const waiting: Array<() => void> = [];
    up.handler = (_req, res) => waiting.push(() => res.end('late'));
    const inflight = get(`http://127.0.0.1:${port}/shop/x`);
    await vi.waitFor(() => expect(waiting.length).toBe(1));
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await vi.waitFor(() => expect(out).toContain('"msg":"draining"'));
    waiting[0]!();
    expect(await inflight).toMatchObject({ status: 200, body: 'late' });
    const [code] = (await exited) as [number];
    expect(code).toBe(0);
    expect(out).toMatch(/"drained":true,"abandoned":0/);
  });
});
