// Issue 14, rows 4–9 and 12: every kind of state a client can make the server hold is bounded
// by a setting, refused past it with LimitExceeded (property and limit), and while one client
// sits at a limit the others are still served at once. Also: concurrent waits on one collector,
// waits longer than a timer allows, and who may read sessionList.

import { afterEach, describe, expect, test } from 'vitest';
import type { Emulator } from '../../src/server/app.js';
import type { Config } from '../../src/server/config.js';
import { EXAMPLE_USERS, startEmulator } from '../helpers/emulator.js';
import { faultOf, rawRequest, SoapSession, type SoapResponse } from '../helpers/soap-client.js';
import { createTask, expectFault, ok, readInfo, setState, taskCall, type Xml } from '../helpers/tasks.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function start(overrides: Partial<Config> = {}): Promise<string> {
  emulator = await startEmulator(overrides);
  return emulator.url();
}

async function login(url: string, user = 'admin', password = user): Promise<SoapSession> {
  const session = new SoapSession(url);
  ok(await session.login(user, password));
  return session;
}

function pc(s: SoapSession, method: string, args = '', collector = 'propertyCollector'): Promise<SoapResponse> {
  return s.call(method, 'PropertyCollector', collector, args);
}

function returnval(res: SoapResponse, method: string): Xml {
  return (res.result[`${method}Response`] as Xml).returnval as Xml;
}

/** LimitExceeded naming the setting and its value. */
function expectLimit(res: SoapResponse, property: string, limit: number): void {
  const fault = expectFault(res, 'LimitExceeded');
  expect(fault!.detail.property).toBe(property);
  expect(Number(fault!.detail.limit)).toBe(limit);
}

/** Another client's ordinary call is answered quickly (a generous bound: 10x what it takes). */
async function othersServedQuickly(url: string): Promise<void> {
  const other = await login(url);
  const began = Date.now();
  const task = await createTask(other);
  ok(await setState(other, task, 'running'));
  expect(Date.now() - began).toBeLessThan(2000);
}

function taskSpec(tasks: readonly string[]): string {
  return `<propSet><type>Task</type><pathSet>info.state</pathSet></propSet>${tasks.map((t) => `<objectSet><obj type="Task">${t}</obj></objectSet>`).join('')}`;
}

function createFilter(s: SoapSession, task: string, collector?: string): Promise<SoapResponse> {
  return pc(s, 'CreateFilter', `<spec>${taskSpec([task])}</spec><partialUpdates>false</partialUpdates>`, collector);
}

function waitEx(s: SoapSession, version: string, maxWaitSeconds: number, collector?: string): Promise<SoapResponse> {
  return pc(s, 'WaitForUpdatesEx', `<version>${version}</version><options><maxWaitSeconds>${maxWaitSeconds}</maxWaitSeconds></options>`, collector);
}

