// The page's layout and colours in Chromium: readable (WCAG AA contrast) in the light and dark
// schemes, and usable at 1280×800 and on a narrow window.

import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Emulator } from '../../src/server/app.js';
import { BrowserSuite } from '../helpers/browser.js';
import { startEmulator } from '../helpers/emulator.js';
import { eventually, openPage, rowSelector } from '../helpers/page.js';
import { SoapSession } from '../helpers/soap-client.js';
import { createTask, ok, setState, taskCall } from '../helpers/tasks.js';

let emu: Emulator;
const chromium = new BrowserSuite();
let tasks: string[];

beforeAll(async () => {
  // First: it builds the page, which the server looks for when it starts.
  await chromium.start();
  emu = await startEmulator();
  const s = new SoapSession(emu.url());
  ok(await s.login());
  tasks = [];
  for (const outcome of ['running', 'success', 'error', 'queued']) {
    const task = await createTask(s);
    tasks.push(task);
    if (outcome === 'queued') continue;
    ok(await setState(s, task, 'running'));
    ok(
      await taskCall(
        s,
        task,
        'SetTaskDescription',
        '<description><key>k</key><message>Copying a rather long description of what this step does</message></description>',
      ),
    );
    if (outcome === 'running') ok(await taskCall(s, task, 'UpdateProgress', '<percentDone>55</percentDone>'));
    if (outcome === 'success') ok(await setState(s, task, 'success'));
    if (outcome === 'error')
      ok(
        await setState(s, task, 'error', '<fault><fault xsi:type="NotFound"></fault><localizedMessage>The datastore was not found.</localizedMessage></fault>'),
      );
  }
}, 120_000);

afterAll(async () => {
  await chromium.close();
  await emu?.close();
});

/** WCAG contrast ratios of the page's text colours against what they sit on. */
function contrasts(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => {
    const rgb = (css: string) => (css.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
    const luminance = (css: string) => {
      const [r, g, b] = rgb(css).map((v) => {
        const c = v / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const ratio = (a: string, b: string) => {
      const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
      return (hi + 0.05) / (lo + 0.05);
    };
    const style = (selector: string) => getComputedStyle(document.querySelector(selector)!);
    const panel = style('.table-wrap').backgroundColor;
    return {
      body: ratio(style('body').color, style('body').backgroundColor),
      cell: ratio(style('#task-rows td.col-target').color, panel),
      link: ratio(style('#task-rows .task-link').color, panel),
      failed: ratio(style('#task-rows .status-error .status-word').color, panel),
      muted: ratio(style('#tasks caption .count').color, panel),
      header: ratio(style('#tasks thead th').color, style('#tasks thead th').backgroundColor),
    };
  });
}

describe('colour schemes', () => {
  for (const scheme of ['light', 'dark'] as const) {
    test(`${scheme}: every kind of text has at least 4.5:1 contrast`, async () => {
      const { page, errors } = await openPage(chromium.get(), emu.url());
      await page.emulateMedia({ colorScheme: scheme });
      await page.waitForSelector(`${rowSelector(tasks[2])} .status-error`);
      const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      const level = (background.match(/\d+/g) ?? []).slice(0, 3).map(Number);
      if (scheme === 'dark') expect(Math.max(...level)).toBeLessThan(64);
      else expect(Math.min(...level)).toBeGreaterThan(200);
      for (const [what, ratio] of Object.entries(await contrasts(page))) expect(ratio, what).toBeGreaterThanOrEqual(4.5);
      await page.close();
      expect(errors).toEqual([]);
    });
  }
});

describe('window sizes', () => {
  const overflow = (page: Page) =>
    page.evaluate(() => ({
      page: document.documentElement.scrollWidth - window.innerWidth,
      table: document.querySelector('.table-wrap')!.scrollWidth - document.querySelector('.table-wrap')!.clientWidth,
    }));
  const visibleColumns = (page: Page) =>
    page.$$eval('#tasks thead th', (ths) => ths.filter((th) => (th as HTMLElement).offsetWidth > 0).map((th) => th.textContent));

  test('1280×800: every column, no sideways scrolling, the detail view beside the list', async () => {
    const { page, errors } = await openPage(chromium.get(), emu.url());
    await page.waitForSelector(rowSelector(tasks[0]));
    expect(await visibleColumns(page)).toEqual(['Task name', 'Target', 'Status', 'Details', 'Initiator', 'Queued for', 'Start time', 'Completion time']);
    expect(await overflow(page)).toEqual({ page: 0, table: 0 });
    await page.click(`${rowSelector(tasks[0])} .task-link`);
    await page.waitForSelector('#detail:not([hidden]) .timeline');
    const list = await page.$eval('.table-wrap', (el) => el.getBoundingClientRect().toJSON());
    const detail = await page.$eval('#detail', (el) => el.getBoundingClientRect().toJSON());
    expect(detail.left).toBeGreaterThanOrEqual(list.right);
    expect(detail.right).toBeLessThanOrEqual(1280);
    expect(await visibleColumns(page)).toEqual(['Task name', 'Target', 'Status', 'Details', 'Completion time']);
    expect(await overflow(page)).toEqual({ page: 0, table: 0 });
    await page.close();
    expect(errors).toEqual([]);
  });

  test('a narrow window keeps name, target and status, and the detail view takes the window', async () => {
    const { page, errors } = await openPage(chromium.get(), emu.url());
    await page.setViewportSize({ width: 400, height: 760 });
    await page.waitForSelector(rowSelector(tasks[0]));
    expect(await visibleColumns(page)).toEqual(['Task name', 'Target', 'Status']);
    expect(await overflow(page)).toEqual({ page: 0, table: 0 });
    expect(await page.isVisible(`${rowSelector(tasks[0])} progress`)).toBe(true);
    await page.click(`${rowSelector(tasks[2])} .task-link`);
    await page.waitForSelector('#detail:not([hidden]) .outcome-error');
    const detail = await page.$eval('#detail', (el) => el.getBoundingClientRect().toJSON());
    expect(detail).toMatchObject({ left: 0, top: 0, width: 400 });
    await page.click('#detail-close');
    await eventually(async () => expect(await page.isHidden('#detail')).toBe(true));
    await page.close();
    expect(errors).toEqual([]);
  });
});
