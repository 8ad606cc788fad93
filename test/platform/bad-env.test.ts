/**
 * Every role's process, given a bad environment, says what is wrong in one line and exits 1:
 * no stack trace, no half-started process.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const main = (role: string): string => fileURLToPath(new URL(`../../services/${role}/dist/main.js`, import.meta.url));

describe('a role started with a bad environment', () => {
  it.each([
    ['proxy', { SLB_PROXY_PORT: 'abc' }, /SLB_PROXY_PORT/],
    ['health-scorer', { SLB_WINDOW_MS: '-1' }, /SLB_WINDOW_MS/],
    ['controller', { SLB_CONSOLE_PORT: '99999' }, /SLB_CONSOLE_PORT/],
    ['alert-router', { SLB_METRICS_PORT: 'x' }, /SLB_METRICS_PORT/],
  ])('%s prints one line naming the problem and exits 1', (role, bad, message) => {
    const env = { ...process.env, KAFKA_BROKERS: '127.0.0.1:1', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:1', LOG_LEVEL: 'silent', ...bad };
    const result = spawnSync(process.execPath, [main(role)], { env, encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines, result.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});
