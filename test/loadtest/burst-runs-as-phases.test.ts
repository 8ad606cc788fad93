/**
 * --burst turns the run into alternating base and spike phases, each paced at its own rate
 * against the real server, with a row per phase and a total that is their sum.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnLoadtest, startCountingServer, type CountingServer, type JsonReport } from './support.js';

describe('--burst', () => {
  let server: CountingServer;
  beforeAll(async () => {
    server = await startCountingServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('runs base and spike phases and sums them', async () => {
    const r = await spawnLoadtest(['--url', `${server.url}/b`, '--rate', '10', '--duration', '3', '--burst', '40:1@2', '--connections', '2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as JsonReport;

    expect(report.phases.map((p) => [p.name, p.kind, p.requestedRate, p.plannedSeconds])).toEqual([
      ['base 1', 'base', 10, 1],
      ['spike 1', 'spike', 40, 1],
      ['base 2', 'base', 10, 1],
    ]);
    for (const p of report.phases) {
      expect(p.responses, p.name).toBeGreaterThan(0);
      expect(p.ok2xx + p.non2xx, p.name).toBe(p.responses);
      // Each phase is paced at its own rate: never more requests than its rate over its time.
      expect(p.sent, p.name).toBeLessThanOrEqual(p.requestedRate * p.plannedSeconds);
    }
    const sum = (key: 'responses' | 'sent' | 'ok2xx' | 'errors') => report.phases.reduce((n, p) => n + p[key], 0);
    expect(report.total.responses).toBe(sum('responses'));
    expect(report.total.sent).toBe(sum('sent'));
    expect(report.total.ok2xx).toBe(sum('ok2xx'));
    expect(report.total.errors).toBe(0);
    expect(report.total.requestedRate).toBe(20); // (10 + 40 + 10) / 3 s
    expect(server.total()).toBeGreaterThanOrEqual(report.total.responses);
    expect(server.total()).toBeLessThanOrEqual(report.total.sent);
    expect(r.stderr).toMatch(/^ {2}spike 1: 40\/s for 1 s -> \d+ responses, 0 errors$/m);
  });
});
