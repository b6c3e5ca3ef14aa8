import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseUsersFile } from '../../src/server/documents.js';
import { UserDirectory } from '../../src/vim/users.js';
import { ROOT } from '../helpers/emulator.js';

describe('users file', () => {
  test('JSON and YAML examples describe the same users and roles', () => {
    const json = parseUsersFile(readFileSync(path.join(ROOT, 'examples/users.json'), 'utf8'), 'users.json');
    const yaml = parseUsersFile(readFileSync(path.join(ROOT, 'examples/users.yaml'), 'utf8'), 'users.yaml');
    expect(yaml).toEqual(json);
  });
  test('roles map to privileges; ReadOnly lacks Task.Update; Admin has everything', () => {
    const directory = new UserDirectory(parseUsersFile(readFileSync(path.join(ROOT, 'examples/users.json'), 'utf8'), 'users.json'));
    const viewer = directory.authenticate('viewer', 'viewer')!;
    expect(viewer.privileges).not.toBe('all');
    expect((viewer.privileges as Set<string>).has('Task.Update')).toBe(false);
    expect((viewer.privileges as Set<string>).has('System.View')).toBe(true);
    expect(directory.authenticate('admin', 'admin')!.privileges).toBe('all');
    expect(directory.authenticate('admin', 'nope')).toBeUndefined();
    expect(directory.authenticate('ghost', 'admin')).toBeUndefined();
  });
  test.each([
    ['{', 'x.json', /not valid JSON/],
    ['users: [', 'x.yaml', /not valid YAML/],
    ['{"users": {}}', 'x.json', /expected/],
    ['{"users": [{"userName": "a"}]}', 'x.json', /userName, password and role/],
  ])('refuses %s clearly', (text, source, message) => {
    expect(() => parseUsersFile(text, source)).toThrow(message);
  });
  test('an unknown role is refused at start', () => {
    expect(() => new UserDirectory({ users: [{ userName: 'a', password: 'b', role: 'Nope' }] })).toThrow(/unknown role/);
  });
});
