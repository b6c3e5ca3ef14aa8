// The Recent Tasks page in Debian's Chromium: tasks driven over raw SOAP, then what the page
// shows is read from its DOM. Waits on the DOM allow 5 s; nothing here times the page.

import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { Emulator } from '../../src/server/app.js';
import { BrowserSuite } from '../helpers/browser.js';
import { startEmulator } from '../helpers/emulator.js';
import { eventually, openPage, rowSelector, rowText, shownKeys, type OpenPage } from '../helpers/page.js';
import { faultOf, SoapSession } from '../helpers/soap-client.js';
import { createTask, ok, setState, taskCall } from '../helpers/tasks.js';
import { registerTaskTypes } from '../helpers/ui.js';

let emu: Emulator;
let url: string;
let admin: SoapSession;
const chromium = new BrowserSuite();
let opened: OpenPage[] = [];

beforeAll(async () => {
  // First: it builds the page, which the server looks for when it starts.
  await chromium.start();
  emu = await startEmulator();
  url = emu.url();
  admin = new SoapSession(url);
  ok(await admin.login());
}, 120_000);

afterEach(async () => {
  for (const { page, errors } of opened) {
    await page.close();
    expect(errors, 'the page reported errors').toEqual([]);
  }
  opened = [];
});

afterAll(async () => {
  await chromium.close();
  await emu?.close();
});

async function open(path = '/ui/'): Promise<Page> {
  const result = await openPage(chromium.get(), url, path);
  opened.push(result);
  return result.page;
}

async function control(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(new URL(path, url), {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(response.status, `${method} ${path}`).toBeLessThan(300);
  return response.status === 204 ? undefined : response.json();
}

const progressOf = (page: Page, key: string) => page.$eval(`${rowSelector(key)} progress`, (p) => (p as HTMLProgressElement).value);
const announced = (page: Page) => page.$eval('#announcer', (el) => el.textContent ?? '');

describe('the list', () => {
  test('a new task appears, in the Recent Tasks columns', async () => {
    const page = await open();
    const task = await createTask(admin);
    const row = await eventually(async () => {
      const text = await rowText(page, task);
      expect(text).toBeDefined();
      return text!;
    });
    expect(row).toMatchObject({ name: 'com.vmware.govmomi.simulator.test', target: 'Datacenters', initiator: 'admin', state: 'queued' });
    expect(row.status).toContain('Queued');
    expect(row.queued).toMatch(/\d+(\.\d+)? (ms|s)/);
    expect(row.start).toBe('');
    expect(row.complete).toBe('');
    expect((await shownKeys(page))[0]).toBe(task);
  });

  test('the task name is the label the extension registered for the task type', async () => {
    await registerTaskTypes(admin, 'com.example.page', { 'com.example.page.deploy': 'Deploy OVF template' });
    const page = await open();
    const task = await createTask(admin, { taskTypeId: 'com.example.page.deploy' });
    await eventually(async () => expect((await rowText(page, task))?.name).toBe('Deploy OVF template'));
  });

  test('the progress bar reaches the percent sent', async () => {
    const page = await open();
    const task = await createTask(admin);
    ok(await setState(admin, task, 'running'));
    ok(await taskCall(admin, task, 'UpdateProgress', '<percentDone>42</percentDone>'));
    await eventually(async () => expect(await progressOf(page, task)).toBe(42));
    const row = (await rowText(page, task))!;
    expect(row.status).toContain('42%');
    expect(row.state).toBe('running');
    expect(row.start).not.toBe('');
    ok(await taskCall(admin, task, 'UpdateProgress', '<percentDone>97</percentDone>'));
    await eventually(async () => expect(await progressOf(page, task)).toBe(97));
  });

  test('success, error and canceled read differently, and each completion is announced', async () => {
    const page = await open();
    const [done, failed, canceled] = [await createTask(admin), await createTask(admin), await createTask(admin)];
    for (const task of [done, failed, canceled]) ok(await setState(admin, task, 'running'));

    ok(await setState(admin, done, 'success', '<result xsi:type="xsd:string">all good</result>'));
    await eventually(async () => expect((await rowText(page, done))?.status).toBe('\u2713Completed'));
    expect((await rowText(page, done))!.complete).not.toBe('');
    await eventually(async () => expect(await announced(page)).toBe('com.vmware.govmomi.simulator.test on Datacenters completed.'));

    ok(await setState(admin, failed, 'error', '<fault><fault xsi:type="NotFound"></fault><localizedMessage>The disk is gone.</localizedMessage></fault>'));
    await eventually(async () => expect((await rowText(page, failed))?.status).toBe('\u2715FailedNotFound: The disk is gone.'));
    await eventually(async () => expect(await announced(page)).toContain('failed: NotFound, The disk is gone.'));

    ok(await taskCall(admin, canceled, 'CancelTask'));
    await eventually(async () => expect((await rowText(page, canceled))?.status).toBe('\u2298Canceled'));
    await eventually(async () => expect(await announced(page)).toContain('was canceled'));

    const classes = await page.$$eval([done, failed, canceled].map((k) => `${rowSelector(k)} .status`).join(','), (els) => els.map((e) => e.className));
    expect(classes.sort()).toEqual(['status status-canceled', 'status status-error', 'status status-success']);
  });

  test('a description holding <script> is shown as text and never runs', async () => {
    const page = await open();
    const task = await createTask(admin, { initiatedBy: '&lt;b&gt;mallory&lt;/b&gt;' });
    const hostile = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';
    const escaped = hostile.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    ok(await taskCall(admin, task, 'SetTaskDescription', `<description><key>k</key><message>${escaped}</message></description>`));
    await eventually(async () => expect((await rowText(page, task))?.details).toBe(hostile));
    expect((await rowText(page, task))!.initiator).toBe('<b>mallory</b>');
    await page.click(`${rowSelector(task)} .task-link`);
    await page.waitForSelector('#detail .timeline li');
    expect(await page.$eval('#detail', (el) => el.textContent)).toContain(hostile);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.$$('#main img, #main script, #main b')).toHaveLength(0);
  });

  test('with 10,000 tasks the list shows a page of 100 at a time', async () => {
    const other = await startEmulator();
    try {
      await fetch(new URL('/_emulator/seed', other.url()), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          tasks: Array.from({ length: 10_000 }, (_, i) => ({ state: i % 2 ? 'running' : 'success', progress: i % 2 ? i % 100 : undefined })),
        }),
      });
      const result = await openPage(chromium.get(), other.url());
      opened.push(result);
      const { page } = result;
      await eventually(async () => expect(await page.textContent('#page-info')).toBe('1–100 of 10,000'), 10_000);
      expect(await page.$$eval('#task-rows tr', (rows) => rows.length)).toBe(100);
      expect((await shownKeys(page))[0]).toBe('task-10000');
      await page.click('#page-older');
      await eventually(async () => expect(await page.textContent('#page-info')).toBe('101–200 of 10,000'));
      expect((await shownKeys(page))[0]).toBe('task-9900');
      await page.selectOption('#filter-state', 'running');
      await eventually(async () => expect(await page.textContent('#page-info')).toBe('1–100 of 5,000'));
    } finally {
      await other.close();
    }
  });
});

