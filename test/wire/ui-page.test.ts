// The Recent Tasks page's server side over HTTP: the page's files and their security headers,
// the live feed (snapshot then coalesced deltas, labels, removal, the token, the cap on open
// feeds) and the cancel route. What the page shows is tested in test/browser/.

import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { Emulator } from '../../src/server/app.js';
import { DEFAULT_STREAM_LIMITS } from '../../src/server/task-stream.js';
import { buildPage } from '../helpers/browser.js';
import { startEmulator } from '../helpers/emulator.js';
import { rawRequest, SoapSession } from '../helpers/soap-client.js';
import { createTask, ok, setState, taskCall } from '../helpers/tasks.js';
import { Feed, registerTaskTypes, rowsOf, type FeedEvent } from '../helpers/ui.js';

const TOKEN = 'page-secret';
const AUTH = { authorization: `Bearer ${TOKEN}` };

let emu: Emulator;
let url: string;
let admin: SoapSession;
const feeds: Feed[] = [];

async function open(headers: Record<string, string> = AUTH): Promise<Feed> {
  const feed = await Feed.open(url, headers);
  feeds.push(feed);
  return feed;
}

const hasKey = (key: string) => (event: FeedEvent) => rowsOf(event).some((row) => row.key === key);

/** Built before the server starts (it looks for the page then); a failure fails the page's test. */
let buildError: unknown;

beforeAll(async () => {
  try {
    buildPage();
  } catch (error) {
    buildError = error;
  }
  emu = await startEmulator({ controlToken: TOKEN });
  url = emu.url();
  admin = new SoapSession(url);
  ok(await admin.login());
});
afterEach(() => {
  for (const feed of feeds.splice(0)) feed.close();
});
afterAll(async () => {
  await emu.close();
});

