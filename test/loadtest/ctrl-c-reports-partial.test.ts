/**
 * Ctrl-C (SIGINT) stops the phase under way, skips the rest, still prints the report of what
 * ran (marked interrupted) and exits 130.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnLoadtest, startCountingServer, type CountingServer, type JsonReport } from './support.js';

describe('SIGINT during a run', () => {
  let server: CountingServer;
  beforeAll(async () => {
    server = await startCountingServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('prints the partial report and exits 130', async () => {
    // 12 planned phases over 60 s; the signal goes as soon as the first request arrives.
    const r = await spawnLoadtest(['--url', `${server.url}/i`, '--rate', '20', '--duration', '60', '--burst', '40:1@10', '--json'], (child) => {
      void server.firstRequest.then(() => child.kill('SIGINT'));
    });
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain('loadtest: interrupted, finishing the report');
    const report = JSON.parse(r.stdout) as JsonReport;
    expect(report.interrupted).toBe(true);
    expect(report.phases.map((p) => p.name)).toEqual(['base 1']);
    expect(report.total.plannedSeconds).toBe(9);
    expect(report.total.ok2xx + report.total.non2xx).toBe(report.total.responses);
    expect(r.stderr).toMatch(/^loadtest interrupted: /m);
  });
});