describe('the detail view', () => {
  test("a row opens the task's facts, result and whole history as a timeline", async () => {
    const page = await open();
    const task = await createTask(admin);
    ok(await setState(admin, task, 'running'));
    ok(await taskCall(admin, task, 'UpdateProgress', '<percentDone>30</percentDone>'));
    ok(await taskCall(admin, task, 'UpdateProgress', '<percentDone>70</percentDone>'));
    ok(await setState(admin, task, 'success', '<result xsi:type="xsd:string">copied 3 disks</result>'));
    await page.waitForSelector(rowSelector(task));
    await page.click(`${rowSelector(task)} td.col-target`);
    await page.waitForSelector('#detail:not([hidden]) .timeline li');
    expect(new URL(page.url()).searchParams.get('task')).toBe(task);
    expect(await page.getAttribute(rowSelector(task), 'aria-current')).toBe('true');

    const history = (await control('GET', `/_emulator/tasks/${task}/history`)) as { history: unknown[] };
    const entries = await eventually(async () => {
      const items = await page.$$eval('#detail .timeline > li', (lis) =>
        lis.map((li) => ({
          head: li.querySelector('.entry-head')?.textContent ?? '',
          changes: Array.from(li.querySelectorAll('tbody tr')).map((tr) => Array.from(tr.children).map((c) => c.textContent)),
        })),
      );
      expect(items).toHaveLength(history.history.length);
      return items;
    });
    expect(entries.map((e) => /(CreateTask|SetTaskState|UpdateProgress) by admin$/.exec(e.head)?.[1])).toEqual([
      'CreateTask',
      'SetTaskState',
      'UpdateProgress',
      'UpdateProgress',
      'SetTaskState',
    ]);
    expect(entries[0].changes).toEqual([['state', '—', 'queued']]);
    expect(entries[3].changes).toEqual([['progress', '30', '70']]);
    expect(entries[4].changes).toContainEqual(['state', 'running', 'success']);
    expect(entries[4].changes).toContainEqual(['result', '—', 'copied 3 disks']);
    expect(await page.textContent('#detail .outcome')).toContain('copied 3 disks');
    expect(await page.textContent('#detail-title')).toBe('com.vmware.govmomi.simulator.test');

    // The timeline follows the task live.
    const next = await createTask(admin);
    await page.click(`${rowSelector(next)} .task-link`);
    await eventually(async () => expect(await page.$$('#detail .timeline > li')).toHaveLength(1));
    ok(await setState(admin, next, 'running'));
    await eventually(async () => expect(await page.$$('#detail .timeline > li')).toHaveLength(2));

    await page.keyboard.press('Escape');
    await eventually(async () => expect(await page.isHidden('#detail')).toBe(true));
    expect(new URL(page.url()).searchParams.get('task')).toBeNull();
  });

  test('a failed task shows its fault readably; parent and child tasks link to each other', async () => {
    const page = await open();
    const parent = await createTask(admin);
    const child = await createTask(admin, { parentTaskKey: parent });
    ok(await setState(admin, child, 'running'));
    ok(await setState(admin, child, 'error', '<fault><fault xsi:type="NotFound"></fault><localizedMessage>No such datastore.</localizedMessage></fault>'));
    await open(`/ui/?task=${parent}`).then(async (direct) => {
      await direct.waitForSelector('#detail:not([hidden]) .children button');
      expect(await direct.textContent('#detail .children')).toContain(child);
      await direct.click('#detail .children button');
      await eventually(async () => expect(new URL(direct.url()).searchParams.get('task')).toBe(child));
      await eventually(async () => expect(await direct.textContent('#detail .outcome-error')).toContain('NotFound: No such datastore.'));
      expect(await direct.textContent('#detail .facts')).toContain(`Parent task`);
      await direct.click('#detail .facts button.link');
      await eventually(async () => expect(new URL(direct.url()).searchParams.get('task')).toBe(parent));
    });
    await page.close();
    opened = opened.filter((o) => o.page !== page);
  });

  test('the Cancel button cancels a running task', async () => {
    const page = await open();
    const task = await createTask(admin);
    ok(await setState(admin, task, 'running'));
    await page.waitForSelector(rowSelector(task));
    await page.click(`${rowSelector(task)} .task-link`);
    await page.waitForSelector('#detail-cancel:not([hidden])');
    await page.click('#detail-cancel');
    await eventually(async () => expect((await rowText(page, task))?.status).toBe('\u2298Canceled'));
    await eventually(async () => expect(await page.isHidden('#detail-cancel')).toBe(true));
    await eventually(async () => expect(await page.textContent('#detail .timeline > li:last-child .entry-head')).toContain('CancelTask (Recent Tasks page)'));
  });
});

