// One test per row of contract.md's tables, over raw SOAP against the real server: the exact
// fault on the wire, or the resulting info read back through RetrievePropertiesEx.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EXAMPLE_USERS, startLoggedIn, type Running, type SoapConnection } from '../helpers/emulator.js';
import { SoapSession } from '../helpers/soap-client.js';
import { createTask, expectFault, moref, ok, readInfo, setState, taskCall, type Xml } from '../helpers/tasks.js';

let emulator: Running<SoapConnection>;
let admin: SoapSession;
let viewer: SoapSession;

beforeAll(async () => {
  emulator = await startLoggedIn({ usersFile: EXAMPLE_USERS });
  admin = emulator.session;
  viewer = await emulator.login('viewer');
});
afterAll(async () => {
  await emulator.close();
});

async function taskIn(state: 'queued' | 'running' | 'success' | 'error', opts: { cancelable?: boolean } = {}): Promise<string> {
  const task = await createTask(admin, opts);
  if (state === 'running' || state === 'success' || state === 'error') ok(await setState(admin, task, 'running'));
  if (state === 'success' || state === 'error') ok(await setState(admin, task, state));
  return task;
}

describe('States table: every cell', () => {
  const states = ['queued', 'running', 'success', 'error'] as const;
  for (const from of states) {
    for (const to of states) {
      const terminal = from === 'success' || from === 'error';
      const invalid = terminal || (from === 'running' && to === 'queued');
      test(`${from} → ${to}: ${invalid ? 'InvalidState' : from === to ? 'no-op' : 'ok'}`, async () => {
        const task = await taskIn(from);
        const before = await readInfo(admin, task);
        const res = await setState(admin, task, to);
        const after = await readInfo(admin, task);
        if (invalid) {
          expectFault(res, 'InvalidState');
          expect(after).toEqual(before);
          return;
        }
        ok(res);
        expect(after.state).toBe(to);
        if (from === to) {
          expect(after).toEqual(before);
        } else if (to === 'running') {
          expect(after.startTime).toBeTypeOf('string');
          expect(after.completeTime).toBeUndefined();
        } else {
          expect(after.completeTime).toBeTypeOf('string');
          if (from === 'queued') expect(after.startTime).toBeUndefined();
        }
      });
    }
  }

  test('a state outside the enum is InvalidRequest and is never stored', async () => {
    const task = await taskIn('running');
    expectFault(await setState(admin, task, 'paused'), 'InvalidRequest');
    expect((await readInfo(admin, task)).state).toBe('running');
  });

  test('terminal is final: result, error and progress never change again', async () => {
    const task = await taskIn('running');
    ok(await taskCall(admin, task, 'UpdateProgress', '<percentDone>30</percentDone>'));
    ok(await setState(admin, task, 'success', '<result xsi:type="xsd:string">done</result>'));
    const before = await readInfo(admin, task);
    expectFault(await setState(admin, task, 'error', '<fault><fault xsi:type="NotFound"></fault></fault>'), 'InvalidState');
    expectFault(await setState(admin, task, 'success', '<result xsi:type="xsd:string">other</result>'), 'InvalidState');
    expectFault(await taskCall(admin, task, 'UpdateProgress', '<percentDone>90</percentDone>'), 'InvalidState');
    expect(await readInfo(admin, task)).toEqual(before);
  });
});

describe('CancelTask', () => {
  test('needs no privilege beyond a session (ReadOnly user may cancel)', async () => {
    const task = await taskIn('queued');
    ok(await taskCall(viewer, task, 'CancelTask'));
    expect((await readInfo(admin, task)).state).toBe('error');
  });

  test('InvalidState once the task succeeded or failed', async () => {
    expectFault(await taskCall(admin, await taskIn('success'), 'CancelTask'), 'InvalidState');
    expectFault(await taskCall(admin, await taskIn('error'), 'CancelTask'), 'InvalidState');
  });

  test('NotSupported when the task is not cancelable, and the task is untouched', async () => {
    const task = await taskIn('running', { cancelable: false });
    expectFault(await taskCall(admin, task, 'CancelTask'), 'NotSupported');
    const info = await readInfo(admin, task);
    expect(info.state).toBe('running');
    expect(info.cancelled).toBe('false');
  });

  test('a queued task is canceled at once: error, cancelled, completeTime, RequestCanceled', async () => {
    const task = await taskIn('queued');
    ok(await taskCall(admin, task, 'CancelTask'));
    const info = await readInfo(admin, task);
    expect(info.state).toBe('error');
    expect(info.cancelled).toBe('true');
    expect(info.completeTime).toBeTypeOf('string');
    const error = info.error as Xml;
    expect((error.fault as Xml).$!['xsi:type']).toBe('RequestCanceled');
    expect(error.localizedMessage).toMatch(/canceled/);
  });

  test('a running task in immediate mode (default) is canceled at once', async () => {
    const task = await taskIn('running');
    ok(await taskCall(admin, task, 'CancelTask'));
    const info = await readInfo(admin, task);
    expect(info.state).toBe('error');
    expect(info.cancelled).toBe('true');
    expect(((info.error as Xml).fault as Xml).$!['xsi:type']).toBe('RequestCanceled');
  });
});

