// Issue 4: TaskHistoryCollector over raw SOAP: paging 1,000 tasks from two sessions, one test
// per TaskFilterSpec field, latestPage live through the PropertyCollector, ownership, limits.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startLoggedIn, type Running, type SoapConnection } from '../helpers/emulator.js';
import { SoapSession } from '../helpers/soap-client.js';
import { createTask, expectFault, ok, setState, taskCall, type Xml } from '../helpers/tasks.js';

let emulator: Running<SoapConnection>;
let alice: SoapSession;
let bob: SoapSession;

beforeAll(async () => {
  emulator = await startLoggedIn({ maxTasks: 100_000 }, { user: 'alice', password: 'pw' });
  alice = emulator.session;
  bob = await emulator.login('bob', 'pw');
});
afterAll(async () => {
  await emulator.close();
});

const list = <T>(v: T | T[] | undefined | ''): T[] => (v === undefined || v === '' ? [] : Array.isArray(v) ? v : [v]);

async function collector(s: SoapSession, filter: string): Promise<string> {
  const res = await s.call('CreateCollectorForTasks', 'TaskManager', 'TaskManager', `<filter>${filter}</filter>`);
  ok(res);
  return ((res.result.CreateCollectorForTasksResponse as Xml).returnval as Xml)._ as string;
}

async function read(s: SoapSession, c: string, method: 'ReadNextTasks' | 'ReadPreviousTasks', maxCount: number): Promise<string[]> {
  const res = await s.call(method, 'TaskHistoryCollector', c, `<maxCount>${maxCount}</maxCount>`);
  ok(res);
  return list((res.result[`${method}Response`] as Xml).returnval as Xml | Xml[]).map((info) => info.key as string);
}

async function readAll(s: SoapSession, c: string, method: 'ReadNextTasks' | 'ReadPreviousTasks', pageSize: number): Promise<string[]> {
  const seen: string[] = [];
  for (;;) {
    const page = await read(s, c, method, pageSize);
    expect(page.length).toBeLessThanOrEqual(pageSize);
    if (!page.length) return seen;
    seen.push(...page);
  }
}

async function matchingKeys(filter: string): Promise<string[]> {
  const c = await collector(alice, filter);
  const keys = await readAll(alice, c, 'ReadNextTasks', 100);
  ok(await alice.call('DestroyCollector', 'TaskHistoryCollector', c));
  return keys;
}

async function latestPage(s: SoapSession, c: string): Promise<string[]> {
  const res = await s.call(
    'RetrieveProperties',
    'PropertyCollector',
    'propertyCollector',
    `<specSet><propSet><type>TaskHistoryCollector</type><pathSet>latestPage</pathSet></propSet><objectSet><obj type="TaskHistoryCollector">${c}</obj></objectSet></specSet>`,
  );
  ok(res);
  const returnval = (res.result.RetrievePropertiesResponse as Xml).returnval as Xml | undefined;
  if (!returnval?.propSet) return [];
  const val = (returnval.propSet as Xml).val as Xml;
  expect(val.$!['xsi:type']).toBe('ArrayOfTaskInfo');
  return list(val.TaskInfo as Xml | Xml[]).map((info) => info.key as string);
}

test('1,000 tasks from two sessions page forwards and backwards with page size 7, each exactly once, in order', async () => {
  const created: string[] = [];
  for (let i = 0; i < 1000; i++) created.push(await createTask(i % 2 ? bob : alice, { initiatedBy: 'pager' }));
  const c = await collector(alice, '<userName><systemUser>false</systemUser><userList>pager</userList></userName>');
  const forwards = await readAll(alice, c, 'ReadNextTasks', 7);
  expect(forwards).toEqual(created);
  const backwards = await readAll(alice, c, 'ReadPreviousTasks', 7);
  expect(backwards).toEqual([...created].reverse());
  ok(await alice.call('RewindCollector', 'TaskHistoryCollector', c));
  expect(await read(alice, c, 'ReadNextTasks', 7)).toEqual(created.slice(0, 7));
  ok(await alice.call('DestroyCollector', 'TaskHistoryCollector', c));
}, 120_000);