/** The version a full WaitForUpdatesEx report gives: where a wait for the next change starts. */
async function baseline(s: SoapSession, collector?: string): Promise<string> {
  const res = await pc(s, 'WaitForUpdatesEx', '<version></version><options><maxWaitSeconds>0</maxWaitSeconds></options>', collector);
  ok(res);
  return String(returnval(res, 'WaitForUpdatesEx').version);
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('sessions (row 6)', () => {
  test('maxSessions: one Login past it gets LimitExceeded; a Logout makes room; other sessions keep working', async () => {
    const url = await start({ maxSessions: 4 });
    const sessions = [await login(url), await login(url), await login(url), await login(url)];
    expectLimit(await new SoapSession(url).login('admin', 'admin'), 'maxSessions', 4);
    const began = Date.now();
    const task = await createTask(sessions[0]);
    ok(await setState(sessions[1], task, 'running'));
    expect(Date.now() - began).toBeLessThan(2000);
    ok(await sessions[3].call('Logout', 'SessionManager', 'SessionManager'));
    await login(url);
  });

  test('maxSessionsPerUser: a user at the limit is refused; another user still logs in', async () => {
    const url = await start({ maxSessionsPerUser: 2, usersFile: EXAMPLE_USERS });
    await login(url, 'viewer');
    await login(url, 'viewer');
    expectLimit(await new SoapSession(url).login('viewer', 'viewer'), 'maxSessionsPerUser', 2);
    await othersServedQuickly(url);
  });

  test('the defaults admit 1,000 sessions', async () => {
    const url = await start();
    for (let i = 0; i < 1000; i += 100) await Promise.all(Array.from({ length: 100 }, () => login(url)));
    expect(emulator!.inventory.sessionManager.count).toBe(1000);
  }, 90_000);
});

describe('property filters and collectors (row 6)', () => {
  test('maxFiltersPerSession counts filters on every collector of the session; destroying one makes room', async () => {
    const url = await start({ maxFiltersPerSession: 3 });
    const s = await login(url);
    const task = await createTask(s);
    const created = returnval(await pc(s, 'CreatePropertyCollector'), 'CreatePropertyCollector');
    const first = returnval(await createFilter(s, task), 'CreateFilter');
    ok(await createFilter(s, task));
    ok(await createFilter(s, task, String(created._)));
    expectLimit(await createFilter(s, task), 'maxFiltersPerSession', 3);
    expectLimit(await createFilter(s, task, String(created._)), 'maxFiltersPerSession', 3);
    ok(await s.call('DestroyPropertyFilter', 'PropertyFilter', String(first._)));
    ok(await createFilter(s, task));
    // Another session has its own allowance.
    ok(await createFilter(await login(url), task));
    await othersServedQuickly(url);
  });

  test('maxCollectorsPerSession: CreatePropertyCollector past it gets LimitExceeded; DestroyPropertyCollector makes room', async () => {
    const url = await start({ maxCollectorsPerSession: 2 });
    const s = await login(url);
    const first = returnval(await pc(s, 'CreatePropertyCollector'), 'CreatePropertyCollector');
    ok(await pc(s, 'CreatePropertyCollector'));
    expectLimit(await pc(s, 'CreatePropertyCollector'), 'maxCollectorsPerSession', 2);
    ok(await pc(s, 'DestroyPropertyCollector', '', String(first._)));
    ok(await pc(s, 'CreatePropertyCollector'));
    ok(await pc(await login(url), 'CreatePropertyCollector'));
  });
});

describe('paging tokens (row 4)', () => {
  const retrieveEx = (s: SoapSession, tasks: readonly string[]) =>
    pc(s, 'RetrievePropertiesEx', `<specSet>${taskSpec(tasks)}</specSet><options><maxObjects>1</maxObjects></options>`);

  test('maxRetrieveTokens: RetrievePropertiesEx that would leave one more token gets LimitExceeded; continuing or canceling one makes room', async () => {
    const url = await start({ maxRetrieveTokens: 3 });
    const s = await login(url);
    const tasks = [await createTask(s), await createTask(s)];
    const tokens: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await retrieveEx(s, tasks);
      ok(res);
      tokens.push(String(returnval(res, 'RetrievePropertiesEx').token));
    }
    expectLimit(await retrieveEx(s, tasks), 'maxRetrieveTokens', 3);
    // A read that fits in one page needs no token and is still answered.
    ok(await pc(s, 'RetrievePropertiesEx', `<specSet>${taskSpec(tasks)}</specSet><options><maxObjects>5</maxObjects></options>`));
    ok(await pc(s, 'ContinueRetrievePropertiesEx', `<token>${tokens[0]}</token>`));
    ok(await pc(s, 'CancelRetrievePropertiesEx', `<token>${tokens[1]}</token>`));
    ok(await retrieveEx(s, tasks));
    ok(await retrieveEx(s, tasks));
    expectLimit(await retrieveEx(s, tasks), 'maxRetrieveTokens', 3);
    // Another session pages as before.
    ok(await retrieveEx(await login(url), tasks));
    await othersServedQuickly(url);
  });

  test('a token not continued within retrieveTokenIdleMs is forgotten, and its place freed', async () => {
    const url = await start({ maxRetrieveTokens: 2, retrieveTokenIdleMs: 200 });
    const s = await login(url);
    const tasks = [await createTask(s), await createTask(s)];
    const token = String(returnval(await retrieveEx(s, tasks), 'RetrievePropertiesEx').token);
    ok(await retrieveEx(s, tasks));
    await delay(400);
    expectFault(await pc(s, 'ContinueRetrievePropertiesEx', `<token>${token}</token>`), 'InvalidArgument');
    ok(await retrieveEx(s, tasks));
    ok(await retrieveEx(s, tasks));
  });
});