describe('filters', () => {
  test('by state, initiator, type and text; they stay in the URL and a link restores them', async () => {
    const page = await open();
    const running = await createTask(admin, { initiatedBy: 'filter-alice' });
    ok(await setState(admin, running, 'running'));
    const done = await createTask(admin, { initiatedBy: 'filter-bob' });
    ok(await setState(admin, done, 'running'));
    ok(await taskCall(admin, done, 'SetTaskDescription', '<description><key>k</key><message>needle in the details</message></description>'));
    ok(await setState(admin, done, 'success'));
    await eventually(async () => expect((await rowText(page, done))?.state).toBe('success'));

    await page.selectOption('#filter-state', 'running');
    await eventually(async () => {
      const keys = await shownKeys(page);
      expect(keys).toContain(running);
      expect(keys).not.toContain(done);
    });
    const states = await page.$$eval('#task-rows tr', (rows) => rows.map((r) => (r as HTMLElement).dataset.state));
    expect(new Set(states)).toEqual(new Set(['running']));
    expect(new URL(page.url()).searchParams.get('state')).toBe('running');

    await page.selectOption('#filter-state', '');
    await page.selectOption('#filter-user', 'filter-bob');
    await eventually(async () => expect(await shownKeys(page)).toEqual([done]));
    expect(new URL(page.url()).searchParams.get('user')).toBe('filter-bob');

    await page.click('button[type=reset]');
    await page.fill('#filter-q', 'NEEDLE');
    await eventually(async () => expect(await shownKeys(page)).toEqual([done]));
    expect(new URL(page.url()).searchParams.get('q')).toBe('NEEDLE');

    const linked = await open(`/ui/?state=success&user=filter-bob&type=com.vmware.govmomi.simulator.test&q=needle`);
    await eventually(async () => expect(await shownKeys(linked)).toEqual([done]));
    expect(await linked.$eval('#filter-state', (s) => (s as HTMLSelectElement).value)).toBe('success');
    expect(await linked.$eval('#filter-user', (s) => (s as HTMLSelectElement).value)).toBe('filter-bob');
    expect(await linked.$eval('#filter-type', (s) => (s as HTMLSelectElement).value)).toBe('com.vmware.govmomi.simulator.test');
    expect(await linked.inputValue('#filter-q')).toBe('needle');

    // A task that starts matching appears without a reload.
    const later = await createTask(admin, { initiatedBy: 'filter-bob' });
    ok(await setState(admin, later, 'running'));
    ok(await taskCall(admin, later, 'SetTaskDescription', '<description><key>k</key><message>another needle</message></description>'));
    ok(await setState(admin, later, 'success'));
    await eventually(async () => expect(await shownKeys(linked)).toEqual([later, done]));
  });
});

