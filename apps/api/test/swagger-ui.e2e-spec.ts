import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { type Browser, chromium } from 'playwright-core';

import { startTestApp, type TestApp } from './support/test-app.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const outDir = resolve(dirname(fileURLToPath(import.meta.url)), '../test-output');
const TAGS = ['auth', 'catalog', 'cart', 'orders', 'payments', 'ops'];
/** The operation the test tries out, as Swagger UI labels it. */
const TRY_PATH = '/api/v1/products';
/**
 * Generous bounds for a cold Chromium on a busy CI machine; they only cap a
 * hang, no assertion depends on how fast anything is.
 */
const STEP_TIMEOUT_MS = 60_000;
const TEST_TIMEOUT_MS = 180_000;

if (!available) {
  process.stderr.write(
    `\n[swagger-ui] SKIPPED: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)\n`,
  );
}

(available ? describe : describe.skip)('Swagger UI in headless Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    t = await startTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, TEST_TIMEOUT_MS);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  }, TEST_TIMEOUT_MS);

  test(
    'lists every tag and "Try it out" on GET /products returns 200',
    async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      page.setDefaultTimeout(STEP_TIMEOUT_MS);
      await page.goto(`${base}/docs`, { waitUntil: 'load' });
      await page.waitForSelector('.opblock-tag-section');
      const tags = await page
        .locator('.opblock-tag')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-tag')));
      for (const tag of TAGS) expect(tags).toContain(tag);

      const op = page.locator(`.opblock-get:has([data-path="${TRY_PATH}"])`).first();
      await op.locator('.opblock-summary').first().click();
      await op.locator('button.try-out__btn').click();
      await op.locator('button.execute').click();
      const status = op.locator('.live-responses-table .response .response-col_status').first();
      await status.waitFor();
      expect((await status.innerText()).trim()).toBe('200');
      // The body is rendered after the status cell; wait for the product page in it.
      const body = op.locator('.live-responses-table .response-col_description pre').first();
      await body.waitFor();
      await expect(body.innerText()).resolves.toContain('"nextCursor"');

      // Bring the live response into the viewport so the screenshot shows it.
      await op.locator('.live-responses-table').first().scrollIntoViewIfNeeded();
      const shot = resolve(outDir, 'swagger-ui.png');
      mkdirSync(outDir, { recursive: true });
      await page.screenshot({ path: shot, fullPage: false });
      expect(existsSync(shot)).toBe(true);
    },
    TEST_TIMEOUT_MS,
  );
});