describe('one test per TaskFilterSpec field', () => {
  test('entity with recursion self / children / all', async () => {
    const onVm = await createTask(alice, { obj: '<obj type="VirtualMachine">vm-filter-1</obj>', initiatedBy: 'entity-test' });
    const onRoot = await createTask(alice, { initiatedBy: 'entity-test' });
    const user = '<userName><systemUser>false</systemUser><userList>entity-test</userList></userName>';
    expect(await matchingKeys(`<entity><entity type="VirtualMachine">vm-filter-1</entity><recursion>self</recursion></entity>${user}`)).toEqual([onVm]);
    expect(await matchingKeys(`<entity><entity type="Folder">group-d1</entity><recursion>self</recursion></entity>${user}`)).toEqual([onRoot]);
    expect(await matchingKeys(`<entity><entity type="Folder">group-d1</entity><recursion>children</recursion></entity>${user}`)).toEqual([onVm, onRoot]);
    expect(await matchingKeys(`<entity><entity type="Folder">group-d1</entity><recursion>all</recursion></entity>${user}`)).toEqual([onVm, onRoot]);
    expect(await matchingKeys(`<entity><entity type="VirtualMachine">vm-filter-1</entity><recursion>all</recursion></entity>${user}`)).toEqual([onVm]);
  });

  test('entity recursion follows the inventory tree: children is one level down, all every level', async () => {
    const inventory = emulator.emulator.control.inventory();
    const at = (path: string) => {
      const entity = inventory.find((e) => e.path === path);
      if (!entity) throw new Error(`no ${path} in the inventory`);
      return `<entity type="${entity.type}">${entity.ref}</entity>`;
    };
    const onVm = await createTask(alice, { obj: at('/DC0/vm/web-01').replaceAll('entity', 'obj'), initiatedBy: 'tree-test' });
    const onHost = await createTask(alice, { obj: at('/DC0/host/C0/esx-01').replaceAll('entity', 'obj'), initiatedBy: 'tree-test' });
    const user = '<userName><systemUser>false</systemUser><userList>tree-test</userList></userName>';
    const keys = (path: string, recursion: string) => matchingKeys(`<entity>${at(path)}<recursion>${recursion}</recursion></entity>${user}`);
    expect(await keys('/DC0/vm', 'children')).toEqual([onVm]);
    expect(await keys('/DC0', 'children')).toEqual([]);
    expect(await keys('/DC0', 'all')).toEqual([onVm, onHost]);
    expect(await keys('/DC0/host/C0', 'children')).toEqual([onHost]);
    expect(await keys('/DC0/host/C0', 'all')).toEqual([onHost]);
    expect(await keys('/', 'children')).toEqual([]);
    expect(await keys('/', 'all')).toEqual([onVm, onHost]);
  });

  test('time: queuedTime, startedTime and completedTime with begin and end', async () => {
    const user = '<userName><systemUser>false</systemUser><userList>time-test</userList></userName>';
    const early = await createTask(alice, { initiatedBy: 'time-test' });
    await new Promise((r) => setTimeout(r, 20));
    const between = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    const late = await createTask(alice, { initiatedBy: 'time-test' });
    ok(await setState(alice, late, 'running'));
    ok(await setState(alice, early, 'success'));
    expect(await matchingKeys(`<time><timeType>queuedTime</timeType><beginTime>${between}</beginTime></time>${user}`)).toEqual([late]);
    expect(await matchingKeys(`<time><timeType>queuedTime</timeType><endTime>${between}</endTime></time>${user}`)).toEqual([early]);
    expect(await matchingKeys(`<time><timeType>startedTime</timeType><beginTime>${between}</beginTime></time>${user}`)).toEqual([late]);
    expect(await matchingKeys(`<time><timeType>completedTime</timeType><beginTime>${between}</beginTime></time>${user}`)).toEqual([early]);
  });

  test('userName: userList and systemUser', async () => {
    const mine = await createTask(alice, { initiatedBy: 'user-a' });
    await createTask(alice, { initiatedBy: 'user-b' });
    expect(await matchingKeys('<userName><systemUser>false</systemUser><userList>user-a</userList></userName>')).toEqual([mine]);
    expect(await matchingKeys('<userName><systemUser>true</systemUser></userName>')).toEqual([]); // no system tasks exist
  });

  test('state', async () => {
    const user = '<userName><systemUser>false</systemUser><userList>state-test</userList></userName>';
    const queued = await createTask(alice, { initiatedBy: 'state-test' });
    const running = await createTask(alice, { initiatedBy: 'state-test' });
    ok(await setState(alice, running, 'running'));
    expect(await matchingKeys(`<state>running</state>${user}`)).toEqual([running]);
    expect(await matchingKeys(`<state>queued</state><state>running</state>${user}`)).toEqual([queued, running]);
  });

  test('activationId', async () => {
    const res = await alice.call(
      'CreateTask',
      'TaskManager',
      'TaskManager',
      '<obj type="Folder">group-d1</obj><taskTypeId>com.vmware.govmomi.simulator.test</taskTypeId><cancelable>true</cancelable><activationId>act-77</activationId>',
    );
    ok(res);
    const key = ((res.result.CreateTaskResponse as Xml).returnval as Xml).key;
    expect(await matchingKeys('<activationId>act-77</activationId>')).toEqual([key]);
  });

  test('eventChainId', async () => {
    const res = await alice.call(
      'CreateTask',
      'TaskManager',
      'TaskManager',
      '<obj type="Folder">group-d1</obj><taskTypeId>com.vmware.govmomi.simulator.test</taskTypeId><cancelable>true</cancelable>',
    );
    const info = (res.result.CreateTaskResponse as Xml).returnval as Xml;
    expect(await matchingKeys(`<eventChainId>${info.eventChainId as string}</eventChainId>`)).toEqual([info.key]);
  });

  test("parentTaskKey and rootTaskKey find a parent's children and a root's descendants", async () => {
    const root = await createTask(alice);
    const child = await createTask(alice, { parentTaskKey: root });
    const grandchild = await createTask(alice, { parentTaskKey: child });
    expect(await matchingKeys(`<parentTaskKey>${root}</parentTaskKey>`)).toEqual([child]);
    expect(await matchingKeys(`<parentTaskKey>${child}</parentTaskKey>`)).toEqual([grandchild]);
    expect(await matchingKeys(`<rootTaskKey>${root}</rootTaskKey>`)).toEqual([child, grandchild]);
  });

  test('alarm, scheduledTask and tag select only tasks with that reason or tag (none here)', async () => {
    await createTask(alice);
    expect(await matchingKeys('<alarm type="Alarm">alarm-1</alarm>')).toEqual([]);
    expect(await matchingKeys('<scheduledTask type="ScheduledTask">schedule-1</scheduledTask>')).toEqual([]);
    expect(await matchingKeys('<tag>nightly</tag>')).toEqual([]);
  });
});

