// Issue 13: EventManager over raw SOAP. Every task created gets a TaskEvent on its event chain;
// PostEvent adds an extension's events; QueryEvents filters them; EventHistoryCollector pages
// them and follows new ones through the PropertyCollector; every bound holds.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EXAMPLE_USERS, startLoggedIn, type Running, type SoapConnection } from '../helpers/emulator.js';
import type { SoapSession } from '../helpers/soap-client.js';
import { createTask, expectFault, ok, readInfo, readProperty, TASK_TYPE, type Xml } from '../helpers/tasks.js';

let emulator: Running<SoapConnection>;
let admin: SoapSession;
let other: SoapSession;

beforeAll(async () => {
  emulator = await startLoggedIn({ usersFile: EXAMPLE_USERS, maxCollector: 3 }, { user: 'admin' });
  admin = emulator.session;
  other = await emulator.login('operator');
});
afterAll(async () => {
  await emulator.close();
});

const list = <T>(v: T | T[] | undefined | ''): T[] => (v === undefined || v === '' ? [] : Array.isArray(v) ? v : [v]);

async function query(s: SoapSession, filter: string): Promise<Xml[]> {
  const res = await s.call('QueryEvents', 'EventManager', 'EventManager', `<filter>${filter}</filter>`);
  ok(res);
  return list((res.result.QueryEventsResponse as Xml).returnval as Xml | Xml[]);
}

const keysOf = (events: Xml[]) => events.map((e) => Number(e.key));

/** An ExtendedEvent as a client sends it: the server's fields zero, as govmomi writes them. */
function extendedEvent(message: string, eventTypeId = 'com.example.ext.step', extra = ''): string {
  return (
    `<eventToPost xsi:type="ExtendedEvent" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><key>0</key><chainId>0</chainId>` +
    `<createdTime>2000-01-01T00:00:00Z</createdTime><userName>someone-else</userName>${extra}<message>${message}</message>` +
    `<eventTypeId>${eventTypeId}</eventTypeId><managedObject type="Folder">group-d1</managedObject></eventToPost>`
  );
}

/** The TaskInfo element PostEvent takes, from the task's current info as the server reports it. */
async function taskInfoArg(task: string): Promise<string> {
  const info = await readInfo(admin, task);
  return `<taskInfo><key>${task}</key><task type="Task">${task}</task><descriptionId>${TASK_TYPE}</descriptionId><state>${info.state}</state><cancelled>false</cancelled><cancelable>true</cancelable><reason xsi:type="TaskReasonUser" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><userName>admin</userName></reason><queueTime>${info.queueTime}</queueTime><eventChainId>${info.eventChainId}</eventChainId></taskInfo>`;
}

/** One property's value, read with the shared helper and typed for this file. */
async function retrieve(s: SoapSession, type: string, value: string, path: string): Promise<Xml | undefined> {
  return (await readProperty(s, type, value, path)) as Xml | undefined;
}

describe('TaskEvent', () => {
  test('CreateTask posts a TaskEvent whose key and chainId are the task eventChainId, with the user, entity, queued info and message', async () => {
    const task = await createTask(admin, { obj: '<obj type="VirtualMachine">vm-17</obj>' });
    const info = await readInfo(admin, task);
    const chain = Number(info.eventChainId);
    expect(chain).toBeGreaterThan(0);
    const events = await query(admin, `<eventChainId>${chain}</eventChainId>`);
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event.$!['xsi:type']).toBe('TaskEvent');
    expect(Number(event.key)).toBe(chain);
    expect(Number(event.chainId)).toBe(chain);
    expect(event.userName).toBe('admin');
    expect(event.createdTime).toBe(info.queueTime);
    expect(event.fullFormattedMessage).toBe(`Task: ${TASK_TYPE}`);
    expect(event.vm).toEqual({ name: 'vm-17', vm: { _: 'vm-17', $: { type: 'VirtualMachine' } } });
    const eventInfo = event.info as Xml;
    expect(eventInfo.key).toBe(task);
    expect(eventInfo.state).toBe('queued');
    expect(Number(eventInfo.eventChainId)).toBe(chain);
  });

  test('each task gets its own chain, in creation order, and a later state change posts nothing on it', async () => {
    const a = await createTask(admin);
    const b = await createTask(other);
    const chainA = Number((await readInfo(admin, a)).eventChainId);
    const chainB = Number((await readInfo(admin, b)).eventChainId);
    expect(chainB).toBeGreaterThan(chainA);
    ok(await admin.call('SetTaskState', 'Task', a, '<state>running</state>'));
    const events = await query(admin, `<eventChainId>${chainA}</eventChainId>`);
    expect(events.map((e) => (e.info as Xml).key)).toEqual([a]);
    expect((await query(admin, `<eventChainId>${chainB}</eventChainId>`))[0].userName).toBe('operator');
  });
});