describe('SetTaskDescription', () => {
  const description = '<description><key>phase.copy</key><message>Copying disks</message></description>';
  test('requires Task.Update', async () => {
    const task = await taskIn('running');
    expectFault(await taskCall(viewer, task, 'SetTaskDescription', description), 'NoPermission', {
      object: moref('Task', task),
      privilegeId: 'Task.Update',
    });
  });
  for (const state of ['queued', 'running', 'success', 'error'] as const) {
    test(`is allowed in state ${state}`, async () => {
      const task = await taskIn(state);
      ok(await taskCall(admin, task, 'SetTaskDescription', description));
      const info = await readInfo(admin, task);
      expect(info.description).toEqual({ key: 'phase.copy', message: 'Copying disks' });
      expect(info.state).toBe(state);
    });
  }
  test('keeps arguments with their xsi:type', async () => {
    const task = await taskIn('running');
    ok(
      await taskCall(
        admin,
        task,
        'SetTaskDescription',
        '<description><key>k</key><arg><key>n</key><value xsi:type="xsd:int">5</value></arg><message>m</message></description>',
      ),
    );
    const info = await readInfo(admin, task);
    const arg = (info.description as Xml).arg as Xml;
    expect(arg.key).toBe('n');
    expect(arg.value).toEqual({ _: '5', $: { 'xsi:type': 'xsd:int' } });
  });
});

describe('SetTaskState', () => {
  test('requires Task.Update', async () => {
    const task = await taskIn('queued');
    expectFault(await setState(viewer, task, 'running'), 'NoPermission', { object: moref('Task', task), privilegeId: 'Task.Update' });
    expect((await readInfo(admin, task)).state).toBe('queued');
  });
  test('InvalidState: a result with a state other than success', async () => {
    const task = await taskIn('running');
    expectFault(await setState(admin, task, 'error', '<result xsi:type="xsd:string">x</result>'), 'InvalidState');
    expectFault(await setState(admin, task, 'running', '<result xsi:type="xsd:string">x</result>'), 'InvalidState');
    expect((await readInfo(admin, task)).state).toBe('running');
  });
  test('InvalidState: a fault with a state other than error', async () => {
    const task = await taskIn('running');
    expectFault(await setState(admin, task, 'success', '<fault><fault xsi:type="NotFound"></fault></fault>'), 'InvalidState');
    expect((await readInfo(admin, task)).state).toBe('running');
  });
  test('InvalidState: a fault that does not extend VimFault (RuntimeFault subtypes, MethodFault itself)', async () => {
    const task = await taskIn('running');
    for (const type of ['SystemError', 'NotSupported', 'RuntimeFault', 'MethodFault', 'ManagedObjectNotFound']) {
      expectFault(await setState(admin, task, 'error', `<fault><fault xsi:type="${type}"></fault></fault>`), 'InvalidState');
    }
    expect((await readInfo(admin, task)).state).toBe('running');
  });
  test('a VimFault (direct or indirect) is stored with its fields and message', async () => {
    const task = await taskIn('running');
    ok(
      await setState(
        admin,
        task,
        'error',
        '<fault><fault xsi:type="NoPermission"><object type="Folder">group-d1</object><privilegeId>Task.Update</privilegeId></fault><localizedMessage>denied</localizedMessage></fault>',
      ).then(async (res) => {
        // NoPermission is a SecurityError (RuntimeFault), so it is refused; use a VimFault instead.
        expectFault(res, 'InvalidState');
        return setState(
          admin,
          task,
          'error',
          '<fault><fault xsi:type="InvalidPowerState"><existingState>poweredOff</existingState></fault><localizedMessage>power</localizedMessage></fault>',
        );
      }),
    );
    const error = (await readInfo(admin, task)).error as Xml;
    expect((error.fault as Xml).$!['xsi:type']).toBe('InvalidPowerState');
    expect((error.fault as Xml).existingState).toBe('poweredOff');
    expect(error.localizedMessage).toBe('power');
  });
});

