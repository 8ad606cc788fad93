/**
 * The console in a real browser: the page loads and renders the fleet, then a failure injected
 * into one instance (its scores fall, the controller ejects it, an INSTANCE_EJECTED alert fires)
 * shows up live, without a reload. Saves test/.artifacts/console.png.
 *
 * The events are published on the bus the way the health-scorer and controller publish them; the
 * end-to-end version with a real demo instance belongs with standalone mode (`npm start`).
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './browser.js';
import { startConsoleApp, type ConsoleApp } from './console-app.js';
import { alert, auditRecord, configStatus, configUpdate, decision, metrics, score, WINDOW_MS } from './console-events.js';

const ARTIFACTS = fileURLToPath(new URL('../.artifacts/', import.meta.url));
const WAIT = { timeout: 15_000 };

let app: ConsoleApp;
let browser: Browser;
let page: Page;
const t0 = Math.floor(Date.now() / WINDOW_MS) * WINDOW_MS - 15 * WINDOW_MS;
const windowEnd = (n: number): number => t0 + n * WINDOW_MS;

const fleet = { checkout: ['checkout-1', 'checkout-2', 'checkout-3'], catalog: ['catalog-1', 'catalog-2'] } as const;

/** n windows of healthy telemetry for every instance, with a little variation for the charts. */
function healthyWindows(from: number, to: number): void {
  for (let n = from; n <= to; n += 1) {
    for (const [serviceId, instances] of Object.entries(fleet)) {
      instances.forEach((instanceId, i) => {
        app.bus.publishTelemetry('metrics-aggregated', serviceId, metrics(serviceId, instanceId, windowEnd(n), 80 + 10 * i + 8 * Math.sin(n + i), 0.002, 18 + i * 3));
        app.bus.publishTelemetry('health-scores', serviceId, score(serviceId, instanceId, windowEnd(n), 0.95 + 0.03 * Math.cos(n + i)));
      });
    }
  }
}