describe('strings (row 5)', () => {
  test('SetTaskDescription with a 1 MiB message is refused with LimitExceeded under the defaults, and nothing is stored', async () => {
    const url = await start();
    const s = await login(url);
    const task = await createTask(s);
    const big = 'x'.repeat(1024 * 1024);
    const res = await taskCall(s, task, 'SetTaskDescription', `<description><key>k</key><message>${big}</message></description>`);
    expectLimit(res, 'maxStringBytes', 64 * 1024);
    expect((await readInfo(s, task)).description).toBeUndefined();
    await othersServedQuickly(url);
  });

  test('maxStringBytes: a string of exactly the limit is stored; one byte more (counted in UTF-8) is refused', async () => {
    const url = await start({ maxStringBytes: 300 });
    const s = await login(url);
    const task = await createTask(s);
    ok(await taskCall(s, task, 'SetTaskDescription', `<description><key>k</key><message>${'é'.repeat(150)}</message></description>`));
    expectLimit(
      await taskCall(s, task, 'SetTaskDescription', `<description><key>k</key><message>${'é'.repeat(150)}a</message></description>`),
      'maxStringBytes',
      300,
    );
    expectLimit(
      await taskCall(s, task, 'SetTaskDescription', `<description><key>${'k'.repeat(301)}</key><message>m</message></description>`),
      'maxStringBytes',
      300,
    );
  });

  test('the control API refuses a string past maxStringBytes with 400', async () => {
    const url = await start({ maxStringBytes: 1000 });
    const res = await rawRequest(url, {
      path: '/_emulator/tasks',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ state: 'running', description: { key: 'k', message: 'm'.repeat(1001) } }),
    });
    expect(res.status, res.body).toBe(400);
    expect(res.body).toContain('max-string-bytes');
  });
});