describe('collector behaviour', () => {
  test('latestPage: the newest pageSize tasks, updated live through WaitForUpdatesEx', async () => {
    const user = '<userName><systemUser>false</systemUser><userList>latest-test</userList></userName>';
    const keys: string[] = [];
    for (let i = 0; i < 12; i++) keys.push(await createTask(alice, { initiatedBy: 'latest-test' }));
    const c = await collector(alice, user);
    expect(await latestPage(alice, c)).toEqual(keys.slice(-10));
    ok(await alice.call('SetCollectorPageSize', 'TaskHistoryCollector', c, '<maxCount>5</maxCount>'));
    expect(await latestPage(alice, c)).toEqual(keys.slice(-5));

    ok(
      await alice.call(
        'CreateFilter',
        'PropertyCollector',
        'propertyCollector',
        `<spec><propSet><type>TaskHistoryCollector</type><pathSet>latestPage</pathSet></propSet><objectSet><obj type="TaskHistoryCollector">${c}</obj></objectSet></spec><partialUpdates>false</partialUpdates>`,
      ),
    );
    const first = await alice.call('WaitForUpdatesEx', 'PropertyCollector', 'propertyCollector', '');
    const version = ((first.result.WaitForUpdatesExResponse as Xml).returnval as Xml).version as string;
    const waiting = alice.call('WaitForUpdatesEx', 'PropertyCollector', 'propertyCollector', `<version>${version}</version>`);
    await new Promise((r) => setTimeout(r, 50));
    const newest = await createTask(bob, { initiatedBy: 'latest-test' });
    const update = await waiting;
    ok(update);
    const change = ((((update.result.WaitForUpdatesExResponse as Xml).returnval as Xml).filterSet as Xml).objectSet as Xml).changeSet as Xml;
    expect(change.name).toBe('latestPage');
    expect(list((change.val as Xml).TaskInfo as Xml[]).map((i) => i.key)).toEqual([...keys.slice(-4), newest]);
  });

  test('latestPage follows tasks entering and leaving the filter in any order, as a scan of all tasks would', async () => {
    // state = running: tasks enter when started (older ones too) and leave when they finish.
    const c = await collector(alice, '<state>running</state><userName><systemUser>false</systemUser><userList>churn-test</userList></userName>');
    ok(await alice.call('SetCollectorPageSize', 'TaskHistoryCollector', c, '<maxCount>4</maxCount>'));
    const states = new Map<string, 'queued' | 'running' | 'success'>();
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 48271) % 2147483647;
      return Math.floor((seed / 2147483647) * n);
    };
    for (let step = 0; step < 200; step++) {
      const keys = [...states.keys()];
      const queued = keys.filter((k) => states.get(k) === 'queued');
      const running = keys.filter((k) => states.get(k) === 'running');
      // Weighted so that more tasks run than the page holds: leaving then uncovers older ones.
      const roll = random(10);
      const choice = roll < 3 ? 0 : roll < 6 ? 1 : roll < 8 ? 2 : 3;
      if (choice === 0 || !keys.length) {
        states.set(await createTask(alice, { initiatedBy: 'churn-test' }), 'queued');
      } else if (choice === 1 && queued.length) {
        const key = queued[random(queued.length)];
        ok(await setState(alice, key, 'running'));
        states.set(key, 'running');
      } else if (choice === 2 && running.length) {
        const key = running[random(running.length)];
        ok(await setState(alice, key, 'success'));
        states.set(key, 'success');
      } else if (running.length) {
        ok(await taskCall(alice, running[random(running.length)], 'UpdateProgress', `<percentDone>${random(100)}</percentDone>`));
      }
      const expected = [...states]
        .filter(([, state]) => state === 'running')
        .map(([key]) => key)
        .slice(-4);
      expect(await latestPage(alice, c), `after step ${step}`).toEqual(expected);
    }
    ok(await alice.call('DestroyCollector', 'TaskHistoryCollector', c));
  });

  test('ResetCollector puts the cursor before the latest page', async () => {
    const keys: string[] = [];
    for (let i = 0; i < 15; i++) keys.push(await createTask(alice, { initiatedBy: 'reset-test' }));
    const c = await collector(alice, '<userName><systemUser>false</systemUser><userList>reset-test</userList></userName>');
    ok(await alice.call('ResetCollector', 'TaskHistoryCollector', c));
    expect(await readAll(alice, c, 'ReadPreviousTasks', 4)).toEqual(keys.slice(0, 5).reverse());
    ok(await alice.call('ResetCollector', 'TaskHistoryCollector', c));
    expect(await readAll(alice, c, 'ReadNextTasks', 4)).toEqual(keys.slice(5));
  });

  test('maxCount out of range is InvalidArgument', async () => {
    const c = await collector(alice, '');
    expectFault(await alice.call('ReadNextTasks', 'TaskHistoryCollector', c, '<maxCount>0</maxCount>'), 'InvalidArgument', { invalidProperty: 'maxCount' });
    expectFault(await alice.call('SetCollectorPageSize', 'TaskHistoryCollector', c, '<maxCount>-1</maxCount>'), 'InvalidArgument', {
      invalidProperty: 'maxCount',
    });
    ok(await alice.call('DestroyCollector', 'TaskHistoryCollector', c));
  });

  test('collectors belong to their session; destroyed ones are ManagedObjectNotFound', async () => {
    const c = await collector(alice, '');
    expectFault(await bob.call('ReadNextTasks', 'TaskHistoryCollector', c, '<maxCount>1</maxCount>'), 'ManagedObjectNotFound');
    ok(await alice.call('DestroyCollector', 'TaskHistoryCollector', c));
    expectFault(await alice.call('ReadNextTasks', 'TaskHistoryCollector', c, '<maxCount>1</maxCount>'), 'ManagedObjectNotFound');
  });

  test('more than maxCollector collectors in one session is InvalidState; Logout destroys them', async () => {
    const s = await emulator.login('many', 'pw');
    const made: string[] = [];
    for (let i = 0; i < 32; i++) made.push(await collector(s, ''));
    expectFault(await s.call('CreateCollectorForTasks', 'TaskManager', 'TaskManager', '<filter></filter>'), 'InvalidState');
    ok(await s.call('DestroyCollector', 'TaskHistoryCollector', made[0]));
    made[0] = await collector(s, '');
    const cookie = s.cookie;
    ok(await s.call('Logout', 'SessionManager', 'SessionManager'));
    const again = await emulator.login('many', 'pw');
    again.cookie = again.cookie ?? cookie;
    expectFault(await again.call('ReadNextTasks', 'TaskHistoryCollector', made[1], '<maxCount>1</maxCount>'), 'ManagedObjectNotFound');
  });
});

