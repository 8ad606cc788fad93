/**
 * The console's HTTP surface on a real server: the JSON snapshot, the SSE stream (snapshot first,
 * then deltas as events arrive on the bus), the security headers, and a clean shutdown while
 * streams are open.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startConsoleApp, sseReader, type ConsoleApp } from './console-app.js';
import { alert, configUpdate, decision, metrics, score } from './console-events.js';

let current: ConsoleApp | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

describe('console HTTP surface', () => {
  it('serves the page, its assets and the JSON state', async () => {
    current = await startConsoleApp();
    const { bus, url } = current;
    await bus.publish('config-updates', 'checkout', configUpdate('checkout', 3, ['checkout-1']));
    bus.publishTelemetry('health-scores', 'checkout', score('checkout', 'checkout-1', 10_000, 0.97));

    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('console/app.js');
    for (const [path, type] of [['console/app.js', /^text\/javascript/], ['console/app.css', /^text\/css/]] as const) {
      const res = await fetch(new URL(path, url));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(type);
    }

    // The subscription delivers asynchronously; the state converges on the score.
    await expect.poll(async () => {
      const state = (await (await fetch(new URL('console/api/state', url))).json()) as { services: Array<{ instances: Array<{ score: number | null }> }> };
      return state.services[0]?.instances[0]?.score;
    }).toBe(0.97);
  });

  it('streams a snapshot, then deltas, and closes open streams on shutdown', async () => {
    current = await startConsoleApp();
    const { bus, url } = current;
    await bus.publish('routing-decisions', 'checkout', decision('checkout', 1, [['checkout-1', 'ACTIVE', 1], ['checkout-2', 'ACTIVE', 1]]));

    const res = await fetch(new URL('console/events', url));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const stream = sseReader(res.body!);
    const first = await stream.next();
    expect(first).toMatchObject({ event: 'snapshot', data: { decisions: [{ version: 1 }], services: [{ serviceId: 'checkout' }] } });

    bus.publishTelemetry('metrics-aggregated', 'checkout', metrics('checkout', 'checkout-2', 20_000, 120, 0.6));
    bus.publishTelemetry('health-scores', 'checkout', score('checkout', 'checkout-2', 20_000, 0.1));
    await bus.publish('routing-decisions', 'checkout', decision('checkout', 2, [['checkout-1', 'ACTIVE', 1], ['checkout-2', 'EJECTED', 0]]));
    await bus.publish('alerts', 'checkout', alert('checkout', 'checkout-2', 'FIRING', 'a-1', 20_000));

    // Deltas are coalesced; read until the last change has arrived.
    const seen = { ejected: false, alert: false, score: false };
    while (!(seen.ejected && seen.alert && seen.score)) {
      const { event, data } = (await stream.next()) as { event: string; data: { services: Array<{ instances: Array<{ instanceId: string; state: string; score: number | null }> }>; alerts?: Array<{ state: string }> } };
      expect(event).toBe('delta');
      const c2 = data.services[0]?.instances.find((i) => i.instanceId === 'checkout-2');
      if (c2?.state === 'EJECTED') seen.ejected = true;
      if (c2?.score === 0.1) seen.score = true;
      if (data.alerts?.[0]?.state === 'FIRING') seen.alert = true;
    }

    // app.close() must not hang on the open stream: the plugin ends it first.
    await current.close();
    current = undefined;
    await expect(stream.next()).rejects.toThrow();
  });

  it('answers 503 SLB_CONSOLE_BUSY beyond maxClients', async () => {
    current = await startConsoleApp({ maxClients: 1 });
    const first = await fetch(new URL('console/events', current.url));
    expect(first.status).toBe(200);
    const second = await fetch(new URL('console/events', current.url));
    expect(second.status).toBe(503);
    expect(await second.json()).toMatchObject({ code: 'SLB_CONSOLE_BUSY' });
    await first.body?.cancel();
  });
});
