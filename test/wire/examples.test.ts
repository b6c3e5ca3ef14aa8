// examples/seed.yaml is documentation that must stay true: started with --seed, every part of it
// (extensions, users and roles, tasks in each state, lifecycles, fault and latency rules) takes
// effect, as a test author would check it: over the control API and over SOAP.

import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Emulator } from '../../src/server/app.js';
import { ROOT, startEmulator } from '../helpers/emulator.js';
import { rawRequest, SoapSession } from '../helpers/soap-client.js';
import { createTask, expectFault, ok, readInfo, taskCall, type Xml } from '../helpers/tasks.js';

const SEED = path.join(ROOT, 'examples/seed.yaml');

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ seedFile: SEED });
});
afterAll(async () => {
  await emulator.close();
});

type Json = Record<string, any>;

async function api(route: string): Promise<Json> {
  const res = await rawRequest(emulator.url(), { method: 'GET', path: `/_emulator${route}` });
  expect(res.status, res.body).toBe(200);
  return JSON.parse(res.body) as Json;
}

async function task(key: string): Promise<Json> {
  return api(`/tasks/${key}`);
}

async function loggedIn(userName: string, password: string): Promise<SoapSession> {
  const session = new SoapSession(emulator.url());
  ok(await session.login(userName, password));
  return session;
}

const description = '<description><key>k</key><message>m</message></description>';

