// contract.md "Cancellation" (cooperative mode, configurable privilege), "Sessions, users,
// privileges" and "TaskManager" (recentTask, retention, eviction), over raw SOAP.

import { afterEach, describe, expect, test } from 'vitest';
import type { Config } from '../../src/server/config.js';
import { EXAMPLE_USERS, startLoggedIn, type Running, type SoapConnection } from '../helpers/emulator.js';
import { SoapSession } from '../helpers/soap-client.js';
import { createTask, expectFault, moref, ok, readInfo, setState, taskCall, type Xml } from '../helpers/tasks.js';

let emulator: Running<SoapConnection> | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

/** An emulator with the example users and admin logged in; afterEach closes it. */
async function start(overrides: Partial<Config> = {}): Promise<{ admin: SoapSession; url: string; login: Running<SoapConnection>['login'] }> {
  emulator = await startLoggedIn({ usersFile: EXAMPLE_USERS, ...overrides });
  return { admin: emulator.session, url: emulator.url(), login: emulator.login };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('cooperative cancellation', () => {
  test('CancelTask marks a running task cancelled and leaves it running; SetTaskState(error) without a fault ends it as RequestCanceled', async () => {
    const { admin } = await start({ cancelMode: 'cooperative' });
    const task = await createTask(admin);
    ok(await setState(admin, task, 'running'));
    ok(await taskCall(admin, task, 'CancelTask'));
    let info = await readInfo(admin, task);
    expect(info.state).toBe('running');
    expect(info.cancelled).toBe('true');
    ok(await taskCall(admin, task, 'CancelTask')); // a second request is the same request
    ok(await setState(admin, task, 'error'));
    info = await readInfo(admin, task);
    expect(info.state).toBe('error');
    expect(((info.error as Xml).fault as Xml).$!['xsi:type']).toBe('RequestCanceled');
    expectFault(await taskCall(admin, task, 'CancelTask'), 'InvalidState');
  });

  test('a queued task is still canceled at once in cooperative mode', async () => {
    const { admin } = await start({ cancelMode: 'cooperative' });
    const task = await createTask(admin);
    ok(await taskCall(admin, task, 'CancelTask'));
    expect((await readInfo(admin, task)).state).toBe('error');
  });

  test('the owner may still give its own fault after a cancel request', async () => {
    const { admin } = await start({ cancelMode: 'cooperative' });
    const task = await createTask(admin);
    ok(await setState(admin, task, 'running'));
    ok(await taskCall(admin, task, 'CancelTask'));
    ok(await setState(admin, task, 'error', '<fault><fault xsi:type="NotFound"></fault><localizedMessage>gone</localizedMessage></fault>'));
    expect((((await readInfo(admin, task)).error as Xml).fault as Xml).$!['xsi:type']).toBe('NotFound');
  });

  test('the cancel timeout completes a pending cancel as RequestCanceled', async () => {
    const { admin } = await start({ cancelMode: 'cooperative', cancelTimeoutMs: 100 });
    const task = await createTask(admin);
    ok(await setState(admin, task, 'running'));
    ok(await taskCall(admin, task, 'CancelTask'));
    expect((await readInfo(admin, task)).state).toBe('running');
    await sleep(300);
    const info = await readInfo(admin, task);
    expect(info.state).toBe('error');
    expect(info.cancelled).toBe('true');
    expect(((info.error as Xml).fault as Xml).$!['xsi:type']).toBe('RequestCanceled');
  });
});

describe('configurable CancelTask privilege', () => {
  test('with --cancel-privilege Global.CancelTask a ReadOnly user gets NoPermission and an operator may cancel', async () => {
    const { admin, login } = await start({ cancelTaskPrivilege: 'Global.CancelTask' });
    const task = await createTask(admin);
    const viewer = await login('viewer');
    expectFault(await taskCall(viewer, task, 'CancelTask'), 'NoPermission', { object: moref('Task', task), privilegeId: 'Global.CancelTask' });
    expect((await readInfo(admin, task)).state).toBe('queued');
    const operator = await login('operator');
    ok(await taskCall(operator, task, 'CancelTask'));
  });
});

describe('sessions', () => {
  test('Login returns a UserSession and a vmware_soap_session cookie; Logout ends the session', async () => {
    const { url } = await start();
    const s = new SoapSession(url);
    const res = await s.login('admin', 'admin');
    ok(res);
    expect(res.headers['set-cookie']?.[0]).toMatch(/^vmware_soap_session="[0-9a-f]{64}"; Path=\/; HttpOnly$/);
    const userSession = (res.result.LoginResponse as Xml).returnval as Xml;
    expect(userSession.userName).toBe('admin');
    const cookie = s.cookie;
    ok(await s.call('Logout', 'SessionManager', 'SessionManager'));
    s.cookie = cookie;
    expectFault(await createTaskRaw(s), 'NotAuthenticated', { privilegeId: 'System.View' });
  });

  test('bad credentials → InvalidLogin (wrong password, unknown user, empty password)', async () => {
    const { url } = await start();
    const s = new SoapSession(url);
    expectFault(await s.login('admin', 'wrong'), 'InvalidLogin');
    expectFault(await s.login('nobody', 'admin'), 'InvalidLogin');
    expectFault(await s.call('Login', 'SessionManager', 'SessionManager', '<userName>admin</userName><password></password>'), 'InvalidLogin');
    expect(s.cookie).toBeUndefined();
  });

  test('with no users file any non-empty user and password log in as Admin', async () => {
    emulator = await startLoggedIn({}, { user: 'someone', password: 'anything' });
    const s = emulator.session;
    await createTask(s);
    expectFault(
      await new SoapSession(emulator.url()).call('Login', 'SessionManager', 'SessionManager', '<userName>x</userName><password></password>'),
      'InvalidLogin',
    );
  });

  test('anonymous: RetrieveServiceContent, Login, and reads of ServiceInstance.content and SessionManager.currentSession; nothing else', async () => {
    const { url } = await start();
    const anonymous = new SoapSession(url);
    ok(await anonymous.call('RetrieveServiceContent', 'ServiceInstance', 'ServiceInstance'));
    const read = (type: string, value: string, path: string) =>
      anonymous.call(
        'RetrievePropertiesEx',
        'PropertyCollector',
        'propertyCollector',
        `<specSet><propSet><type>${type}</type><pathSet>${path}</pathSet></propSet><objectSet><obj type="${type}">${value}</obj></objectSet></specSet><options/>`,
      );
    const content = await read('ServiceInstance', 'ServiceInstance', 'content');
    ok(content);
    expect(content.body).toContain('xsi:type="ServiceContent"');
    const current = await read('SessionManager', 'SessionManager', 'currentSession');
    ok(current);
    expectFault(await read('TaskManager', 'TaskManager', 'recentTask'), 'NotAuthenticated', { object: moref('TaskManager', 'TaskManager') });
    expectFault(await anonymous.call('CurrentTime', 'ServiceInstance', 'ServiceInstance'), 'NotAuthenticated');
    expectFault(await createTaskRaw(anonymous), 'NotAuthenticated', { object: moref('TaskManager', 'TaskManager'), privilegeId: 'System.View' });
  });

  test('a tampered or foreign cookie is NotAuthenticated; pyVmomi-style echoed Set-Cookie and quoted values work', async () => {
    const { admin, url } = await start();
    const good = admin.cookie!;
    const value = good.split('"')[1];
    const s = new SoapSession(url);
    s.cookie = `vmware_soap_session=${value.slice(0, -1)}${value.endsWith('0') ? '1' : '0'}`;
    expectFault(await createTaskRaw(s), 'NotAuthenticated');
    s.cookie = `vmware_soap_session="${value}"; Path=/; HttpOnly`;
    ok(await createTaskRaw(s));
    s.cookie = `other=1; vmware_soap_session=${value}`;
    ok(await createTaskRaw(s));
    s.cookie = `vmware_soap_session="${value}"`;
    ok(await createTaskRaw(s));
  });

  test('sessions expire after the idle timeout', async () => {
    const { admin } = await start({ sessionIdleTimeoutMs: 150 });
    ok(await createTaskRaw(admin));
    await sleep(300);
    expectFault(await createTaskRaw(admin), 'NotAuthenticated');
  });

  test("currentSession is the caller's session", async () => {
    const { admin } = await start();
    const res = await admin.call(
      'RetrieveProperties',
      'PropertyCollector',
      'propertyCollector',
      '<specSet><propSet><type>SessionManager</type><pathSet>currentSession</pathSet></propSet><objectSet><obj type="SessionManager">SessionManager</obj></objectSet></specSet>',
    );
    ok(res);
    const val = (((res.result.RetrievePropertiesResponse as Xml).returnval as Xml).propSet as Xml).val as Xml;
    expect(val.userName).toBe('admin');
    expect(val.$!['xsi:type']).toBe('UserSession');
  });
});

function createTaskRaw(s: SoapSession) {
  return s.call(
    'CreateTask',
    'TaskManager',
    'TaskManager',
    '<obj type="Folder">group-d1</obj><taskTypeId>com.vmware.govmomi.simulator.test</taskTypeId><cancelable>true</cancelable>',
  );
}

async function recentTask(s: SoapSession): Promise<string[]> {
  const res = await s.call(
    'RetrieveProperties',
    'PropertyCollector',
    'propertyCollector',
    '<specSet><propSet><type>TaskManager</type><pathSet>recentTask</pathSet></propSet><objectSet><obj type="TaskManager">TaskManager</obj></objectSet></specSet>',
  );
  ok(res);
  const returnval = (res.result.RetrievePropertiesResponse as Xml).returnval as Xml;
  const val = (returnval.propSet as Xml).val as Xml;
  expect(val.$!['xsi:type']).toBe('ArrayOfManagedObjectReference');
  const refs = val.ManagedObjectReference;
  const list = refs === undefined ? [] : Array.isArray(refs) ? refs : [refs];
  return (list as Xml[]).map((r) => r._ as string);
}

describe('TaskManager.recentTask, retention and eviction', () => {
  test('holds at most 200 tasks, newest last', async () => {
    const { admin } = await start();
    const keys: string[] = [];
    for (let i = 0; i < 210; i++) keys.push(await createTask(admin));
    const recent = await recentTask(admin);
    expect(recent).toHaveLength(200);
    expect(recent).toEqual(keys.slice(-200));
  });

  test('completed tasks leave recentTask after the retention time; running ones stay', async () => {
    const { admin } = await start({ recentTaskRetentionMs: 150 });
    const done = await createTask(admin);
    const running = await createTask(admin);
    ok(await setState(admin, done, 'success'));
    ok(await setState(admin, running, 'running'));
    expect(await recentTask(admin)).toEqual([done, running]);
    await sleep(300);
    expect(await recentTask(admin)).toEqual([running]);
    expect((await readInfo(admin, done)).state).toBe('success'); // still readable, only not recent
  });

  test('beyond maxTasks the oldest completed tasks are forgotten (ManagedObjectNotFound); queued and running never', async () => {
    const { admin } = await start({ maxTasks: 5 });
    const running = await createTask(admin);
    ok(await setState(admin, running, 'running'));
    const queued = await createTask(admin);
    const completed: string[] = [];
    for (let i = 0; i < 6; i++) {
      const t = await createTask(admin);
      ok(await setState(admin, t, 'success'));
      completed.push(t);
    }
    // 2 live + 6 completed, limit 5: the 3 oldest completed are gone.
    for (const gone of completed.slice(0, 3)) {
      expectFault(await taskCall(admin, gone, 'SetTaskDescription', '<description><key>k</key><message>m</message></description>'), 'ManagedObjectNotFound', {
        obj: moref('Task', gone),
      });
    }
    for (const kept of [running, queued, ...completed.slice(3)]) await readInfo(admin, kept);
    expect(await recentTask(admin)).toEqual([running, queued, ...completed.slice(3)]);
  });

  test('description lists the TaskInfoState labels and maxCollector is reported', async () => {
    const { admin } = await start();
    const res = await admin.call(
      'RetrieveProperties',
      'PropertyCollector',
      'propertyCollector',
      '<specSet><propSet><type>TaskManager</type><pathSet>description</pathSet><pathSet>maxCollector</pathSet></propSet><objectSet><obj type="TaskManager">TaskManager</obj></objectSet></specSet>',
    );
    ok(res);
    expect(res.body).toContain('<state><label>Running</label><summary>Running</summary><key>running</key></state>');
    expect(res.body).toContain('<reason><label>User</label><summary>User</summary><key>TaskReasonUser</key></reason>');
    expect(res.body).toContain('<name>maxCollector</name><val xsi:type="xsd:int">32</val>');
  });
});