describe('PostEvent', () => {
  test('an ExtendedEvent posted against a task joins its chain; the server sets key, time, chain and user', async () => {
    const task = await createTask(admin);
    const chain = Number((await readInfo(admin, task)).eventChainId);
    const before = Date.now();
    ok(await admin.call('PostEvent', 'EventManager', 'EventManager', extendedEvent('halfway there') + (await taskInfoArg(task))));
    const events = await query(admin, `<eventChainId>${chain}</eventChainId>`);
    expect(events.map((e) => e.$!['xsi:type'])).toEqual(['ExtendedEvent', 'TaskEvent']);
    const posted = events[0];
    expect(Number(posted.chainId)).toBe(chain);
    expect(Number(posted.key)).toBeGreaterThan(chain);
    expect(posted.userName).toBe('admin');
    expect(Date.parse(posted.createdTime as string)).toBeGreaterThanOrEqual(before - 1000);
    expect(posted.message).toBe('halfway there');
    expect(posted.fullFormattedMessage).toBe('halfway there');
    expect(posted.eventTypeId).toBe('com.example.ext.step');
  });

  test('without a task the event starts its own chain; GeneralUserEvent is category user', async () => {
    ok(
      await admin.call(
        'PostEvent',
        'EventManager',
        'EventManager',
        '<eventToPost xsi:type="GeneralUserEvent" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><key>0</key><chainId>0</chainId><createdTime>2000-01-01T00:00:00Z</createdTime><userName></userName><message>note to self</message></eventToPost>',
      ),
    );
    const [latest] = await query(admin, '<category>user</category><maxCount>1</maxCount>');
    expect(latest.$!['xsi:type']).toBe('GeneralUserEvent');
    expect(latest.chainId).toBe(latest.key);
    expect(latest.message).toBe('note to self');
  });

  test('a TaskEvent cannot be posted (the server posts those), and posting needs Global.LogEvent', async () => {
    const task = await createTask(admin);
    const info = (await taskInfoArg(task)).replace(/^<taskInfo>/, '<info>').replace(/<\/taskInfo>$/, '</info>');
    const res = await admin.call(
      'PostEvent',
      'EventManager',
      'EventManager',
      `<eventToPost xsi:type="TaskEvent" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><key>0</key><chainId>0</chainId><createdTime>2000-01-01T00:00:00Z</createdTime><userName></userName>${info}</eventToPost>`,
    );
    expectFault(res, 'InvalidEvent');
    const creator = await emulator.login('creator');
    expectFault(await creator.call('PostEvent', 'EventManager', 'EventManager', extendedEvent('no')), 'NoPermission', { privilegeId: 'Global.LogEvent' });
  });
});

