/**
 * The generator against a real node:http server on port 0: at a modest paced rate for 2 s, its
 * counts add up, the server saw the requests it reports, the pacing holds the rate down, and
 * non-2xx answers are counted as such, with their status codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnLoadtest, startCountingServer, type CountingServer, type JsonReport } from './support.js';

const RATE = 40;
const SECONDS = 2;

describe('load generator against a real server', () => {
  let server: CountingServer;
  beforeAll(async () => {
    server = await startCountingServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('reports what the server received, with counts that add up', async () => {
    const r = await spawnLoadtest(['--url', `${server.url}/ok`, '--rate', String(RATE), '--duration', String(SECONDS), '--connections', '4', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as JsonReport;
    const t = report.total;

    expect(t.requestedRate).toBe(RATE);
    expect(t.plannedSeconds).toBe(SECONDS);
    expect(t.responses).toBeGreaterThan(0);
    expect(t.ok2xx + t.non2xx).toBe(t.responses);
    expect(t.non2xx).toBe(0);
    expect(t.errors).toBe(0);
    expect(t.statusCodes).toEqual({ '200': t.responses });
    // Every response answers a request we sent; a request still in flight when the phase ended
    // is sent but unanswered (at most one per connection).
    expect(t.sent).toBeGreaterThanOrEqual(t.responses);
    expect(t.sent - t.responses).toBeLessThanOrEqual(4);
    // The server saw every request that was answered, and none we did not send.
    const seen = server.received.get('/ok') ?? 0;
    expect(seen).toBeGreaterThanOrEqual(t.responses);
    expect(seen).toBeLessThanOrEqual(t.sent);
    expect(t.unanswered).toBe(t.sent - t.responses);
    // Paced, not flat out: never more requests than the rate allows over the duration.
    expect(t.sent).toBeLessThanOrEqual(RATE * SECONDS);
    expect(t.latencyMs.p50).toBeGreaterThan(0);
    expect(t.latencyMs.p50).toBeLessThanOrEqual(t.latencyMs.p90);
    expect(t.latencyMs.p90).toBeLessThanOrEqual(t.latencyMs.p99);
    expect(t.latencyMs.p99).toBeLessThanOrEqual(t.latencyMs.max);
    expect(r.stderr).toMatch(/^loadtest done: .* responses in .* requested; 2xx /m);
  });

  it('counts non-2xx answers and prints them in the text report', async () => {
    const r = await spawnLoadtest(['--url', `${server.url}/fail`, '--rate', '20', '--duration', '1', '--connections', '2']);
    expect(r.code, r.stderr).toBe(0);
    const seen = server.received.get('/fail') ?? 0;
    expect(seen).toBeGreaterThan(0);
    expect(r.stdout).toMatch(/^phase\s+rate\/s\s+achieved\/s/m);
    expect(r.stdout).toMatch(/^steady\s+20\s/m);
    expect(r.stdout).toMatch(/^non-2xx status codes: 503 x\d+$/m);
    const final = r.stdout.trim().split('\n').at(-1) ?? '';
    expect(final).toMatch(/^loadtest done with failures: \d+ responses .*; 2xx 0, non-2xx \d+, errors 0 \(timeouts 0\), unanswered \d+; latency p50 /);
  });
});
