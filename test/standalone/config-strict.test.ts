/**
 * Issue 13, "config files are strict", for `npm start -- --config`: the real standalone entry
 * point (through tsx, on the sources) refuses a services file with a misspelt field at any depth,
 * with each problem's path and the field meant, and exits 2 before anything starts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { spawnTsx } from '../support/cli.js';

const MAIN = fileURLToPath(new URL('../../services/standalone/src/main.ts', import.meta.url));
const env = { LOG_LEVEL: 'silent', KAFKA_BROKERS: '', SCHEMA_REGISTRY_URL: '' };

function servicesFile(lines: string[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'slb-standalone-strict-')), 'services.yaml');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** Runs the entry point; one that accepted the file and started is stopped after 20 s (and the test fails on its exit code). */
const start = (file: string) =>
  spawnTsx(MAIN, ['--config', file, '--port', '0', '--admin-port', '0', '--console-port', '0'], {
    env,
    onSpawn: (child) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.once('exit', () => clearTimeout(timer));
    },
  });

describe('npm start --config: strict services file', () => {
  it('refuses misspelt fields at every level with their path and a hint, exit 2, nothing started', async () => {
    const file = servicesFile([
      'services:',
      '  - serviceId: shop',
      '    routes: [{ pathPrefix: /shop }]',
      '    instances:',
      '      - { id: a, address: "127.0.0.1:9001", wieght: 2 }',
      '    helthCheck: { type: HTTP, path: /health }',
      '  - serviceId: cart',
      '    routes: [{ pathPrefix: /cart }]',
      '    instances: [{ id: c, address: "127.0.0.1:9002" }]',
      '    polcy: { type: ROUND_ROBIN }',
      '    retries: { maxRetry: 3 }',
    ]);
    const r = await start(file);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`slb: ${file} has 4 problems:`);
    // One problem a line; the error code ends the last one.
    const lines = r.stderr.split('\n').map((l) => l.trim().replace(/ \[SLB_CONFIG_INVALID\]$/, ''));
    expect(lines).toEqual(
      expect.arrayContaining([
        "services[0].instances[0].wieght: unknown field of InstanceConfig; did you mean 'weight'?",
        "services[0].helthCheck: unknown field of ConfigUpdate; did you mean 'healthCheck'?",
        "services[1].polcy: unknown field of ConfigUpdate; did you mean 'policy'?",
        "services[1].retries.maxRetry: unknown field of RetryConfig; did you mean 'maxRetries'?",
      ]),
    );
    expect(r.stderr).toContain('[SLB_CONFIG_INVALID]');
  });

  it('refuses an unknown key beside `services:` in the file itself', async () => {
    const file = servicesFile([
      'services:',
      '  - serviceId: shop',
      '    routes: [{ pathPrefix: /shop }]',
      '    instances: [{ id: a, address: "127.0.0.1:9001" }]',
      'service:',
      '  - serviceId: cart',
    ]);
    const r = await start(file);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("service: unknown field of a services file; did you mean 'services'?");
    expect(r.stderr).toContain('[SLB_CONFIG_INVALID]');
  });

  it('refuses a value push would refuse (the Avro contract), not only the shape and meaning', async () => {
    const file = servicesFile([
      '- serviceId: shop',
      '  routes: [{ pathPrefix: /shop }]',
      '  instances: [{ id: a, address: "127.0.0.1:9001" }]',
      '  outlierDetection: { intervalMs: 3000000000 }',
    ]);
    const r = await start(file);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('services[0].outlierDetection.intervalMs: expected a 32-bit integer, got 3000000000');
  });
});