describe('QueryEvents filters', () => {
  let vmChain = 0;
  let folderChain = 0;
  beforeAll(async () => {
    vmChain = Number((await readInfo(admin, await createTask(admin, { obj: '<obj type="VirtualMachine">vm-filter</obj>' }))).eventChainId);
    folderChain = Number((await readInfo(admin, await createTask(other))).eventChainId);
  });

  test('entity: self names only the entity; children and all from the root folder reach what it contains', async () => {
    const self = keysOf(await query(admin, '<entity><entity type="VirtualMachine">vm-filter</entity><recursion>self</recursion></entity>'));
    expect(self).toEqual([vmChain]);
    const rootSelf = keysOf(await query(admin, '<entity><entity type="Folder">group-d1</entity><recursion>self</recursion></entity>'));
    expect(rootSelf).toContain(folderChain);
    expect(rootSelf).not.toContain(vmChain);
    for (const recursion of ['children', 'all']) {
      const found = keysOf(await query(admin, `<entity><entity type="Folder">group-d1</entity><recursion>${recursion}</recursion></entity>`));
      expect(found).toContain(vmChain);
      expect(found).toContain(folderChain);
    }
    expect(await query(admin, '<entity><entity type="VirtualMachine">vm-none</entity><recursion>all</recursion></entity>')).toEqual([]);
  });

  test('userName, eventTypeId, type and time select exactly the matching events, newest first', async () => {
    const byOperator = await query(admin, '<userName><systemUser>false</systemUser><userList>operator</userList></userName>');
    expect(byOperator.length).toBeGreaterThan(0);
    expect(new Set(byOperator.map((e) => e.userName))).toEqual(new Set(['operator']));
    expect(keysOf(byOperator)).toContain(folderChain);
    const keys = keysOf(byOperator);
    expect(keys).toEqual([...keys].sort((a, b) => b - a));

    const extended = await query(admin, '<eventTypeId>com.example.ext.step</eventTypeId>');
    expect(extended.length).toBeGreaterThan(0);
    expect(new Set(extended.map((e) => e.$!['xsi:type']))).toEqual(new Set(['ExtendedEvent']));
    const tasks = await query(admin, '<eventTypeId>TaskEvent</eventTypeId>');
    expect(new Set(tasks.map((e) => e.$!['xsi:type']))).toEqual(new Set(['TaskEvent']));
    expect(keysOf(await query(admin, '<type>TaskEvent</type>'))).toEqual(keysOf(tasks));

    const vmEvent = (await query(admin, `<eventChainId>${vmChain}</eventChainId>`))[0];
    const at = vmEvent.createdTime as string;
    const exact = await query(admin, `<time><beginTime>${at}</beginTime><endTime>${at}</endTime></time>`);
    expect(keysOf(exact)).toContain(vmChain);
    for (const event of exact) expect(event.createdTime).toBe(at);
    const later = new Date(Date.parse(at) + 1).toISOString();
    expect(keysOf(await query(admin, `<time><beginTime>${later}</beginTime></time>`))).not.toContain(vmChain);
  });

  test('maxCount returns the newest that many; negative is InvalidArgument; disableFullMessage drops the message', async () => {
    const all = await query(admin, '');
    const two = await query(admin, '<maxCount>2</maxCount>');
    expect(keysOf(two)).toEqual(keysOf(all).slice(0, 2));
    expectFault(await admin.call('QueryEvents', 'EventManager', 'EventManager', '<filter><maxCount>-1</maxCount></filter>'), 'InvalidArgument');
    const bare = await query(admin, `<eventChainId>${vmChain}</eventChainId><disableFullMessage>true</disableFullMessage>`);
    expect(bare).toHaveLength(1);
    expect(bare[0].fullFormattedMessage).toBeUndefined();
  });
});

describe('EventManager properties', () => {
  test('latestEvent is the newest event; description names the categories and the event types posted; maxCollector', async () => {
    const task = await createTask(admin);
    const latest = (await retrieve(admin, 'EventManager', 'EventManager', 'latestEvent')) ?? {};
    expect(latest.$?.['xsi:type']).toBe('TaskEvent');
    expect((latest.info as Xml).key).toBe(task);
    const description = (await retrieve(admin, 'EventManager', 'EventManager', 'description')) ?? {};
    expect(list(description.category as Xml[]).map((c) => c.key)).toEqual(['info', 'warning', 'error', 'user']);
    const infos = list(description.eventInfo as Xml[]);
    expect(infos.find((i) => i.key === 'TaskEvent')?.category).toBe('info');
    expect(infos.find((i) => i.key === 'GeneralUserEvent')?.category).toBe('user');
    expect((await retrieve(admin, 'EventManager', 'EventManager', 'maxCollector'))?._).toBe('3');
  });
});

