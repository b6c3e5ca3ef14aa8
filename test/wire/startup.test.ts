// What can be given at start: a seed file (so `docker run` alone brings up a scenario) and a
// privilege table file.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';
import { EXAMPLE_USERS, ROOT, startEmulator, startLoggedIn } from '../helpers/emulator.js';
import { expectFault, ok, readInfo, taskCall } from '../helpers/tasks.js';

test('--seed examples/seed.yaml brings up its tasks, extension and fault rule', async () => {
  const started = await startLoggedIn({ seedFile: path.join(ROOT, 'examples/seed.yaml') }, { user: 'admin', password: 'admin' });
  try {
    // The seed names users, so only they log in (examples/seed.yaml keeps admin/admin).
    const s = started.session;
    const tasks = started.emulator.control.tasks();
    expect(tasks.map((t) => t.state)).toEqual(['running', 'queued', 'success', 'error', 'queued', 'queued']);
    const running = tasks[0].key;
    const info = await readInfo(s, running);
    expect(info.progress).toBe('40');
    expect(info.descriptionId).toBe('com.example.backup.run');
    expectFault(await taskCall(s, running, 'CancelTask'), 'InvalidState');
    ok(await taskCall(s, tasks[2].key, 'SetTaskDescription', '<description><key>k</key><message>m</message></description>'));
  } finally {
    await started.close();
  }
});

test('a broken seed file stops the start with a message naming the file', async () => {
  await expect(startEmulator({ seedFile: path.join(ROOT, 'examples/privileges.json') })).rejects.toThrow(
    /seed .*privileges\.json: seed: unknown key 'CancelTask'/,
  );
});

test('--privileges overrides the privilege table ("" means none)', async () => {
  const emulator = await startLoggedIn({ usersFile: EXAMPLE_USERS, privilegesFile: path.join(ROOT, 'examples/privileges.json') });
  try {
    const admin = emulator.session;
    const viewer = await emulator.login('viewer');
    const task = (
      await admin.call(
        'CreateTask',
        'TaskManager',
        'TaskManager',
        '<obj type="Folder">group-d1</obj><taskTypeId>com.vmware.govmomi.simulator.test</taskTypeId><cancelable>true</cancelable>',
      )
    ).body.match(/<key>(task-\d+)<\/key>/)![1];
    ok(await taskCall(viewer, task, 'SetTaskDescription', '<description><key>k</key><message>m</message></description>'));
    expectFault(await taskCall(viewer, task, 'CancelTask'), 'NoPermission', { privilegeId: 'Global.CancelTask' });
  } finally {
    await emulator.close();
  }
});

test('a privilege table that is not one, or names an unknown operation, is refused at start', async () => {
  await expect(startEmulator({ privilegesFile: path.join(ROOT, 'examples/users.json') })).rejects.toThrow(/expected \{"Method"/);
  const dir = mkdtempSync(path.join(tmpdir(), 'vtask-'));
  const file = path.join(dir, 'privileges.json');
  writeFileSync(file, '{"FlyToTheMoon": "Task.Update"}');
  await expect(startEmulator({ privilegesFile: file })).rejects.toThrow(/'FlyToTheMoon' is not an operation/);
});