describe('UpdateProgress', () => {
  test('requires Task.Update', async () => {
    const task = await taskIn('running');
    expectFault(await taskCall(viewer, task, 'UpdateProgress', '<percentDone>5</percentDone>'), 'NoPermission', {
      object: moref('Task', task),
      privilegeId: 'Task.Update',
    });
  });
  for (const state of ['queued', 'success', 'error'] as const) {
    test(`InvalidState while ${state}`, async () => {
      const task = await taskIn(state);
      expectFault(await taskCall(admin, task, 'UpdateProgress', '<percentDone>5</percentDone>'), 'InvalidState');
      expect((await readInfo(admin, task)).progress).toBeUndefined();
    });
  }
  test('clamps: < 0 is stored as 0, > 100 as 100, in-range as given', async () => {
    const task = await taskIn('running');
    for (const [given, stored] of [
      [42, '42'],
      [-5, '0'],
      [150, '100'],
      [0, '0'],
      [100, '100'],
      [-2147483648, '0'],
      [2147483647, '100'],
    ] as const) {
      ok(await taskCall(admin, task, 'UpdateProgress', `<percentDone>${given}</percentDone>`));
      expect((await readInfo(admin, task)).progress).toBe(stored);
    }
  });
  test('a percentDone that is not an xsd:int is InvalidRequest', async () => {
    const task = await taskIn('running');
    for (const bad of ['12.5', 'ten', '2147483648', '']) {
      expectFault(await taskCall(admin, task, 'UpdateProgress', `<percentDone>${bad}</percentDone>`), 'InvalidRequest');
    }
    expect((await readInfo(admin, task)).progress).toBeUndefined();
  });
});

