/**
 * `npm start` as a process: the built standalone entry point comes up with no Kafka, prints the
 * console URL, serves the demo through the proxy, and stops on SIGTERM. A bad --config file
 * prints every problem with its field path and exits non-zero.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../../services/standalone/dist/main.js', import.meta.url));
const env = { ...process.env, LOG_LEVEL: 'silent', KAFKA_BROKERS: '', SCHEMA_REGISTRY_URL: '' };

/** Collects a child's output and resolves when all of `patterns` have matched it. */
function waitForOutput(child: ChildProcess, patterns: RegExp[], timeoutMs: number): Promise<RegExpMatchArray[]> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`output did not match ${patterns.join(', ')} within ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const matches = patterns.map((p) => p.exec(out));
      if (matches.every((m) => m !== null)) {
        clearTimeout(timer);
        resolve(matches as RegExpMatchArray[]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited with ${code}; output:\n${out}`)));
  });
}

describe('npm start (standalone, no Kafka)', () => {
  const children: ChildProcess[] = [];
  afterAll(() => children.forEach((c) => c.exitCode === null && c.kill('SIGKILL')));

  it('comes up, prints the console URL, routes demo traffic, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [main, '--port', '0', '--admin-port', '0', '--console-port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    const [consoleLine, proxyLine] = await waitForOutput(child, [/console\s+(http:\/\/\S+?)\/?\n/, /proxy\s+(http:\/\/\S+?)\/?\s/], 30_000);
    const consoleUrl = consoleLine![1]!;
    const proxyUrl = proxyLine![1]!;

    const page = await fetch(`${consoleUrl}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    const routed = await fetch(`${proxyUrl}/checkout/items`);
    expect(routed.status).toBe(200);
    expect(routed.headers.get('x-demo-instance')).toMatch(/^checkout-\d$/);

    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('rejects a bad --config file with every problem and its field path, exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slb-standalone-'));
    const file = join(dir, 'services.yaml');
    writeFileSync(
      file,
      [
        'services:',
        '  - serviceId: shop',
        '    routes: [{ pathPrefix: /shop }]',
        '    instances: []',
        '    policy: { type: CONSISTENT_HASH }',
        '  - serviceId: shop',
        '    instances: [{ id: a, address: "not-an-address", weight: -1 }]',
        '    policy: { type: NO_SUCH_POLICY }',
      ].join('\n'),
    );
    const result = spawnSync(process.execPath, [main, '--config', file, '--port', '0'], { env, encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/SLB_CONFIG_INVALID/);
    expect(result.stderr).toMatch(/services\[0\]\.instances/);
    expect(result.stderr).toMatch(/services\[1\]\.instances\[0\]\.address/);
    expect(result.stderr).toMatch(/services\[1\]\.policy\.type/);
    expect(result.stdout).toBe('');
  });

  it.each([
    [['--port', 'eighty'], /--port must be a port number/],
    [['--demo-traffic-rps=-5'], /--demo-traffic-rps must be a number/],
    [['--no-such-flag'], /Unknown option '--no-such-flag'/],
    [['--config', '/no/such/file.yaml'], /cannot be read/],
  ])('rejects bad arguments %j with one clear error, exit 2', (args, message) => {
    const result = spawnSync(process.execPath, [main, ...args], { env, encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});
