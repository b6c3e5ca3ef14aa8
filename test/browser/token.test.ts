// The Recent Tasks page of an emulator started with a control token: the page shows nothing
// until the token is entered, keeps it for the tab only, and never puts it in a URL.

import type { Request } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Emulator } from '../../src/server/app.js';
import { BrowserSuite } from '../helpers/browser.js';
import { startEmulator } from '../helpers/emulator.js';
import { eventually, openPage, rowSelector, rowText, shownKeys } from '../helpers/page.js';
import { SoapSession } from '../helpers/soap-client.js';
import { createTask, ok, setState, taskCall } from '../helpers/tasks.js';

const TOKEN = 'tab-only-s3cret';

let emu: Emulator;
let url: string;
let admin: SoapSession;
const chromium = new BrowserSuite();

beforeAll(async () => {
  // First: it builds the page, which the server looks for when it starts.
  await chromium.start();
  emu = await startEmulator({ controlToken: TOKEN });
  url = emu.url();
  admin = new SoapSession(url);
  ok(await admin.login());
}, 120_000);

afterAll(async () => {
  await chromium.close();
  await emu?.close();
});

test('the page asks for the token once, shows nothing without it, and keeps it for the tab only', async () => {
  const task = await createTask(admin);
  ok(await setState(admin, task, 'running'));
  ok(await taskCall(admin, task, 'SetTaskDescription', '<description><key>k</key><message>confidential step</message></description>'));

  const { page, errors } = await openPage(chromium.get(), url, `/ui/?task=${task}`, false);
  const requests: Request[] = [];
  page.on('request', (request) => requests.push(request));

  await page.waitForSelector('#token-form:not([hidden])');
  expect(await page.isHidden('#main')).toBe(true);
  expect(await page.textContent('#connection')).toBe('Token required');
  const bodyText = () => page.evaluate(() => document.body.textContent ?? '');
  expect(await bodyText()).not.toContain('confidential step');
  expect(await page.$$('#task-rows tr')).toHaveLength(0);
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('token-input');

  await page.fill('#token-input', 'not-the-token');
  await page.press('#token-input', 'Enter');
  await eventually(async () => expect(await page.textContent('#token-error')).toBe('The server refused that token.'));
  expect(await page.isHidden('#main')).toBe(true);
  expect(await bodyText()).not.toContain('confidential step');

  await page.fill('#token-input', TOKEN);
  await page.click('#token-form button[type=submit]');
  await eventually(async () => expect((await rowText(page, task))?.details).toBe('confidential step'));
  expect(await page.isHidden('#token-form')).toBe(true);
  // The task named in the URL opens once the token is in, with its history from the control API.
  await page.waitForSelector('#detail:not([hidden]) .timeline li');

  // Kept for this tab (a reload asks nothing), in sessionStorage only.
  await page.reload();
  await page.waitForSelector('#connection[data-state="live"]');
  await eventually(async () => expect(await shownKeys(page)).toContain(task));
  expect(await page.isHidden('#token-form')).toBe(true);
  expect(await page.evaluate(() => Object.keys(localStorage).length)).toBe(0);
  expect(await chromium.get().context.cookies()).toEqual([]);

  // Another tab asks again.
  const other = await openPage(chromium.get(), url, '/ui/', false);
  await other.page.waitForSelector('#token-form:not([hidden])');
  expect(await other.page.$$('#task-rows tr')).toHaveLength(0);
  await other.page.close();

  // The token travels in a header, never in a URL.
  const withToken = requests.filter((r) => r.headers().authorization === `Bearer ${TOKEN}`).map((r) => new URL(r.url()).pathname);
  expect(withToken).toContain('/ui/api/stream');
  expect(withToken).toContain(`/_emulator/tasks/${task}/history`);
  for (const request of requests) expect(request.url()).not.toContain(TOKEN);
  expect(page.url()).not.toContain(TOKEN);

  // Actions work with the token too: cancel from the detail view.
  await page.click(`${rowSelector(task)} .task-link`);
  await page.waitForSelector('#detail-cancel:not([hidden])');
  await page.click('#detail-cancel');
  await eventually(async () => expect((await rowText(page, task))?.status).toBe('\u2298Canceled'));

  await page.close();
  // The refused token's 401 is the only error the console may show.
  expect(errors.filter((e) => !/401/.test(e))).toEqual([]);
});