describe('keyboard', () => {
  test('the rows are one tab stop; arrows move, Enter opens, Escape closes and returns focus', async () => {
    const page = await open();
    const tasks = [await createTask(admin), await createTask(admin), await createTask(admin)];
    await eventually(async () => expect((await shownKeys(page)).slice(0, 3)).toEqual([...tasks].reverse()));
    const tabStops = await page.$$eval('#task-rows .task-link', (buttons) => buttons.filter((b) => (b as HTMLElement).tabIndex === 0).length);
    expect(tabStops).toBe(1);
    await page.focus(`${rowSelector(tasks[2])} .task-link`);
    await page.keyboard.press('ArrowDown');
    const focused = () => page.evaluate(() => (document.activeElement?.closest('tr') as HTMLElement | null)?.dataset.key);
    expect(await focused()).toBe(tasks[1]);
    await page.keyboard.press('Enter');
    await eventually(async () => expect(await page.textContent('#detail .facts')).toContain(tasks[1]));
    await page.keyboard.press('Escape');
    await eventually(async () => expect(await page.isHidden('#detail')).toBe(true));
    await eventually(async () => expect(await focused()).toBe(tasks[1]));
    await page.keyboard.press('Home');
    expect(await focused()).toBe((await shownKeys(page))[0]);
  });
});

describe('actions', () => {
  test('create a task and a scripted lifecycle, add and remove fault and latency rules, reset', async () => {
    const page = await open();
    await page.click('#open-actions');
    await page.waitForSelector('#actions[open]');

    await page.fill('#create-form [name=description]', 'made in the page');
    await page.selectOption('#create-form [name=state]', 'running');
    await page.fill('#create-form [name=progress]', '30');
    await page.click('#create-form button[type=submit]');
    const created = (
      await eventually(async () => {
        const text = await page.textContent('#actions-message');
        expect(text).toMatch(/^Created task-\d+\.$/);
        return text!;
      })
    ).slice(8, -1);
    await eventually(async () => expect(await rowText(page, created)).toMatchObject({ details: 'made in the page', state: 'running' }));
    expect(await progressOf(page, created)).toBe(30);

    await page.selectOption('#create-form [name=state]', 'queued');
    await page.check('#create-form [name=scripted]');
    await page.fill('#create-form [name=durationMs]', '300');
    await page.fill('#create-form [name=progressSteps]', '3');
    await page.click('#create-form button[type=submit]');
    const scripted = (
      await eventually(async () => {
        const text = await page.textContent('#actions-message');
        expect(text).not.toBe(`Created ${created}.`);
        expect(text).toMatch(/^Created task-\d+\.$/);
        return text!;
      })
    ).slice(8, -1);
    await eventually(async () => expect((await rowText(page, scripted))?.state).toBe('success'));

    await page.fill('#fault-form [name=method]', 'UpdateProgress');
    await page.fill('#fault-form [name=faultType]', 'NotFound');
    await page.fill('#fault-form [name=faultMessage]', 'injected from the page');
    await page.click('#fault-form button[type=submit]');
    await eventually(async () => expect(await page.textContent('#fault-rules')).toContain('NotFound (“injected from the page”) on UpdateProgress'));
    const hit = await taskCall(admin, created, 'UpdateProgress', '<percentDone>40</percentDone>');
    expect(faultOf(hit)?.type).toBe('NotFound');
    await page.click('#fault-rules button');
    await eventually(async () => expect(await page.textContent('#fault-rules')).toBe('None'));
    ok(await taskCall(admin, created, 'UpdateProgress', '<percentDone>40</percentDone>'));

    await page.fill('#latency-form [name=method]', 'RetrievePropertiesEx');
    await page.fill('#latency-form [name=delayMs]', '5');
    await page.click('#latency-form button[type=submit]');
    await eventually(async () => expect(await page.textContent('#latency-rules')).toContain('5 ms on RetrievePropertiesEx'));
    expect(((await control('GET', '/_emulator/latency')) as { rules: unknown[] }).rules).toHaveLength(1);
    await page.click('#latency-rules button');
    await eventually(async () => expect(await page.textContent('#latency-rules')).toBe('None'));

    await page.click('#reset');
    expect(await page.textContent('#reset')).toContain('Confirm');
    await page.click('#reset');
    await eventually(async () => expect(await page.textContent('#actions-message')).toBe('The emulator was reset.'));
    await page.click('#actions-close');
    await eventually(async () => expect(await shownKeys(page)).toEqual([]));
    expect(await page.textContent('#empty')).toContain('No tasks yet');
  });
});