describe('EventHistoryCollector', () => {
  async function collector(s: SoapSession, filter: string): Promise<string> {
    const res = await s.call('CreateCollectorForEvents', 'EventManager', 'EventManager', `<filter>${filter}</filter>`);
    ok(res);
    return ((res.result.CreateCollectorForEventsResponse as Xml).returnval as Xml)._ as string;
  }
  async function read(s: SoapSession, c: string, method: 'ReadNextEvents' | 'ReadPreviousEvents', maxCount: number): Promise<number[]> {
    const res = await s.call(method, 'EventHistoryCollector', c, `<maxCount>${maxCount}</maxCount>`);
    ok(res);
    return keysOf(list((res.result[`${method}Response`] as Xml).returnval as Xml | Xml[]));
  }
  async function readAll(s: SoapSession, c: string, method: 'ReadNextEvents' | 'ReadPreviousEvents', size: number): Promise<number[]> {
    const seen: number[] = [];
    for (;;) {
      const page = await read(s, c, method, size);
      expect(page.length).toBeLessThanOrEqual(size);
      if (!page.length) return seen;
      seen.push(...page);
    }
  }
  async function latestPage(s: SoapSession, c: string): Promise<number[]> {
    const val = await retrieve(s, 'EventHistoryCollector', c, 'latestPage');
    if (!val) return [];
    expect(val.$!['xsi:type']).toBe('ArrayOfEvent');
    return keysOf(list(val.Event as Xml | Xml[]));
  }
  const byUser = (user: string) => `<userName><systemUser>false</systemUser><userList>${user}</userList></userName>`;

  test('pages forwards (oldest first) and backwards (newest first) exactly once; latestPage is the newest pageSize, newest first', async () => {
    const s = await emulator.login('admin');
    const chains: number[] = [];
    for (let i = 0; i < 25; i++) chains.push(Number((await readInfo(admin, await createTask(s, { initiatedBy: 'pager' }))).eventChainId));
    const c = await collector(admin, byUser('pager'));
    expect(await readAll(admin, c, 'ReadNextEvents', 7)).toEqual(chains);
    expect(await readAll(admin, c, 'ReadPreviousEvents', 7)).toEqual([...chains].reverse());
    expect(await latestPage(admin, c)).toEqual(chains.slice(-10).reverse());
    ok(await admin.call('SetCollectorPageSize', 'EventHistoryCollector', c, '<maxCount>4</maxCount>'));
    expect(await latestPage(admin, c)).toEqual(chains.slice(-4).reverse());
    ok(await admin.call('ResetCollector', 'EventHistoryCollector', c));
    expect(await read(admin, c, 'ReadNextEvents', 100)).toEqual(chains.slice(-4));
    expect(await read(admin, c, 'ReadPreviousEvents', 2)).toEqual([chains[24], chains[23]]);
    ok(await admin.call('RewindCollector', 'EventHistoryCollector', c));
    expect(await read(admin, c, 'ReadNextEvents', 3)).toEqual(chains.slice(0, 3));
    expectFault(await admin.call('ReadNextEvents', 'EventHistoryCollector', c, '<maxCount>0</maxCount>'), 'InvalidArgument');
    expectFault(await admin.call('SetCollectorPageSize', 'EventHistoryCollector', c, '<maxCount>1001</maxCount>'), 'InvalidArgument');
    ok(await admin.call('DestroyCollector', 'EventHistoryCollector', c));
    expectFault(await admin.call('ReadNextEvents', 'EventHistoryCollector', c, '<maxCount>1</maxCount>'), 'ManagedObjectNotFound');
  }, 60_000);

  test('latestPage changes reach WaitForUpdatesEx when a task is created', async () => {
    const s = await emulator.login('admin');
    const c = await collector(s, byUser('follower'));
    ok(
      await s.call(
        'CreateFilter',
        'PropertyCollector',
        'propertyCollector',
        `<spec><propSet><type>EventHistoryCollector</type><pathSet>latestPage</pathSet></propSet><objectSet><obj type="EventHistoryCollector">${c}</obj></objectSet></spec><partialUpdates>false</partialUpdates>`,
      ),
    );
    const first = await s.call('WaitForUpdatesEx', 'PropertyCollector', 'propertyCollector', '');
    const version = ((first.result.WaitForUpdatesExResponse as Xml).returnval as Xml).version as string;
    const waiting = s.call('WaitForUpdatesEx', 'PropertyCollector', 'propertyCollector', `<version>${version}</version>`);
    await new Promise((r) => setTimeout(r, 50));
    const task = await createTask(admin, { initiatedBy: 'follower' });
    const update = await waiting;
    ok(update);
    const change = ((((update.result.WaitForUpdatesExResponse as Xml).returnval as Xml).filterSet as Xml).objectSet as Xml).changeSet as Xml;
    expect(change.name).toBe('latestPage');
    const events = list((change.val as Xml).Event as Xml | Xml[]);
    expect(events.map((e) => (e.info as Xml).key)).toEqual([task]);
    ok(await s.call('Logout', 'SessionManager', 'SessionManager'));
  });

  test("another session's collector is ManagedObjectNotFound, through the PropertyCollector too", async () => {
    const c = await collector(admin, '');
    expectFault(await other.call('ReadNextEvents', 'EventHistoryCollector', c, '<maxCount>1</maxCount>'), 'ManagedObjectNotFound');
    expectFault(await other.call('DestroyCollector', 'EventHistoryCollector', c), 'ManagedObjectNotFound');
    const res = await other.call(
      'RetrieveProperties',
      'PropertyCollector',
      'propertyCollector',
      `<specSet><propSet><type>EventHistoryCollector</type><pathSet>latestPage</pathSet></propSet><objectSet><obj type="EventHistoryCollector">${c}</obj></objectSet></specSet>`,
    );
    expectFault(res, 'ManagedObjectNotFound');
    ok(await admin.call('DestroyCollector', 'EventHistoryCollector', c));
  });

  test('collectors count toward maxCollector per session; destroying one or logging out gives the place back', async () => {
    const s = await emulator.login('admin');
    const made = [await collector(s, ''), await collector(s, ''), await collector(s, '')];
    const res = await s.call('CreateCollectorForEvents', 'EventManager', 'EventManager', '<filter></filter>');
    expectFault(res, 'InvalidState');
    // Task history collectors are counted apart, as vCenter's two maxCollector properties are.
    ok(await s.call('CreateCollectorForTasks', 'TaskManager', 'TaskManager', '<filter></filter>'));
    ok(await s.call('DestroyCollector', 'EventHistoryCollector', made[0]));
    await collector(s, '');
    ok(await s.call('Logout', 'SessionManager', 'SessionManager'));
    const again = await emulator.login('admin');
    expectFault(await again.call('ReadNextEvents', 'EventHistoryCollector', made[1], '<maxCount>1</maxCount>'), 'ManagedObjectNotFound');
  });
});