describe('TaskManager.CreateTask', () => {
  test('requires Task.Create', async () => {
    const res = await viewer.call(
      'CreateTask',
      'TaskManager',
      'TaskManager',
      '<obj type="Folder">group-d1</obj><taskTypeId>com.vmware.govmomi.simulator.test</taskTypeId><cancelable>true</cancelable>',
    );
    expectFault(res, 'NoPermission', { object: moref('TaskManager', 'TaskManager'), privilegeId: 'Task.Create' });
  });
  test('InvalidArgument(taskTypeId) for a task type no extension registers', async () => {
    const res = await admin.call(
      'CreateTask',
      'TaskManager',
      'TaskManager',
      '<obj type="Folder">group-d1</obj><taskTypeId>com.example.unknown</taskTypeId><cancelable>true</cancelable>',
    );
    expectFault(res, 'InvalidArgument', { invalidProperty: 'taskTypeId' });
  });
  test('InvalidArgument(parentTaskKey) for an unknown parent', async () => {
    const res = await admin.call(
      'CreateTask',
      'TaskManager',
      'TaskManager',
      '<obj type="Folder">group-d1</obj><taskTypeId>com.vmware.govmomi.simulator.test</taskTypeId><cancelable>true</cancelable><parentTaskKey>task-999999</parentTaskKey>',
    );
    expectFault(res, 'InvalidArgument', { invalidProperty: 'parentTaskKey' });
  });
  test('returns a queued TaskInfo: key = moref value, reason TaskReasonUser(initiatedBy), fields in WSDL order', async () => {
    const res = await admin.call(
      'CreateTask',
      'TaskManager',
      'TaskManager',
      '<obj type="Folder">group-d1</obj><taskTypeId>com.vmware.govmomi.simulator.test</taskTypeId><initiatedBy>tester</initiatedBy><cancelable>false</cancelable>',
    );
    ok(res);
    const info = (res.result.CreateTaskResponse as Xml).returnval as Xml;
    expect(info.state).toBe('queued');
    expect(info.task).toEqual(moref('Task', info.key as string));
    expect(info.key).toMatch(/^task-\d+$/);
    expect(info.reason).toEqual({ $: { 'xsi:type': 'TaskReasonUser' }, userName: 'tester' });
    expect(info.cancelable).toBe('false');
    expect(info.cancelled).toBe('false');
    expect(info.entity).toEqual(moref('Folder', 'group-d1'));
    expect(info.descriptionId).toBe('com.vmware.govmomi.simulator.test');
    const order = Object.keys(info).filter((k) => k !== '$');
    expect(order).toEqual(['key', 'task', 'descriptionId', 'entity', 'entityName', 'state', 'cancelled', 'cancelable', 'reason', 'queueTime', 'eventChainId']);
  });
  test('without initiatedBy the reason is the session user', async () => {
    const task = await createTask(admin);
    expect(((await readInfo(admin, task)).reason as Xml).userName).toBe('admin');
  });
  test('keys increase and are never reused', async () => {
    const a = Number((await createTask(admin)).slice(5));
    const b = Number((await createTask(admin)).slice(5));
    expect(b).toBeGreaterThan(a);
  });
  test('the task exists for every other connection the moment CreateTask answers', async () => {
    const other = await emulator.login('admin');
    for (let i = 0; i < 20; i++) {
      const task = await createTask(admin);
      ok(await setState(other, task, 'running'));
    }
  });
  test("parentTaskKey links to the parent and rootTaskKey to the parent's root", async () => {
    const root = await createTask(admin);
    const child = await createTask(admin, { parentTaskKey: root });
    const grandchild = await createTask(admin, { parentTaskKey: child });
    const childInfo = await readInfo(admin, child);
    const grandInfo = await readInfo(admin, grandchild);
    expect(childInfo.parentTaskKey).toBe(root);
    expect(childInfo.rootTaskKey).toBe(root);
    expect(grandInfo.parentTaskKey).toBe(child);
    expect(grandInfo.rootTaskKey).toBe(root);
  });
  test('any entity moref is accepted and kept', async () => {
    const task = await createTask(admin, { obj: '<obj type="VirtualMachine">vm-42</obj>' });
    const info = await readInfo(admin, task);
    expect(info.entity).toEqual(moref('VirtualMachine', 'vm-42'));
    expect(info.entityName).toBe('vm-42');
  });
  test('task types registered through RegisterExtension are accepted; unregistering removes them', async () => {
    const extension =
      '<extension><description><label>Mine</label><summary>Mine</summary></description><key>com.example.ext</key><version>1.0</version>' +
      '<taskList><taskID>com.example.ext.backup</taskID></taskList><lastHeartbeatTime>2026-01-01T00:00:00Z</lastHeartbeatTime></extension>';
    ok(await admin.call('RegisterExtension', 'ExtensionManager', 'ExtensionManager', extension));
    await createTask(admin, { taskTypeId: 'com.example.ext.backup' });
    const found = await admin.call('FindExtension', 'ExtensionManager', 'ExtensionManager', '<extensionKey>com.example.ext</extensionKey>');
    ok(found);
    expect(((found.result.FindExtensionResponse as Xml).returnval as Xml).key).toBe('com.example.ext');
    ok(await admin.call('UnregisterExtension', 'ExtensionManager', 'ExtensionManager', '<extensionKey>com.example.ext</extensionKey>'));
    const res = await admin.call(
      'CreateTask',
      'TaskManager',
      'TaskManager',
      '<obj type="Folder">group-d1</obj><taskTypeId>com.example.ext.backup</taskTypeId><cancelable>true</cancelable>',
    );
    expectFault(res, 'InvalidArgument', { invalidProperty: 'taskTypeId' });
    expectFault(await admin.call('UnregisterExtension', 'ExtensionManager', 'ExtensionManager', '<extensionKey>com.example.ext</extensionKey>'), 'NotFound');
  });
  test('RegisterExtension requires Extension.Register', async () => {
    const extension =
      '<extension><description><label>x</label><summary>x</summary></description><key>com.example.denied</key><version>1.0</version><lastHeartbeatTime>2026-01-01T00:00:00Z</lastHeartbeatTime></extension>';
    expectFault(await viewer.call('RegisterExtension', 'ExtensionManager', 'ExtensionManager', extension), 'NoPermission', {
      privilegeId: 'Extension.Register',
    });
  });
});

