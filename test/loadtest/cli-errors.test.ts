/**
 * The executable's failures: bad arguments exit 2 with exactly one line on stderr and nothing
 * on stdout; an unreachable target, or one that answers nothing, exits 1 with one line naming
 * it; --help exits 0.
 */
import { describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawnLoadtest, type CliResult } from './support.js';
import { expectOneLineError } from '../support/cli.js';

const oneLineError = (r: CliResult, code: number, text: string | RegExp): void => expectOneLineError(r, 'loadtest', code, text);

describe('loadtest executable errors', () => {
  it.each([
    ['a malformed rate', ['--rate', 'fast'], /--rate must be a whole number, got 'fast'/],
    ['an unknown option', ['--rate', '5', '--bogus'], /Unknown option '--bogus'/],
    ['a bad burst', ['--rate', '5', '--burst', '100:10@10'], /--burst period \(10 s\) must be longer than the spike \(10 s\)/],
    ['no rate at all', ['--duration', '5'], /give --rate N or --scenario NAME/],
    ['an unknown scenario', ['--scenario', 'chaos'], /--scenario must be one of normal, peak, burst/],
  ])('%s exits 2 with one line', async (_name, args, text) => {
    oneLineError(await spawnLoadtest(args), 2, text);
  });

  it('an unreachable target exits 1 with one line naming it', async () => {
    // Port 1 on loopback: nothing listens there, so the connect is refused at once.
    oneLineError(await spawnLoadtest(['--url', 'http://127.0.0.1:1/', '--rate', '5', '--duration', '1']), 1, /cannot reach http:\/\/127\.0\.0\.1:1: ECONNREFUSED/);
  });

  it('a target that closes every connection unanswered exits 1 after the report', async () => {
    const server = createServer((req) => req.socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      const r = await spawnLoadtest(['--url', url, '--rate', '10', '--duration', '1', '--json']);
      expect(r.code, r.stderr).toBe(1);
      const report = JSON.parse(r.stdout) as { total: { sent: number; responses: number; unanswered: number } };
      expect(report.total.responses).toBe(0);
      expect(report.total.sent).toBeGreaterThan(0);
      expect(report.total.unanswered).toBe(report.total.sent);
      expect(r.stderr.trim().split('\n').at(-1)).toBe(`loadtest: ${url} answered none of ${report.total.sent} requests (0 errors, 0 timeouts)`);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('--help prints the usage and exits 0', async () => {
    const r = await spawnLoadtest(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: npm run loadtest -- \[options\]/);
    expect(r.stdout).toContain('--burst R:S@E');
  });
});
