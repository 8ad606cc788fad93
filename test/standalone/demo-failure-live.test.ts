/**
 * The demo as a person sees it: `npm start`'s standalone assembly (every role on the in-process
 * bus, real demo upstreams, real proxy traffic), the console in Debian's Chromium, and a failure
 * injected into one demo instance through its knobs. Nothing is published by the test: the
 * scores, the ejection and the alert come from the product itself.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStandalone, type Standalone, type StandaloneUrls } from '@slb/standalone';
import { launchChromium } from '../console/browser.js';

const WAIT = { timeout: 45_000 };
const artifacts = fileURLToPath(new URL('../.artifacts/', import.meta.url));
const row = (service: string, instance: string): string => `[data-service="${service}"] tr[data-instance="${instance}"]`;

describe('standalone demo: a failure injected into a demo instance shows up live in the console', () => {
  let standalone: Standalone;
  let urls: StandaloneUrls;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    standalone = createStandalone({
      services: undefined,
      configFile: undefined,
      host: '127.0.0.1',
      port: 0,
      adminPort: 0,
      consolePort: 0,
      demoTrafficRps: 40,
      alertmanagerUrl: undefined,
      adminToken: undefined,
      logLevel: 'silent',
      windowMs: 1_000,
    });
    urls = await standalone.start();
    browser = await launchChromium();
    page = await browser.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await standalone?.stop();
  });

  it('renders the demo fleet, then shows the failing instance ejected and the alert firing', async () => {
    await page.goto(`${urls.console}/`);
    await page.waitForSelector('#connection[data-state="live"]', WAIT);
    await page.waitForSelector(`${row('catalog', 'catalog-2')}[data-state="ACTIVE"]`, WAIT);
    expect(await page.locator('[data-alert="INSTANCE_EJECTED"][data-alert-state="FIRING"]').count()).toBe(0);
    const pageUrlBefore = page.url();

    // Inject the failure the way the README tells a person to: the instance's knobs endpoint.
    const knobs = urls.demoInstances.get('catalog-2');
    expect(knobs).toBeDefined();
    const res = await fetch(`${knobs}?errorRate=1`, { method: 'POST' });
    expect(res.status).toBe(200);

    await page.waitForSelector(`${row('catalog', 'catalog-2')}[data-state="EJECTED"]`, WAIT);
    await page.locator('[data-alert="INSTANCE_EJECTED"][data-alert-state="FIRING"][data-instance="catalog-2"]').waitFor(WAIT);
    expect(await page.locator(`${row('catalog', 'catalog-1')}`).getAttribute('data-state')).not.toBe('EJECTED');
    expect(page.url()).toBe(pageUrlBefore);

    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: `${artifacts}standalone-demo-failure.png`, fullPage: true });
  });
});