describe('all task methods: ManagedObjectNotFound, NotAuthenticated, NoPermission before state checks', () => {
  const calls: Array<[string, string]> = [
    ['CancelTask', ''],
    ['SetTaskDescription', '<description><key>k</key><message>m</message></description>'],
    ['SetTaskState', '<state>running</state>'],
    ['UpdateProgress', '<percentDone>1</percentDone>'],
  ];
  for (const [method, args] of calls) {
    test(`${method}: unknown task → ManagedObjectNotFound{obj}`, async () => {
      expectFault(await taskCall(admin, 'task-999999', method, args), 'ManagedObjectNotFound', { obj: moref('Task', 'task-999999') });
    });
    test(`${method}: no session → NotAuthenticated{object=_this, privilegeId=System.View}`, async () => {
      const task = await taskIn('running');
      const anonymous = new SoapSession(emulator.url());
      expectFault(await taskCall(anonymous, task, method, args), 'NotAuthenticated', { object: moref('Task', task), privilegeId: 'System.View' });
    });
  }
  for (const [method, args] of calls.slice(1)) {
    test(`${method}: NoPermission comes before InvalidState on a finished task`, async () => {
      const task = await taskIn('success');
      expectFault(await taskCall(viewer, task, method, args), 'NoPermission', { object: moref('Task', task), privilegeId: 'Task.Update' });
    });
  }
});

describe('TaskInfo on the wire', () => {
  const results: Array<[string, string, unknown]> = [
    ['xsd:string', '<result xsi:type="xsd:string">hello world</result>', { _: 'hello world', $: { 'xsi:type': 'xsd:string' } }],
    ['xsd:int', '<result xsi:type="xsd:int">42</result>', { _: '42', $: { 'xsi:type': 'xsd:int' } }],
    ['xsd:boolean', '<result xsi:type="xsd:boolean">true</result>', { _: 'true', $: { 'xsi:type': 'xsd:boolean' } }],
    [
      'ManagedObjectReference (pyVmomi writes ManagedObject)',
      '<result xsi:type="ManagedObject" type="Folder">group-d1</result>',
      { _: 'group-d1', $: { 'xsi:type': 'ManagedObjectReference', type: 'Folder' } },
    ],
    [
      'ManagedObjectReference',
      '<result xsi:type="ManagedObjectReference" type="VirtualMachine">vm-7</result>',
      { _: 'vm-7', $: { 'xsi:type': 'ManagedObjectReference', type: 'VirtualMachine' } },
    ],
    [
      'ArrayOfString',
      '<result xsi:type="ArrayOfString"><string>a</string><string>b</string></result>',
      { $: { 'xsi:type': 'ArrayOfString' }, string: ['a', 'b'] },
    ],
    ['a data object (KeyValue)', '<result xsi:type="KeyValue"><key>k</key><value>v</value></result>', { $: { 'xsi:type': 'KeyValue' }, key: 'k', value: 'v' }],
  ];
  for (const [name, xml, expected] of results) {
    test(`result keeps its xsi:type and value: ${name}`, async () => {
      const task = await taskIn('running');
      ok(await setState(admin, task, 'success', xml));
      expect((await readInfo(admin, task)).result).toEqual(expected);
    });
  }
  test('govmomi-style xsi prefix (XMLSchema-instance:type) and an undeclared xsd prefix are understood', async () => {
    const task = await taskIn('running');
    ok(
      await setState(
        admin,
        task,
        'success',
        '<result xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="xsd:long">9007199254740991</result>',
      ),
    );
    expect((await readInfo(admin, task)).result).toEqual({ _: '9007199254740991', $: { 'xsi:type': 'xsd:long' } });
  });
  test('a result whose xsi:type the WSDL does not know is InvalidRequest, not stored', async () => {
    const task = await taskIn('running');
    expectFault(await setState(admin, task, 'success', '<result xsi:type="NoSuchType">x</result>'), 'InvalidRequest');
    expect((await readInfo(admin, task)).state).toBe('running');
  });
  test('timestamps are UTC xsd:dateTime with queueTime ≤ startTime ≤ completeTime', async () => {
    const task = await taskIn('success');
    const info = await readInfo(admin, task);
    const times = [info.queueTime, info.startTime, info.completeTime] as string[];
    for (const t of times) expect(t).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    const ms = times.map((t) => Date.parse(t));
    expect(ms[0]).toBeLessThanOrEqual(ms[1]);
    expect(ms[1]).toBeLessThanOrEqual(ms[2]);
  });
});