test('evicted tasks drop out of collectors without errors', async () => {
  const small = await startLoggedIn({ maxTasks: 5 }, { user: 'a', password: 'b' });
  try {
    const s = small.session;
    const c = await collector(s, '');
    const keys: string[] = [];
    for (let i = 0; i < 8; i++) {
      const key = await createTask(s);
      ok(await setState(s, key, 'success'));
      keys.push(key);
    }
    expect(await readAll(s, c, 'ReadNextTasks', 3)).toEqual(keys.slice(3));
    expectFault(await taskCall(s, keys[0], 'CancelTask'), 'ManagedObjectNotFound');
  } finally {
    await small.close();
  }
});

test('Logout while waiting on a collector the session owns ends the wait (no wait is left sleeping)', async () => {
  const s = await emulator.login('waiter', 'pw');
  const c = await collector(s, '');
  ok(
    await s.call(
      'CreateFilter',
      'PropertyCollector',
      'propertyCollector',
      `<spec><propSet><type>TaskHistoryCollector</type><pathSet>latestPage</pathSet></propSet><objectSet><obj type="TaskHistoryCollector">${c}</obj></objectSet></spec><partialUpdates>false</partialUpdates>`,
    ),
  );
  const first = await s.call('WaitForUpdatesEx', 'PropertyCollector', 'propertyCollector', '');
  const version = ((first.result.WaitForUpdatesExResponse as Xml).returnval as Xml).version as string;
  const other = new SoapSession(emulator.url());
  other.cookie = s.cookie;
  const waiting = other.call('WaitForUpdatesEx', 'PropertyCollector', 'propertyCollector', `<version>${version}</version>`);
  await new Promise((r) => setTimeout(r, 50));
  ok(await s.call('Logout', 'SessionManager', 'SessionManager'));
  const res = await waiting;
  expect([200, 500]).toContain(res.status);
  if (res.status === 500) expectFault(res, 'RequestCanceled');
}, 10_000);