// First: later tests change task-1 (its progress) through the fault rules.
describe('tasks', () => {
  test('six tasks, task-1 … task-6 in the order listed', async () => {
    const { tasks } = await api('/tasks');
    expect(tasks.map((t: Json) => t.key)).toEqual(['task-1', 'task-2', 'task-3', 'task-4', 'task-5', 'task-6']);
  });

  test('task-1: running at 40% with its entity, initiator, activation id and a description with a typed argument', async () => {
    expect(await task('task-1')).toMatchObject({
      state: 'running',
      progress: 40,
      descriptionId: 'com.example.backup.run',
      entity: { _type: 'ManagedObjectReference', type: 'Folder', value: 'group-d1' },
      reason: { _type: 'TaskReasonUser', userName: 'backup-service' },
      activationId: 'nightly-0001',
      cancelable: true,
      description: {
        _type: 'LocalizableMessage',
        key: 'com.example.backup.copy',
        message: 'Copying disks',
        arg: [{ _type: 'KeyAnyValue', key: 'disks', value: { _type: 'xsd:int', value: 3 } }],
      },
    });
    expect((await task('task-1')).startTime).toEqual(expect.any(String));
  });

  test('task-2: a queued, non-cancelable child of task-1', async () => {
    const info = await task('task-2');
    expect(info).toMatchObject({
      state: 'queued',
      cancelable: false,
      descriptionId: 'com.example.backup.verify',
      parentTaskKey: 'task-1',
      rootTaskKey: 'task-1',
    });
    expect(info.startTime).toBeUndefined();
    const admin = await loggedIn('admin', 'admin');
    expectFault(await taskCall(admin, 'task-2', 'CancelTask'), 'NotSupported');
  });

  test('task-3: success with its result; task-4: error with its fault, fields and message', async () => {
    expect(await task('task-3')).toMatchObject({ state: 'success', result: { _type: 'xsd:string', value: 'done' } });
    expect(await task('task-4')).toMatchObject({
      state: 'error',
      cancelled: false,
      error: {
        _type: 'LocalizedMethodFault',
        fault: { _type: 'FileNotFound', file: '[datastore1] backups/vm-42.vmdk' },
        localizedMessage: 'The backup target is gone.',
      },
    });
    // The same values as a SOAP client reads them.
    const admin = await loggedIn('admin', 'admin');
    expect((await readInfo(admin, 'task-3')).result).toEqual({ _: 'done', $: { 'xsi:type': 'xsd:string' } });
    const error = (await readInfo(admin, 'task-4')).error as Xml;
    expect(error.localizedMessage).toBe('The backup target is gone.');
    expect((error.fault as Xml).$).toEqual({ 'xsi:type': 'FileNotFound' });
    expect((error.fault as Xml).file).toBe('[datastore1] backups/vm-42.vmdk');
  });

  test('task-5 and task-6 run by themselves to their scripted outcomes', async () => {
    const deadline = Date.now() + 50_000;
    const finished = async (key: string): Promise<Json> => {
      for (;;) {
        const info = await task(key);
        if (info.state === 'success' || info.state === 'error' || Date.now() > deadline) return info;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const five = await finished('task-5');
    expect(five).toMatchObject({ state: 'success', progress: 75, descriptionId: 'com.example.backup.run', result: { _type: 'xsd:int', value: 42 } });
    const steps = (await api('/tasks/task-5/history')).history.filter((entry: Json) => 'progress' in entry.changes);
    expect(steps.map((entry: Json) => entry.changes.progress.new)).toEqual([25, 50, 75]);
    expect(steps.every((entry: Json) => entry.method === 'scripted lifecycle')).toBe(true);
    const six = await finished('task-6');
    expect(six).toMatchObject({
      state: 'error',
      progress: 50,
      error: { fault: { _type: 'NotFound' }, localizedMessage: 'The source disk disappeared.' },
    });
  }, 60_000);
});

describe('extensions', () => {
  test('the seeded task types are accepted by CreateTask; others still are not', async () => {
    const operator = await loggedIn('backup-service', 'backup-secret');
    const key = await createTask(operator, { taskTypeId: 'com.example.backup.run' });
    expect((await task(key)).descriptionId).toBe('com.example.backup.run');
    const res = await operator.call(
      'CreateTask',
      'TaskManager',
      'TaskManager',
      '<obj type="Folder">group-d1</obj><taskTypeId>com.example.backup.restore</taskTypeId><cancelable>true</cancelable>',
    );
    expectFault(res, 'InvalidArgument', { invalidProperty: 'taskTypeId' });
  });
});

describe('users and roles', () => {
  test('each seeded user logs in with its password; a wrong password or an unknown user is InvalidLogin', async () => {
    const operator = new SoapSession(emulator.url());
    const login = await operator.login('backup-service', 'backup-secret');
    ok(login);
    const session = (login.result.LoginResponse as Xml).returnval as Xml;
    expect(session.userName).toBe('backup-service');
    expect(session.fullName).toBe('Backup Service');
    await loggedIn('admin', 'admin');
    await loggedIn('auditor', 'auditor-secret');
    expectFault(await new SoapSession(emulator.url()).login('backup-service', 'admin'), 'InvalidLogin');
    expectFault(await new SoapSession(emulator.url()).login('auditor', 'auditor'), 'InvalidLogin');
    // Without a users file anyone could log in; the seed's users make the directory strict.
    expectFault(await new SoapSession(emulator.url()).login('anyone', 'anything'), 'InvalidLogin');
  });

  test('roles: the ReadOnly auditor may not update a task, the BackupOperator may', async () => {
    const auditor = await loggedIn('auditor', 'auditor-secret');
    expectFault(await taskCall(auditor, 'task-3', 'SetTaskDescription', description), 'NoPermission', { privilegeId: 'Task.Update' });
    const operator = await loggedIn('backup-service', 'backup-secret');
    ok(await taskCall(operator, 'task-3', 'SetTaskDescription', description));
  });
});

describe('fault rules', () => {
  test('all three are listed as seeded, none used yet', async () => {
    const { rules } = await api('/faults');
    expect(rules).toEqual([
      {
        id: expect.any(String),
        hits: 0,
        method: 'CancelTask',
        taskTypeId: 'com.example.backup.run',
        fault: { type: 'InvalidState', message: 'Backups cannot be canceled in this scenario.' },
      },
      {
        id: expect.any(String),
        hits: 0,
        method: 'UpdateProgress',
        task: 'task-1',
        count: 1,
        fault: { type: 'SystemError', message: 'The backup agent stopped answering.', fields: { reason: 'agent timeout' } },
      },
      {
        id: expect.any(String),
        hits: 0,
        method: 'CreateTask',
        taskTypeId: 'com.example.backup.verify',
        probability: 0.25,
        fault: { type: 'InvalidState', message: 'The verifier is busy; try again.' },
      },
    ]);
  });

  test('CancelTask on a backup task gets the injected InvalidState, and the task keeps running', async () => {
    const admin = await loggedIn('admin', 'admin');
    const fault = expectFault(await taskCall(admin, 'task-1', 'CancelTask'), 'InvalidState');
    expect(fault!.faultstring).toBe('Backups cannot be canceled in this scenario.');
    expect((await task('task-1')).state).toBe('running');
  });

  test('UpdateProgress on task-1 fails once with the injected SystemError and its fields, then works', async () => {
    const admin = await loggedIn('admin', 'admin');
    const fault = expectFault(await taskCall(admin, 'task-1', 'UpdateProgress', '<percentDone>60</percentDone>'), 'SystemError', { reason: 'agent timeout' });
    expect(fault!.faultstring).toBe('The backup agent stopped answering.');
    expect((await task('task-1')).progress).toBe(40);
    ok(await taskCall(admin, 'task-1', 'UpdateProgress', '<percentDone>60</percentDone>'));
    expect((await task('task-1')).progress).toBe(60);
    const { rules } = await api('/faults');
    expect(rules.map((rule: Json) => rule.hits)).toEqual([1, 1, 0]);
  });
});

describe('latency rules', () => {
  test('the rule is listed as seeded, and CreateTask is answered no sooner than its delay', async () => {
    expect((await api('/latency')).rules).toEqual([{ id: expect.any(String), method: 'CreateTask', delayMs: 150, jitterMs: 100 }]);
    const admin = await loggedIn('admin', 'admin');
    const started = Date.now();
    await createTask(admin);
    // Timers may fire a millisecond early by the wall clock; the bound allows for that only.
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);
  });
});

describe('inventory and method rules', () => {
  test('the declared inventory, with the folder and pool a VM names', async () => {
    const { entities } = await api('/inventory');
    const paths = entities.map((e: Json) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['/DC0/vm/web-01', '/DC0/vm/infra/backup-proxy', '/DC0/host/C0/esx-02', '/DC0/host/C0/Resources/batch']));
  });

  test('both method rules are loaded, in order', async () => {
    const { rules } = await api('/methods');
    expect(rules).toMatchObject([
      { method: 'PowerOnVM_Task', entity: '/DC0/vm/web-01', progressSteps: 4, seen: 0 },
      { method: 'CloneVM_Task', call: 2, outcome: 'hangUntilFinished' },
    ]);
  });
});
