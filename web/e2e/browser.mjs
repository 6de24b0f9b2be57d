// Debian's Chromium, headless, driven by playwright-core (no browser
// download: executablePath is the system's). Screenshots of each step go
// to web/test-results/ as test artifacts.
import { mkdir } from 'node:fs/promises';
import { chromium } from 'playwright-core';

export const RESULTS = new URL('../test-results/', import.meta.url).pathname;
/** Long enough for a debug build on a busy machine; waits end as soon as the page shows the state. */
export const PATIENCE_MS = 30_000;

export async function launch() {
  await mkdir(RESULTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/** A fan: a fresh browser context (own localStorage, so own guest id). */
export async function fan(browser) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(PATIENCE_MS);
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  return page;
}

export async function shoot(page, name) {
  await page.screenshot({ path: `${RESULTS}${name}.png`, fullPage: true });
}

/** The seat's button, whatever its status. */
export const seat = (page, number) => page.getByRole('button', { name: new RegExp(`^Seat ${number},`) });
export const seatIs = (page, number, word) =>
  page.getByRole('button', { name: new RegExp(`^Seat ${number},.*\\b${word}$`) });
