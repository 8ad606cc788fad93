/**
 * The small programs the compose stack runs from deployment/docker/: the HTTP healthcheck
 * (node:20-slim has no curl), the demo upstream with live failure knobs, and the webhook sink
 * that stands in for on-call.
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startDemoUpstream, startScript, type Started } from './processes.js';
import { repoRoot } from './tools.js';

/** Runs the healthcheck asynchronously: the servers it probes live in this test process. */
function healthcheck(url: string, timeoutMs = 2000): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['deployment/docker/healthcheck.mjs', url, String(timeoutMs)], { cwd: repoRoot }, (error, _stdout, stderr) => {
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stderr });
    });
  });
}

async function request(url: string, method = 'GET', body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

describe('healthcheck.mjs', () => {
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/ok') return res.end('ok');
      if (req.url === '/hang') return; // never answers
      res.statusCode = 503;
      res.end('down');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('exits 0 on a 2xx answer', async () => {
    const result = await healthcheck(`${base}/ok`);
    expect(result.status, result.stderr).toBe(0);
  });

  it('exits 1 and says why on a 5xx answer', async () => {
    const result = await healthcheck(`${base}/down`);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('answered 503');
  });

  it('exits 1 when nothing listens', async () => {
    const result = await healthcheck(`http://127.0.0.1:${await freePort()}/healthz`);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('ECONNREFUSED');
  });

  it('exits 1 when the answer does not come in time', async () => {
    const result = await healthcheck(`${base}/hang`, 200);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('did not answer within 200 ms');
  });
});

describe('demo upstream process (compose demo containers)', () => {
  let demo: Started & { port: number };
  let base: string;
  beforeAll(async () => {
    demo = await startDemoUpstream({ DEMO_INSTANCE: 'demo-7' });
    base = `http://127.0.0.1:${demo.port}`;
  });
  afterAll(() => demo?.stop());

  it('answers with its instance name and passes its own healthcheck', async () => {
    const res = await request(`${base}/orders/1`);
    expect(res).toEqual({ status: 200, json: { instance: 'demo-7', method: 'GET', path: '/orders/1' } });
    expect((await healthcheck(`${base}/healthz`)).status).toBe(0);
  });

  it('fails every request once its error rate is set to 1, and recovers at 0', async () => {
    expect((await request(`${base}/_demo/knobs?errorRate=1`, 'POST')).status).toBe(200);
    const failed = await Promise.all([1, 2, 3].map(() => request(`${base}/x`)));
    expect(failed.map((r) => r.status)).toEqual([503, 503, 503]);
    await request(`${base}/_demo/knobs?errorRate=0`, 'POST');
    expect((await request(`${base}/x`)).status).toBe(200);
  });

  it('rejects a knob out of range and keeps the old value', async () => {
    const res = await request(`${base}/_demo/knobs?errorRate=2&latencyMs=5`, 'POST');
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: 'SLB_DEMO_KNOB_INVALID' });
    expect(res.json.message).toContain('errorRate');
    expect((await request(`${base}/_demo/knobs`)).json.knobs).toEqual({ latencyMs: 0, errorRate: 0 });
  });
});

describe('webhook-sink.mjs', () => {
  let sink: Started & { port: number };
  beforeAll(async () => {
    sink = await startScript('webhook-sink.mjs');
  });
  afterAll(() => sink?.stop());

  it('logs each notification and serves the ones it received', async () => {
    const base = `http://127.0.0.1:${sink.port}`;
    expect((await request(`${base}/critical`, 'POST', { status: 'firing', alerts: [{ labels: { alertname: 'X' } }] })).status).toBe(200);
    const logged = await sink.waitForLine((l) => l.includes('"notification"'), 'notification log line');
    expect(JSON.parse(logged)).toMatchObject({ path: '/critical', body: { status: 'firing' } });
    const res = await fetch(`${base}/notifications`);
    expect(await res.json()).toEqual([expect.objectContaining({ path: '/critical', body: { status: 'firing', alerts: [{ labels: { alertname: 'X' } }] } })]);
  });

  it('refuses a body that is not JSON', async () => {
    const res = await fetch(`http://127.0.0.1:${sink.port}/warning`, { method: 'POST', body: 'not json' });
    expect(res.status).toBe(400);
  });
});