beforeAll(async () => {
  app = await startConsoleApp({ groupId: 'console-browser-test' });
  const { bus } = app;
  for (const [serviceId, instances] of Object.entries(fleet)) {
    await bus.publish('config-updates', serviceId, configUpdate(serviceId, 4, instances));
    await bus.publish('routing-decisions', serviceId, decision(serviceId, 10, instances.map((id) => [id, 'ACTIVE', 1, 'score ≥ 0.9'] as const), Date.now()));
  }
  await bus.publish('config-updates', '_global', configUpdate('_global', 2, []));
  await bus.publish('config-status', 'proxy-a', configStatus('proxy-a', { checkout: 4, catalog: 4, _global: 2 }, { checkout: 10, catalog: 10 }, Date.now()));
  await bus.publish('config-status', 'proxy-b', configStatus('proxy-b', { checkout: 3, catalog: 4, _global: 2 }, { checkout: 10, catalog: 10 }, Date.now()));
  await bus.publish('audit-logs', 'checkout', { ...auditRecord('au-1', windowEnd(0)), entityId: 'checkout', reason: 'add checkout-3' });
  healthyWindows(1, 12);

  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

const row = (serviceId: string, instanceId: string) => `[data-service="${serviceId}"] tr[data-instance="${instanceId}"]`;

describe('console in Chromium', () => {
  it('loads and renders services, instances, charts and convergence', async () => {
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(app.url);
    await page.waitForSelector('#connection[data-state="live"]', WAIT);
    await page.waitForSelector(`${row('checkout', 'checkout-3')}[data-state="ACTIVE"]`, WAIT);
    expect(await page.locator('[data-service]').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-service')))).toEqual(['catalog', 'checkout']);
    expect(await page.locator('[data-service="checkout"] tr[data-instance]').count()).toBe(3);
    await expect.poll(() => page.locator(`${row('checkout', 'checkout-2')} td.score`).textContent(), WAIT).toMatch(/^0\.9\d$/);
    // One line per instance in each of the service's two charts.
    await expect.poll(() => page.locator('[data-service="checkout"] svg.chart polyline').count(), WAIT).toBe(6);
    expect(await page.locator('[data-proxy="proxy-a"]').getAttribute('data-converged')).toBe('true');
    expect(await page.locator('[data-proxy="proxy-b"]').getAttribute('data-converged')).toBe('false');
    expect(await page.locator('[data-audit="config.apply"]').count()).toBe(1);
    expect(pageErrors).toEqual([]);
  });

  it('shows a failure injected into one instance live: scores fall, it is ejected, an alert fires', async () => {
    // A marker on window survives only if the page is not reloaded.
    await page.evaluate(() => Object.assign(window, { notReloaded: true }));
    expect(await page.locator('[data-alert]').count()).toBe(0);

    const { bus } = app;
    const falling = [0.62, 0.34, 0.12];
    falling.forEach((value, k) => {
      const n = 13 + k;
      healthyWindows(n, n);
      bus.publishTelemetry('metrics-aggregated', 'checkout', metrics('checkout', 'checkout-2', windowEnd(n), 60 - 15 * k, 0.2 + 0.2 * k, 300 + 200 * k));
      bus.publishTelemetry('health-scores', 'checkout', score('checkout', 'checkout-2', windowEnd(n), value));
    });
    const ejection = decision('checkout', 11, [
      ['checkout-1', 'ACTIVE', 1.5, 'score 0.97'],
      ['checkout-2', 'EJECTED', 0, 'score 0.12 < 0.5 for 3 windows'],
      ['checkout-3', 'ACTIVE', 1.5, 'score 0.96'],
    ], Date.now());
    const evidence = {
      scores: falling.map((v, k) => ({ instanceId: 'checkout-2', score: v, windowEndMs: windowEnd(13 + k) })),
      windows: falling.map((_v, k) => ({ startMs: windowEnd(12 + k), endMs: windowEnd(13 + k) })),
      sources: [{ topic: 'health-scores', partition: 1, offset: 4_812 }],
      notes: ['error rate 0.60 over 10 s from 3 proxies', 'p95 700 ms > SLO 300 ms'],
    };
    await bus.publish('routing-decisions', 'checkout', { ...ejection, evidence });
    // The summary carries markup on purpose: the page must show it as text.
    await bus.publish('alerts', 'checkout', {
      ...alert('checkout', 'checkout-2', 'FIRING', 'al-1', Date.now()),
      summary: 'checkout-2 ejected: health score 0.12 <img src=x id=injected>',
      description: 'Health score below 0.5 for 3 windows: error rate 0.60, p95 700 ms.',
      evidence,
    });
    await bus.publish('audit-logs', 'checkout-2', { ...auditRecord('au-2', Date.now(), 'instance.eject'), actor: 'controller-1', role: 'controller', entityType: 'instance', entityId: 'checkout/checkout-2', reason: 'score 0.12 < 0.5' });

    await page.waitForSelector(`${row('checkout', 'checkout-2')}[data-state="EJECTED"]`, WAIT);
    const firing = page.locator('[data-alert="INSTANCE_EJECTED"][data-alert-state="FIRING"][data-instance="checkout-2"]');
    await firing.waitFor(WAIT);
    expect(await firing.locator('summary').textContent()).toContain('<img src=x id=injected>');
    expect(await page.locator('#injected').count()).toBe(0);
    expect(await page.locator(`${row('checkout', 'checkout-2')} td.weight`).textContent()).toBe('0.00');
    // The row quotes the score its ejection cites; an ejected instance has no traffic to show.
    await expect.poll(() => page.locator(`${row('checkout', 'checkout-2')} td.score`).textContent(), WAIT).toBe('0.12 at ejection');
    expect(await page.locator(`${row('checkout', 'checkout-2')} td.errors`).textContent()).toBe('—');
    expect(await page.locator(`${row('checkout', 'checkout-2')} td.p95`).textContent()).toBe('—');
    expect(await page.locator(`${row('checkout', 'checkout-1')}`).getAttribute('data-state')).toBe('ACTIVE');
    // The live deltas extend the charts: windows 1..15, each window once.
    const scoreLine = page.locator('[data-service="checkout"] svg.chart').first().locator('polyline[data-series="checkout-2"]');
    await expect.poll(async () => (await scoreLine.getAttribute('points'))?.split(' ').length, WAIT).toBe(15);
    await page.locator('[data-audit="instance.eject"]').waitFor(WAIT);

    // The decision and its evidence, expanded.
    const latest = page.locator('[data-decision="checkout@11"]');
    await latest.waitFor(WAIT);
    expect(await latest.locator('summary').textContent()).toContain('checkout-2: ACTIVE 1.00 → EJECTED 0.00');
    await latest.locator('summary').click();
    await expect.poll(() => latest.locator('.evidence').isVisible(), WAIT).toBe(true);
    expect(await latest.locator('.evidence').textContent()).toContain('error rate 0.60 over 10 s from 3 proxies');
    await firing.locator('summary').click();

    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}console.png`, fullPage: true });
  });

  it('an expanded decision stays expanded when the list re-renders with a new decision', async () => {
    expect(await page.locator('[data-decision="checkout@11"]').getAttribute('open')).not.toBeNull();
    await app.bus.publish('routing-decisions', 'catalog', decision('catalog', 11, fleet.catalog.map((id) => [id, 'ACTIVE', 1] as const), Date.now()));
    await page.locator('[data-decision="catalog@11"]').waitFor(WAIT);
    expect(await page.locator('[data-decision="catalog@11"]').getAttribute('open')).toBeNull();
    expect(await page.locator('[data-decision="checkout@11"]').getAttribute('open')).not.toBeNull();
  });
});