describe('bounds', () => {
  test('the ring keeps maxEvents events: the oldest are forgotten, by queries and collectors alike', async () => {
    const small = await startLoggedIn({ maxEvents: 20 });
    try {
      const s = small.session;
      const c = await (async () => {
        const res = await s.call('CreateCollectorForEvents', 'EventManager', 'EventManager', '<filter></filter>');
        ok(res);
        return ((res.result.CreateCollectorForEventsResponse as Xml).returnval as Xml)._ as string;
      })();
      const chains: number[] = [];
      for (let i = 0; i < 30; i++) chains.push(Number((await readInfo(s, await createTask(s))).eventChainId));
      const all = await query(s, '');
      expect(keysOf(all)).toEqual(chains.slice(-20).reverse());
      expect(await query(s, `<eventChainId>${chains[0]}</eventChainId>`)).toEqual([]);
      const res = await s.call('ReadNextEvents', 'EventHistoryCollector', c, '<maxCount>100</maxCount>');
      ok(res);
      expect(keysOf(list((res.result.ReadNextEventsResponse as Xml).returnval as Xml | Xml[]))).toEqual(chains.slice(-20));
    } finally {
      await small.close();
    }
  });

  test('QueryEvents returns at most 1,000 events, whatever maxCount asks', async () => {
    const big = await startLoggedIn({ maxEvents: 5000 });
    try {
      const s = big.session;
      for (let i = 0; i < 1010; i++) await createTask(s);
      expect(await query(s, '')).toHaveLength(1000);
      expect(await query(s, '<maxCount>5000</maxCount>')).toHaveLength(1000);
      expect(await query(s, '<maxCount>1005</maxCount>')).toHaveLength(1000);
    } finally {
      await big.close();
    }
  }, 120_000);
});
