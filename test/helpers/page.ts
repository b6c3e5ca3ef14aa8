// Driving and reading the Recent Tasks page in the browser suite.

import type { Page } from 'playwright-core';
import type { Browser } from './browser.js';

/** Retries `check` (assertions) until it passes or `timeoutMs` runs out, then throws its last error. */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export interface OpenPage {
  readonly page: Page;
  /** Uncaught errors and console errors the page reported; a test expects none. */
  readonly errors: string[];
}

/** Opens the page at `path` (e.g. /ui/?state=running) and waits until its feed is live. */
export async function openPage(browser: Browser, baseUrl: string, path = '/ui/', waitLive = true): Promise<OpenPage> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  await page.goto(new URL(path, baseUrl).toString());
  if (waitLive) await page.waitForSelector('#connection[data-state="live"]', { timeout: 5000 });
  return { page, errors };
}

export const rowSelector = (key: string) => `#task-rows tr[data-key="${key}"]`;

/** The text of each cell of a task's row, by column, or undefined when the row is not shown. */
export async function rowText(page: Page, key: string): Promise<Record<string, string> | undefined> {
  return page.evaluate((selector) => {
    const tr = document.querySelector(selector);
    if (!tr) return undefined;
    const out: Record<string, string> = {};
    for (const cell of Array.from(tr.children)) {
      const column = Array.from(cell.classList).find((c) => c.startsWith('col-'));
      if (column) out[column.slice(4)] = cell.textContent ?? '';
    }
    out.state = (tr as HTMLElement).dataset.state ?? '';
    return out;
  }, rowSelector(key));
}

/** The keys of the rows shown, top to bottom. */
export function shownKeys(page: Page): Promise<string[]> {
  return page.$$eval('#task-rows tr', (rows) => rows.map((row) => (row as HTMLElement).dataset.key ?? ''));
}