describe('the page', () => {
  test('GET /ui/ serves the page with a strict Content-Security-Policy; /ui redirects there', async () => {
    expect(buildError).toBeUndefined();
    const page = await rawRequest(url, { method: 'GET', path: '/ui/' });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('<script type="module" src="main.js"></script>');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("require-trusted-types-for 'script'");
    expect(csp).not.toContain('unsafe');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    // No inline script or style for the policy to allow.
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=|\son[a-z]+=/i);

    const script = await rawRequest(url, { method: 'GET', path: '/ui/main.js' });
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toMatch(/javascript/);

    const bare = await rawRequest(url, { method: 'GET', path: '/ui' });
    expect(bare.status).toBeGreaterThanOrEqual(301);
    expect(bare.status).toBeLessThanOrEqual(308);
    expect(bare.headers.location).toBe('/ui/');
  });

  test("the page's files need no token (they hold no tasks); the feed and cancel do", async () => {
    expect((await rawRequest(url, { method: 'GET', path: '/ui/' })).status).toBe(200);
    const without = await open({});
    expect(without.status).toBe(401);
    expect(without.body).toContain('token');
    expect((await open({ authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await rawRequest(url, { path: '/ui/api/tasks/task-1/cancel' })).status).toBe(401);
    const feed = await open();
    expect(feed.status).toBe(200);
    expect(feed.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(feed.headers['cache-control']).toBe('no-store');
    expect((await open({ 'x-emulator-token': TOKEN })).status).toBe(200);
  });
});

describe('the live feed', () => {
  test('starts with a snapshot of every task and the labels, then sends changes', async () => {
    await registerTaskTypes(admin, 'com.example.feed', { 'com.example.feed.deploy': 'Deploy OVF template' });
    const before = await createTask(admin, { taskTypeId: 'com.example.feed.deploy' });
    const feed = await open();
    const snapshot = await feed.next(() => true);
    expect(snapshot.event).toBe('snapshot');
    expect(typeof snapshot.data.now).toBe('number');
    expect((snapshot.data.labels as Record<string, string>)['com.example.feed.deploy']).toBe('Deploy OVF template');
    const row = rowsOf(snapshot).find((r) => r.key === before)!;
    expect(row).toMatchObject({
      type: 'com.example.feed.deploy',
      target: 'Datacenters',
      entity: 'Folder:group-d1',
      state: 'queued',
      initiator: 'admin',
      cancelable: true,
      cancelled: false,
    });

    ok(await setState(admin, before, 'running'));
    ok(await taskCall(admin, before, 'SetTaskDescription', '<description><key>k</key><message>Copying &lt;b&gt;disks&lt;/b&gt;</message></description>'));
    const changed = await feed.next((e) => e.event === 'delta' && rowsOf(e).some((r) => r.key === before && r.details === 'Copying <b>disks</b>'));
    expect(rowsOf(changed).find((r) => r.key === before)).toMatchObject({ state: 'running', details: 'Copying <b>disks</b>' });

    ok(await setState(admin, before, 'error', '<fault><fault xsi:type="NotFound"></fault><localizedMessage>gone</localizedMessage></fault>'));
    const failed = await feed.next((e) => e.event === 'delta' && rowsOf(e).some((r) => r.key === before && r.state === 'error'));
    expect(rowsOf(failed).find((r) => r.key === before)!.fault).toEqual({ type: 'NotFound', message: 'gone' });
  });

  test('a label registered later reaches open feeds', async () => {
    const feed = await open();
    await feed.next((e) => e.event === 'snapshot');
    await registerTaskTypes(admin, 'com.example.later', { 'com.example.later.backup': 'Back up' });
    const event = await feed.next((e) => e.event === 'delta' && e.data.labels !== undefined);
    expect((event.data.labels as Record<string, string>)['com.example.later.backup']).toBe('Back up');
  });

  test('coalesces: at most one event per 100 ms, each naming a task once, ending on the last value', async () => {
    const task = await createTask(admin);
    ok(await setState(admin, task, 'running'));
    const feed = await open();
    await feed.next((e) => e.event === 'snapshot');
    const start = performance.now();
    for (let percent = 1; percent <= 60; percent++) ok(await taskCall(admin, task, 'UpdateProgress', `<percentDone>${percent}</percentDone>`));
    const last = await feed.next((e) => e.event === 'delta' && rowsOf(e).some((r) => r.key === task && r.progress === 60));
    const elapsed = last.at - start;
    const deltas = feed.events.filter((e) => e.event === 'delta' && e.at >= start && e.at <= last.at && hasKey(task)(e));
    // The server spaces its ticks at least 100 ms apart; arrival times can only bunch them.
    expect(deltas.length).toBeLessThanOrEqual(Math.floor(elapsed / DEFAULT_STREAM_LIMITS.intervalMs) + 1);
    expect(deltas.length).toBeLessThan(60);
    for (const delta of deltas) expect(rowsOf(delta).filter((r) => r.key === task)).toHaveLength(1);
  });

  test('tasks the server forgets are removed (reset), and a new feed matches the server', async () => {
    const task = await createTask(admin);
    const feed = await open();
    await feed.next((e) => e.event === 'snapshot' && hasKey(task)(e));
    const reset = await rawRequest(url, { path: '/_emulator/reset', headers: { ...AUTH, 'content-type': 'application/json' }, body: '{}' });
    expect(reset.status).toBe(200);
    const removed = await feed.next((e) => e.event === 'delta' && ((e.data.remove as string[]) ?? []).includes(task));
    expect(removed.data.upsert).toEqual([]);
    const again = await open();
    const snapshot = await again.next((e) => e.event === 'snapshot');
    expect(snapshot.data.tasks).toEqual([]);
  });

  test(`at most ${DEFAULT_STREAM_LIMITS.maxStreams} feeds are open at once; the next is refused with 503 until one closes`, async () => {
    const open_ = await Promise.all(Array.from({ length: DEFAULT_STREAM_LIMITS.maxStreams }, () => open()));
    expect(open_.every((f) => f.status === 200)).toBe(true);
    const refused = await open();
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.body).toContain(`${DEFAULT_STREAM_LIMITS.maxStreams} pages`);
    open_[0].close();
    let accepted: Feed | undefined;
    for (let i = 0; i < 50 && accepted?.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 20));
      accepted = await open();
    }
    expect(accepted?.status).toBe(200);
  });
});

describe('cancel from the page', () => {
  test('cancels a running task as the page, and says why it cannot', async () => {
    const task = await createTask(admin);
    ok(await setState(admin, task, 'running'));
    const cancel = (key: string) => rawRequest(url, { path: `/ui/api/tasks/${key}/cancel`, headers: AUTH });
    expect((await cancel(task)).status).toBe(204);
    const info = await rawRequest(url, { method: 'GET', path: `/_emulator/tasks/${task}`, headers: AUTH });
    expect(JSON.parse(info.body)).toMatchObject({ state: 'error', cancelled: true, error: { fault: { _type: 'RequestCanceled' } } });
    const history = JSON.parse((await rawRequest(url, { method: 'GET', path: `/_emulator/tasks/${task}/history`, headers: AUTH })).body);
    expect(history.history.at(-1)).toMatchObject({ user: 'vtask-emulator', method: 'CancelTask (Recent Tasks page)' });

    const again = await cancel(task);
    expect(again.status).toBe(409);
    expect(JSON.parse(again.body).error).toMatch(/^InvalidState: /);
    expect((await cancel('task-999999')).status).toBe(404);
  });
});

test('closing the server ends open feeds instead of waiting on them', async () => {
  const other = await startEmulator();
  const feeds_ = await Promise.all([1, 2, 3].map(() => Feed.open(other.url())));
  expect(feeds_.map((f) => f.status)).toEqual([200, 200, 200]);
  const started = Date.now();
  await other.close();
  expect(Date.now() - started).toBeLessThan(5000);
  for (const feed of feeds_) feed.close();
});