test('another session cannot see a collector through the PropertyCollector either', async () => {
  const c = await collector(alice, '');
  const res = await bob.call(
    'RetrieveProperties',
    'PropertyCollector',
    'propertyCollector',
    `<specSet><propSet><type>TaskHistoryCollector</type><pathSet>latestPage</pathSet></propSet><objectSet><obj type="TaskHistoryCollector">${c}</obj></objectSet></specSet>`,
  );
  expectFault(res, 'ManagedObjectNotFound');
  ok(await alice.call('DestroyCollector', 'TaskHistoryCollector', c));
});

test('a beginTime finer than a millisecond is compared exactly (govmomi sends nanoseconds)', async () => {
  const key = await createTask(alice, { initiatedBy: 'nanos' });
  const queued = (
    await alice.call(
      'RetrieveProperties',
      'PropertyCollector',
      'propertyCollector',
      `<specSet><propSet><type>Task</type><pathSet>info.queueTime</pathSet></propSet><objectSet><obj type="Task">${key}</obj></objectSet></specSet>`,
    )
  ).body.match(/<val xsi:type="xsd:dateTime">([^<]+)<\/val>/)![1];
  const user = '<userName><systemUser>false</systemUser><userList>nanos</userList></userName>';
  const justAfter = queued.replace('Z', '500Z');
  expect(await matchingKeys(`<time><timeType>queuedTime</timeType><beginTime>${justAfter}</beginTime></time>${user}`)).toEqual([]);
  expect(await matchingKeys(`<time><timeType>queuedTime</timeType><beginTime>${queued.replace('Z', '000Z')}</beginTime></time>${user}`)).toEqual([key]);
  expect(await matchingKeys(`<time><timeType>queuedTime</timeType><endTime>${justAfter}</endTime></time>${user}`)).toEqual([key]);
});
