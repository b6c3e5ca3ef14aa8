// AuthorizationManager and the UserDirectory questions it asks, without a server: the privilege
// list, role numbering, and answers that follow the dispatcher's check (grants()).

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseUsersFile } from '../../src/server/documents.js';
import { AuthorizationManager } from '../../src/vim/AuthorizationManager.js';
import { ManagedObjectReference } from '../../src/vim/data.js';
import { ObjectRegistry } from '../../src/vim/registry.js';
import { grants, type Session } from '../../src/vim/session.js';
import { UserDirectory } from '../../src/vim/users.js';
import type { AuthorizationPrivilege, AuthorizationRole } from '../../src/vim/vim-types.js';
import { ROOT } from '../helpers/emulator.js';
import { testSession } from '../helpers/sessions.js';
import { TestEntity } from '../helpers/test-inventory.js';

const ROOT_FOLDER = new ManagedObjectReference('Folder', 'group-d1');

function setup(users = new UserDirectory(parseUsersFile(readFileSync(path.join(ROOT, 'examples/users.json'), 'utf8'), 'users.json'))) {
  const registry = new ObjectRegistry();
  registry.add(new TestEntity(ROOT_FOLDER, registry, { name: 'Datacenters', childEntity: [] }));
  const sessions = new Map<string, Session>();
  const manager = new AuthorizationManager({
    users,
    registry,
    sessionByKey: (key) => sessions.get(key),
    operationPrivileges: ['Task.Update', 'Extension.Register'],
  });
  return { users, manager, sessions };
}

describe('UserDirectory without passwords', () => {
  test('principal() knows users of the file and nobody else; without a file every name is an Admin', () => {
    const { users } = setup();
    expect(users.principal('creator')).toMatchObject({ role: 'TaskCreator' });
    expect(users.principal('ghost')).toBeUndefined();
    expect(users.principal('')).toBeUndefined();
    expect(new UserDirectory(undefined).principal('anyone')).toMatchObject({ role: 'Admin', privileges: 'all' });
  });

  test('roleList() gives the built-in roles first, then the file order', () => {
    expect(
      setup()
        .users.roleList()
        .map(([name]) => name),
    ).toEqual(['Admin', 'ReadOnly', 'TaskOperator', 'TaskCreator']);
  });
});

describe('AuthorizationManager', () => {
  test("privilegeList: the operations' privileges, the read-only three and the roles', sorted, once each", () => {
    const list = setup().manager.getProperty('privilegeList') as AuthorizationPrivilege[];
    expect(list.map((p) => p.privId)).toEqual([
      'Extension.Register',
      'Global.CancelTask',
      'System.Anonymous',
      'System.Read',
      'System.View',
      'Task.Create',
      'Task.Update',
    ]);
  });

  test('roles are numbered as vCenter numbers its system roles, the others from 1', () => {
    const roles = setup().manager.getProperty('roleList') as AuthorizationRole[];
    expect(roles.map((r) => [r.name, r.roleId, r.system])).toEqual([
      ['Admin', -1, true],
      ['ReadOnly', -2, true],
      ['TaskOperator', 1, false],
      ['TaskCreator', 2, false],
    ]);
    expect(roles[0].privilege).toContain('Extension.Register');
  });

  test('HasPrivilegeOnEntity answers what grants() decides for that session', () => {
    const { manager, sessions, users } = setup();
    const creator = testSession('s-1', { userName: 'creator', privileges: users.principal('creator')!.privileges });
    sessions.set(creator.key, creator);
    const privIds = ['Task.Create', 'Task.Update', 'Made.Up'];
    const answer = manager.methods.HasPrivilegeOnEntity.call(manager, undefined as never, { entity: ROOT_FOLDER, sessionId: 's-1', privId: privIds });
    expect(answer).toEqual(privIds.map((id) => grants(creator.privileges, id)));
    expect(answer).toEqual([true, false, false]);
  });
});