describe('the feed', () => {
  test('after a reconnect the page matches the server', async () => {
    const first = await startEmulator();
    const port = Number(new URL(first.url()).port);
    const s = new SoapSession(first.url());
    ok(await s.login());
    const old = [await createTask(s), await createTask(s)];
    ok(await setState(s, old[0], 'running'));
    const result = await openPage(chromium.get(), first.url());
    opened.push(result);
    const { page } = result;
    await eventually(async () => expect(await shownKeys(page)).toEqual([...old].reverse()));

    // A new server on the same port holds other tasks; the page must drop the old ones.
    await first.close();
    await eventually(async () => expect(await page.getAttribute('#connection', 'data-state')).not.toBe('live'));
    const second = await startEmulator({ port });
    try {
      const s2 = new SoapSession(second.url());
      ok(await s2.login());
      for (let i = 0; i < 5; i++) await createTask(s2);
      const fresh = await createTask(s2, { initiatedBy: 'after-restart' });
      await eventually(async () => {
        expect(await page.getAttribute('#connection', 'data-state')).toBe('live');
        expect((await shownKeys(page)).length).toBe(6);
        expect((await rowText(page, fresh))?.initiator).toBe('after-restart');
      }, 15_000);
      expect((await rowText(page, old[0]))?.state).not.toBe('running');
    } finally {
      await second.close();
    }
  });

  test('1,000 tasks changing ten times a second keep the page responsive', async () => {
    const other = await startEmulator();
    try {
      const result = await openPage(chromium.get(), other.url());
      opened.push(result);
      const { page } = result;
      await fetch(new URL('/_emulator/seed', other.url()), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ tasks: Array.from({ length: 1000 }, () => ({ lifecycle: { durationMs: 4000, progressSteps: 40 } })) }),
      });
      // Count animation frames and the longest gap between two while the tasks run.
      const frames = await page.evaluate(
        () =>
          new Promise<{ count: number; longestGapMs: number; progressSeen: number }>((resolve) => {
            let count = 0;
            let last = performance.now();
            let longest = 0;
            const end = last + 2500;
            const step = (now: number) => {
              count++;
              longest = Math.max(longest, now - last);
              last = now;
              if (now < end) requestAnimationFrame(step);
              else resolve({ count, longestGapMs: longest, progressSeen: document.querySelectorAll('#task-rows progress').length });
            };
            requestAnimationFrame(step);
          }),
      );
      // Generous bounds (ten times what a loaded machine shows): a frozen page draws nothing for seconds.
      expect(frames.count).toBeGreaterThan(5);
      expect(frames.longestGapMs).toBeLessThan(2000);
      expect(frames.progressSeen).toBeGreaterThan(0);
      await eventually(async () => expect(await page.$$('#task-rows tr[data-state="success"]')).toHaveLength(100), 20_000);
    } finally {
      await other.close();
    }
  });
});