describe('waiting calls (rows 6, 7, 9)', () => {
  test('maxWaiters: a wait past it gets LimitExceeded at once; one ending makes room; other calls are served', async () => {
    const url = await start({ maxWaiters: 2 });
    const sessions = [await login(url), await login(url), await login(url)];
    const task = await createTask(sessions[0]);
    const versions: string[] = [];
    for (const s of sessions) {
      ok(await createFilter(s, task));
      versions.push(await baseline(s));
    }
    const first = waitEx(sessions[0], versions[0], 30);
    const second = waitEx(sessions[1], versions[1], 30);
    await delay(100);
    const began = Date.now();
    expectLimit(await waitEx(sessions[2], versions[2], 30), 'maxWaiters', 2);
    expect(Date.now() - began).toBeLessThan(2000);
    await othersServedQuickly(url);
    ok(await pc(sessions[0], 'CancelWaitForUpdates'));
    expectFault(await first, 'RequestCanceled');
    const third = waitEx(sessions[2], versions[2], 30);
    await delay(100);
    ok(await setState(sessions[0], task, 'running'));
    for (const res of [await second, await third]) {
      ok(res);
      expect(returnval(res, 'WaitForUpdatesEx').filterSet).toBeDefined();
    }
  });

  test('the defaults admit 1,000 waiting calls', async () => {
    const url = await start();
    const admin = await login(url);
    const task = await createTask(admin);
    const waiters = await Promise.all(
      Array.from({ length: 1000 }, async () => {
        const s = await login(url);
        ok(await createFilter(s, task));
        return { s, version: await baseline(s) };
      }),
    );
    const waits = waiters.map(({ s, version }) => waitEx(s, version, 60));
    await delay(300);
    ok(await setState(admin, task, 'running'));
    for (const res of await Promise.all(waits)) ok(res);
  }, 90_000);

  test('a second WaitForUpdatesEx on the same collector cancels the first with RequestCanceled, and the second gets the change', async () => {
    const url = await start();
    const s = await login(url);
    const task = await createTask(s);
    ok(await createFilter(s, task));
    const version = await baseline(s);
    const first = waitEx(s, version, 20);
    await delay(100);
    const second = waitEx(s, version, 20);
    const began = Date.now();
    const firstAnswer = await first;
    expect(Date.now() - began).toBeLessThan(2000);
    expectFault(firstAnswer, 'RequestCanceled');
    ok(await setState(s, task, 'running'));
    const secondAnswer = await second;
    ok(secondAnswer);
    expect(JSON.stringify(returnval(secondAnswer, 'WaitForUpdatesEx').filterSet)).toContain('running');
  });

  test('WaitForUpdates (no timeout) is canceled the same way, never left asleep', async () => {
    const url = await start();
    const s = await login(url);
    const task = await createTask(s);
    ok(await createFilter(s, task));
    const version = await baseline(s);
    const first = pc(s, 'WaitForUpdates', `<version>${version}</version>`);
    await delay(100);
    const second = pc(s, 'WaitForUpdates', `<version>${version}</version>`);
    expectFault(await first, 'RequestCanceled');
    ok(await setState(s, task, 'running'));
    ok(await second);
  });

  test('maxWaitSeconds=2147483647 waits (Node timers stop at 2^31-1 ms) until canceled', async () => {
    const url = await start();
    const s = await login(url);
    const task = await createTask(s);
    ok(await createFilter(s, task));
    const version = await baseline(s);
    let answered = false;
    const wait = waitEx(s, version, 2147483647).then((res) => {
      answered = true;
      return res;
    });
    await delay(500);
    expect(answered).toBe(false);
    ok(await setState(s, task, 'running'));
    const res = await wait;
    ok(res);
    expect(faultOf(res)).toBeUndefined();
    expect(JSON.stringify(returnval(res, 'WaitForUpdatesEx').filterSet)).toContain('running');
  });

  test('with the timer in steps, a wait still ends at its deadline (maxWaitSeconds=1)', async () => {
    const url = await start();
    const s = await login(url);
    const task = await createTask(s);
    ok(await createFilter(s, task));
    const version = await baseline(s);
    const began = Date.now();
    const res = await waitEx(s, version, 1);
    ok(res);
    expect(returnval(res, 'WaitForUpdatesEx')).toBeUndefined();
    expect(Date.now() - began).toBeGreaterThanOrEqual(950);
  });
});

describe('sessionList (row 12)', () => {
  const readSessionList = async (s: SoapSession): Promise<string[]> => {
    const res = await pc(
      s,
      'RetrieveProperties',
      '<specSet><propSet><type>SessionManager</type><pathSet>sessionList</pathSet></propSet><objectSet><obj type="SessionManager">SessionManager</obj></objectSet></specSet>',
    );
    ok(res);
    const content = returnval(res, 'RetrieveProperties');
    const propSet = (content.propSet ?? {}) as Xml;
    const val = (propSet.val ?? {}) as Xml;
    const list = val.UserSession === undefined ? [] : Array.isArray(val.UserSession) ? val.UserSession : [val.UserSession];
    return (list as Xml[]).map((u) => String(u.userName));
  };

  test('without Sessions.TerminateSession a user sees only the session that asks; an Admin sees everyone', async () => {
    const url = await start({ usersFile: EXAMPLE_USERS });
    const admin = await login(url, 'admin');
    await login(url, 'operator');
    const viewer = await login(url, 'viewer');
    await login(url, 'viewer');
    expect(await readSessionList(viewer)).toEqual(['viewer']);
    expect((await readSessionList(admin)).sort()).toEqual(['admin', 'operator', 'viewer', 'viewer']);
  });
});
