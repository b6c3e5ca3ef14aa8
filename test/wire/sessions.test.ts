// SessionManager's sessionList and TerminateSession, the control API's session list and end,
// and AuthorizationManager (roleList, privilegeList, description, HasPrivilegeOnEntities,
// HasPrivilegeOnEntity, FetchUserPrivilegeOnEntities), over raw SOAP against examples/users.json.

import { afterEach, describe, expect, test } from 'vitest';
import { ControlClient } from '../../src/control/client.js';
import { EXAMPLE_USERS, startLoggedIn, type Running, type SoapConnection } from '../helpers/emulator.js';
import type { SoapResponse, SoapSession } from '../helpers/soap-client.js';
import { expectFault, ok, readProperty, type Xml } from '../helpers/tasks.js';

let emulator: Running<SoapConnection> | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function start(): Promise<Running<SoapConnection>> {
  emulator = await startLoggedIn({ usersFile: EXAMPLE_USERS });
  return emulator;
}

function list<T>(value: unknown): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value as T];
}

function returnval(res: SoapResponse, method: string): unknown {
  return (res.result[`${method}Response`] as Xml).returnval;
}

/** One property's value, read with the shared helper and typed for this file. */
async function property(s: SoapSession, type: string, value: string, path: string): Promise<Xml> {
  return (await readProperty(s, type, value, path)) as Xml;
}

async function sessionKeys(s: SoapSession): Promise<Array<{ key: string; userName: string }>> {
  const val = await property(s, 'SessionManager', 'SessionManager', 'sessionList');
  return list<Xml>(val.UserSession).map((u) => ({ key: String(u.key), userName: String(u.userName) }));
}

async function currentKey(s: SoapSession): Promise<string> {
  return String((await property(s, 'SessionManager', 'SessionManager', 'currentSession')).key);
}

const terminate = (s: SoapSession, ...keys: string[]) =>
  s.call('TerminateSession', 'SessionManager', 'SessionManager', keys.map((k) => `<sessionId>${k}</sessionId>`).join(''));

const ROOT = '<entity type="Folder">group-d1</entity>';

describe('SessionManager sessions', () => {
  test('sessionList: an Admin sees every session, a user without Sessions.TerminateSession only its own', async () => {
    const emu = await start();
    const viewer = await emu.login('viewer');
    await emu.login('viewer');
    await emu.login('operator');
    const viewerKey = await currentKey(viewer);
    expect(await sessionKeys(viewer)).toEqual([{ key: viewerKey, userName: 'viewer' }]);
    expect((await sessionKeys(emu.session)).map((s) => s.userName).sort()).toEqual(['admin', 'operator', 'viewer', 'viewer']);
  });

  test('TerminateSession ends another session: its next call is NotAuthenticated, and it can log in again', async () => {
    const emu = await start();
    const other = await emu.login('operator');
    const key = await currentKey(other);
    ok(await terminate(emu.session, key));
    expectFault(await other.call('CurrentTime', 'ServiceInstance', 'ServiceInstance'), 'NotAuthenticated');
    expect((await sessionKeys(emu.session)).map((s) => s.key)).not.toContain(key);
    ok(await other.login('operator', 'operator'));
    ok(await other.call('CurrentTime', 'ServiceInstance', 'ServiceInstance'));
  });

  test("TerminateSession: an unknown key is NotFound, the caller's own is InvalidArgument, and neither ends anything", async () => {
    const emu = await start();
    const other = await emu.login('operator');
    const key = await currentKey(other);
    expectFault(await terminate(emu.session, key, 'no-such-session'), 'NotFound');
    expectFault(await terminate(emu.session, key, await currentKey(emu.session)), 'InvalidArgument', { invalidProperty: 'sessionId' });
    ok(await other.call('CurrentTime', 'ServiceInstance', 'ServiceInstance'));
  });

  test('TerminateSession needs Sessions.TerminateSession', async () => {
    const emu = await start();
    const viewer = await emu.login('viewer');
    expectFault(await terminate(viewer, await currentKey(emu.session)), 'NoPermission', { privilegeId: 'Sessions.TerminateSession' });
    ok(await emu.session.call('CurrentTime', 'ServiceInstance', 'ServiceInstance'));
  });

  test('the control API lists sessions and ends one; the ended client gets NotAuthenticated, then logs in again', async () => {
    const emu = await start();
    const control = new ControlClient({ baseUrl: emu.url() });
    const other = await emu.login('viewer');
    const key = await currentKey(other);
    const sessions = await control.sessions.list();
    expect(sessions.map((s) => s.userName).sort()).toEqual(['admin', 'viewer']);
    expect(sessions.find((s) => s.key === key)).toMatchObject({ userName: 'viewer', extensionSession: false });
    await control.sessions.end(key);
    await expect(control.sessions.end(key)).rejects.toMatchObject({ status: 404 });
    expectFault(await other.call('CurrentTime', 'ServiceInstance', 'ServiceInstance'), 'NotAuthenticated');
    ok(await other.login('viewer', 'viewer'));
    expect((await control.sessions.list()).length).toBe(2);
  });
});

describe('AuthorizationManager', () => {
  const auth = (s: SoapSession, method: string, args: string) => s.call(method, 'AuthorizationManager', 'AuthorizationManager', args);

  test('ServiceContent names it, and roleList carries the users file roles with their privileges', async () => {
    const emu = await start();
    const content = returnval(await emu.session.call('RetrieveServiceContent', 'ServiceInstance', 'ServiceInstance'), 'RetrieveServiceContent') as Xml;
    expect(content.authorizationManager).toEqual({ _: 'AuthorizationManager', $: { type: 'AuthorizationManager' } });
    const roles = list<Xml>((await property(emu.session, 'AuthorizationManager', 'AuthorizationManager', 'roleList')).AuthorizationRole);
    const byName = new Map(roles.map((r) => [String(r.name), r]));
    expect([...byName.keys()]).toEqual(['Admin', 'ReadOnly', 'TaskOperator', 'TaskCreator']);
    expect(byName.get('Admin')).toMatchObject({ roleId: '-1', system: 'true' });
    expect(byName.get('TaskCreator')).toMatchObject({ roleId: '2', system: 'false' });
    expect(list(byName.get('TaskCreator')!.privilege).sort()).toEqual(['System.Anonymous', 'System.Read', 'System.View', 'Task.Create']);
    expect(list(byName.get('Admin')!.privilege)).toContain('Sessions.TerminateSession');
  });

  test("privilegeList holds the operations' privileges and the roles', with group and name; description names them", async () => {
    const emu = await start();
    const privileges = list<Xml>((await property(emu.session, 'AuthorizationManager', 'AuthorizationManager', 'privilegeList')).AuthorizationPrivilege);
    const ids = privileges.map((p) => String(p.privId));
    for (const id of ['Task.Create', 'Task.Update', 'Global.CancelTask', 'Sessions.TerminateSession', 'Extension.Register', 'System.View'])
      expect(ids).toContain(id);
    expect(privileges.find((p) => p.privId === 'Task.Update')).toMatchObject({ name: 'Update', privGroupName: 'Task', onParent: 'false' });
    const description = await property(emu.session, 'AuthorizationManager', 'AuthorizationManager', 'description');
    expect(list<Xml>(description.privilege).map((e) => e.key)).toEqual(ids);
    expect(list<Xml>(description.privilegeGroup).map((e) => e.key)).toContain('Task');
  });

  test('HasPrivilegeOnEntities and HasPrivilegeOnEntity answer as the dispatcher decides', async () => {
    const emu = await start();
    const creator = await emu.login('creator');
    const key = await currentKey(creator);
    const privs = '<privId>Task.Create</privId><privId>Task.Update</privId>';
    const res = await auth(creator, 'HasPrivilegeOnEntities', `${ROOT}<sessionId>${key}</sessionId>${privs}`);
    ok(res);
    const [entity] = list<Xml>(returnval(res, 'HasPrivilegeOnEntities'));
    expect(entity.entity).toEqual({ _: 'group-d1', $: { type: 'Folder' } });
    expect(list<Xml>(entity.privAvailability).map((p) => [p.privId, p.isGranted])).toEqual([
      ['Task.Create', 'true'],
      ['Task.Update', 'false'],
    ]);
    // The admin asks about the creator's session and gets the same answer.
    const one = await auth(emu.session, 'HasPrivilegeOnEntity', `${ROOT}<sessionId>${key}</sessionId>${privs}`);
    ok(one);
    expect(list(returnval(one, 'HasPrivilegeOnEntity'))).toEqual(['true', 'false']);
    // And the dispatcher agrees: Task.Update is refused.
    const created = await creator.call(
      'CreateTask',
      'TaskManager',
      'TaskManager',
      '<obj type="Folder">group-d1</obj><taskTypeId>com.vmware.govmomi.simulator.test</taskTypeId><initiatedBy>x</initiatedBy><cancelable>false</cancelable>',
    );
    ok(created);
    const task = String(((returnval(created, 'CreateTask') as Xml).task as Xml)._);
    expectFault(await creator.call('UpdateProgress', 'Task', task, '<percentDone>1</percentDone>'), 'NoPermission', { privilegeId: 'Task.Update' });
  });

  test('FetchUserPrivilegeOnEntities lists what a user of the users file holds', async () => {
    const emu = await start();
    const res = await auth(emu.session, 'FetchUserPrivilegeOnEntities', '<entities type="Folder">group-d1</entities><userName>operator</userName>');
    ok(res);
    const [result] = list<Xml>(returnval(res, 'FetchUserPrivilegeOnEntities'));
    expect(list(result.privileges).sort()).toEqual(['Global.CancelTask', 'System.Anonymous', 'System.Read', 'System.View', 'Task.Create', 'Task.Update']);
    expectFault(
      await auth(emu.session, 'FetchUserPrivilegeOnEntities', '<entities type="Folder">group-d1</entities><userName>nobody</userName>'),
      'InvalidArgument',
      {
        invalidProperty: 'userName',
      },
    );
  });

  test('bad input: an unknown entity is ManagedObjectNotFound, an unknown session InvalidArgument', async () => {
    const emu = await start();
    const key = await currentKey(emu.session);
    expectFault(
      await auth(emu.session, 'HasPrivilegeOnEntities', `<entity type="Folder">group-nope</entity><sessionId>${key}</sessionId><privId>System.View</privId>`),
      'ManagedObjectNotFound',
    );
    expectFault(await auth(emu.session, 'HasPrivilegeOnEntity', `${ROOT}<sessionId>nope</sessionId><privId>System.View</privId>`), 'InvalidArgument', {
      invalidProperty: 'sessionId',
    });
    // Another session's objects do not exist for this one.
    const other = await emu.login('admin');
    const filter = await other.call(
      'CreateFilter',
      'PropertyCollector',
      'propertyCollector',
      '<spec><propSet><type>Folder</type><pathSet>name</pathSet></propSet><objectSet><obj type="Folder">group-d1</obj></objectSet></spec><partialUpdates>false</partialUpdates>',
    );
    ok(filter);
    const filterRef = returnval(filter, 'CreateFilter') as Xml;
    expectFault(
      await auth(
        emu.session,
        'HasPrivilegeOnEntity',
        `<entity type="PropertyFilter">${String(filterRef._)}</entity><sessionId>${key}</sessionId><privId>System.View</privId>`,
      ),
      'ManagedObjectNotFound',
    );
  });
});
