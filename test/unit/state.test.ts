// The state document without a server: what document() writes, restore() rebuilds exactly
// (tasks with their histories, extensions, users and roles, rules, scripts, counters, the
// inventory, method rules and *_Task methods' tasks still running), what
// the schema and the checks after it refuse (saying where, and changing nothing), and the size
// a task with a full history takes against the PUT body limit.

import { DEFAULT_INVENTORY } from '../../src/vim/inventory-tree.js';
import { constants } from 'node:buffer';
import { afterEach, describe, expect, test } from 'vitest';
import type { EmulatorControl } from '../../src/control/control.js';
import { createControlPlane } from '../../src/control/control-plane.js';
import { Injector } from '../../src/control/injection.js';
import { vimToJson, type Json } from '../../src/control/json-values.js';
import {
  type EmulatorState,
  STATE_BYTES_BASE,
  STATE_BYTES_PER_TASK,
  STATE_FORMAT_VERSION,
  stateBodyLimit,
  type StateDocument,
} from '../../src/control/state.js';
import { loadCompiledSchema } from '../../src/soap/schema.js';
import { ManagedObjectReference } from '../../src/vim/data.js';
import { createInventory, type Inventory } from '../../src/vim/inventory.js';
import { MAX_HISTORY, type Task } from '../../src/vim/Task.js';
import { UserDirectory } from '../../src/vim/users.js';
import type { CallContext, ManagedObject } from '../../src/vim/managed-object.js';
import { testSession } from '../helpers/sessions.js';

const schema = loadCompiledSchema();

interface Harness {
  readonly inventory: Inventory;
  readonly control: EmulatorControl;
  readonly state: EmulatorState;
  readonly users: UserDirectory;
}

const opened: Harness[] = [];
afterEach(() => {
  for (const h of opened.splice(0)) {
    h.control.dispose();
    h.inventory.dispose();
  }
});

function harness(maxTasks = 1000, maxInventoryEntities?: number): Harness {
  const users = new UserDirectory(undefined);
  const injector = new Injector();
  const inventory = createInventory({
    types: schema,
    callHook: injector,
    users,
    sessionIdleTimeoutMs: 60_000,
    tasks: { cancelMode: 'cooperative', cancelTimeoutMs: 0, recentTaskRetentionMs: 600_000, maxTasks, maxCollector: 8 },
    about: { apiVersion: '8.0.2.0', version: '8.0.3', build: '1' },
    maxInventoryEntities,
  });
  const { control, state } = createControlPlane({ types: schema, inventory, users, injector, taskDurationMs: 100, startInventory: DEFAULT_INVENTORY });
  const h = { inventory, control, state, users };
  opened.push(h);
  return h;
}

const ACTOR = { user: 'unit', method: 'test' };
// The refusal table edits documents freely.
type Doc = Record<string, any>;

/** A state with one of everything the document carries. */
function populate(h: Harness): void {
  h.control.seed({
    extensions: [{ key: 'com.example.ext', taskTypes: ['com.example.ext.backup'], label: 'Example' }],
    users: [
      { userName: 'admin', password: 'admin', role: 'Admin' },
      { userName: 'watcher', password: 'w', role: 'Watcher', fullName: 'Wat Cher' },
    ],
    roles: { Watcher: ['Task.Update'] },
    tasks: [
      { state: 'success', initiatedBy: 'seeder', description: { key: 'k', message: 'seeded' }, result: { _type: 'xsd:int', value: 42 } },
      { state: 'error', fault: { type: 'NotFound', message: 'gone' } },
      { state: 'running', progress: 30, taskTypeId: 'com.example.ext.backup' },
      { lifecycle: { startAfterMs: 60_000, durationMs: 60_000, progressSteps: 3, outcome: 'error', fault: { type: 'InvalidState' } } },
    ],
    faults: [{ method: 'UpdateProgress', fault: { type: 'NotFound', message: 'injected' }, count: 3, probability: 1 }],
    latency: [{ method: 'CreateTask', delayMs: 5, jitterMs: 2 }],
  });
  // Rule hits are state too.
  h.control.faultRules()[0].hits = 2;
  // More changes than a history keeps: the creation entry and the oldest changes are dropped.
  const busy = h.control.createTask({ state: 'running' });
  for (let i = 0; i < MAX_HISTORY + 10; i++) busy.updateProgress(i % 100, ACTOR);
  // A cooperatively canceled running task.
  h.control.createTask({ state: 'running' }).cancel(ACTOR);
}

function jsonOf(document: StateDocument): Json {
  return JSON.parse(JSON.stringify(document));
}

function tasksOf(h: Harness): Task[] {
  return [...h.inventory.taskManager.allTasks()];
}

describe('round trip', () => {
  test('restore() rebuilds exactly what document() wrote: the document, every TaskInfo and history', () => {
    const a = harness();
    populate(a);
    const written = jsonOf(a.state.document());
    const b = harness();
    b.state.restore(written);
    expect(jsonOf(b.state.document())).toEqual(written);
    expect(tasksOf(b).map((t) => vimToJson(t.info))).toEqual(tasksOf(a).map((t) => vimToJson(t.info)));
    expect(tasksOf(b).map((t) => t.history)).toEqual(tasksOf(a).map((t) => t.history));
    // Restored TaskInfos have the fields, in the order, that created ones have.
    expect(tasksOf(b).map((t) => Object.keys(t.info))).toEqual(tasksOf(a).map((t) => Object.keys(t.info)));
    // The busy task's history was cut to MAX_HISTORY entries without its creation entry.
    const busy = tasksOf(b)[4];
    expect(busy.history).toHaveLength(MAX_HISTORY);
    expect(busy.history[0].method).toBe('test');
  });

  test('the document has every part, with the format version', () => {
    const h = harness();
    populate(h);
    const doc = h.state.document();
    expect(doc.format).toBe('vtask-emulator-state');
    expect(doc.version).toBe(STATE_FORMAT_VERSION);
    expect(doc.tasks.map((t) => t.info.state)).toEqual(['success', 'error', 'running', 'queued', 'running', 'running']);
    expect(doc.extensions.map((e) => e.key)).toEqual(['com.vmware.govmomi.simulator', 'com.example.ext']);
    expect(doc.users.open).toBe(false);
    expect(doc.users.users.map((u) => u.userName)).toEqual(['admin', 'watcher']);
    expect(doc.users.roles.Admin).toBe('all');
    expect(doc.users.roles.Watcher).toEqual(['System.Anonymous', 'System.View', 'System.Read', 'Task.Update']);
    expect(doc.faults).toEqual([
      { id: expect.any(String), method: 'UpdateProgress', fault: { type: 'NotFound', message: 'injected' }, count: 3, probability: 1, hits: 2 },
    ]);
    expect(doc.latency).toEqual([{ id: expect.any(String), method: 'CreateTask', delayMs: 5, jitterMs: 2 }]);
    expect(doc.lifecycles).toHaveLength(1);
    expect(doc.lifecycles[0]).toMatchObject({ task: 'task-4', outcome: 'error', fault: { _type: 'LocalizedMethodFault', fault: { _type: 'InvalidState' } } });
    expect(doc.lifecycles[0].steps.map((s) => s.kind)).toEqual(['start', 'progress', 'progress', 'progress', 'outcome']);
    expect(doc.counters).toEqual({ nextTaskNumber: 7, nextEventChainId: 7, lastTimestamp: expect.any(Number) });
  });

  test('after a restore new task keys and event chains continue from the counters; users and rules are in force', () => {
    const a = harness();
    populate(a);
    const b = harness();
    b.state.restore(jsonOf(a.state.document()));
    const next = b.control.createTask({});
    expect(next.key).toBe('task-7');
    expect(next.info.eventChainId).toBe(7);
    expect(Date.parse(next.info.queueTime)).toBeGreaterThanOrEqual(a.state.document().counters.lastTimestamp);
    expect(b.users.authenticate('watcher', 'w')?.role).toBe('Watcher');
    expect(b.users.authenticate('someone', 'else')).toBeUndefined();
    expect(b.control.faultRules().map((r) => r.id)).toEqual(a.control.faultRules().map((r) => r.id));
    expect(b.control.faultRules()[0].fault.faultType).toBe('NotFound');
    expect(b.inventory.extensionManager.hasTaskType('com.example.ext.backup')).toBe(true);
    expect(b.control.lifecycles.pending).toBe(1);
  });

  test('a restore replaces everything that was there, and an open (no users) state stays open', () => {
    const a = harness();
    a.control.createTask({ state: 'success' });
    const b = harness();
    populate(b);
    b.state.restore(jsonOf(a.state.document()));
    expect(tasksOf(b).map((t) => t.key)).toEqual(['task-1']);
    expect(b.control.faultRules()).toEqual([]);
    expect(b.control.lifecycles.pending).toBe(0);
    expect(b.users.authenticate('anyone', 'x')?.role).toBe('Admin');
    expect(b.inventory.extensionManager.hasTaskType('com.example.ext.backup')).toBe(false);
  });

  test('a script whose steps are past due runs them at once after a restore', async () => {
    const a = harness();
    a.control.createTask({ lifecycle: { startAfterMs: 0, durationMs: 10, progressSteps: 1, outcome: 'success', result: 'done' } });
    const written = jsonOf(a.state.document());
    a.control.lifecycles.clear();
    const b = harness();
    b.state.restore(written);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(b.inventory.taskManager.task('task-1')?.state).toBe('success');
    expect(b.control.lifecycles.pending).toBe(0);
  });

  test('more tasks than --max-tasks: the oldest completed are forgotten, as they would be', () => {
    const a = harness();
    for (let i = 0; i < 5; i++) a.control.createTask({ state: 'success' });
    a.control.createTask({ state: 'running' });
    const b = harness(3);
    b.state.restore(jsonOf(a.state.document()));
    expect(tasksOf(b).map((t) => t.key)).toEqual(['task-4', 'task-5', 'task-6']);
  });
});

const CALL: CallContext = {
  session: testSession('s1', { userName: 'alice' }),
  types: schema,
  connection: { ipAddress: '127.0.0.1', userAgent: 'test', clientCertificate: undefined, sessionChanged: () => undefined },
  lifetime: { whenClientGone: () => () => undefined },
};

/** The object at an inventory path, or a snapshot by reference value. */
function at(h: Harness, path: string): ManagedObject {
  const found = path.startsWith('/') ? h.inventory.tree.find(path) : h.inventory.registry.get(new ManagedObjectReference('VirtualMachineSnapshot', path));
  if (!found) throw new Error(`nothing at ${path}`);
  return found;
}

/** Calls a *_Task method as a SOAP client would; returns its task. */
function call(h: Harness, target: string, method: string, args: Record<string, unknown> = {}): Task {
  const object = at(h, target);
  const handler = object.method(method);
  if (!handler) throw new Error(`${target} has no ${method}`);
  const ref = handler.call(object, CALL, args as never) as ManagedObjectReference;
  const task = h.inventory.taskManager.task(ref.value);
  if (!task) throw new Error(`no task ${ref.value}`);
  return task;
}

/** A property of the object at a path, as JSON (null: unset). */
function prop(h: Harness, path: string, name: string): Json {
  const value = at(h, path).getProperty(name, undefined);
  return value === undefined ? null : vimToJson(value);
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

/** Rules that hang web-01's power-on and run everything else at once. */
function hangPowerOn(h: Harness): Task {
  h.control.addMethodRule({ method: 'PowerOnVM_Task', entity: '/DC0/vm/web-01', outcome: 'hangUntilFinished' });
  h.control.addMethodRule({ method: 'PowerOffVM_Task', queueMs: 60_000, durationMs: 60_000, progressSteps: 2 });
  h.control.addMethodRule({ durationMs: 0, count: 100 });
  return call(h, '/DC0/vm/web-01', 'PowerOnVM_Task');
}

/** The inventory changed every way effects change it, with a hung and a slow task still running. */
async function changeInventory(h: Harness): Promise<void> {
  hangPowerOn(h);
  const vmFolder = at(h, '/DC0/vm').ref;
  call(h, '/DC0/vm/web-02', 'CloneVM_Task', { folder: vmFolder, name: 'web-03', spec: { _type: 'VirtualMachineCloneSpec', powerOn: false } });
  call(h, '/DC0/host/C0/esx-02', 'Rename_Task', { newName: 'esx-02b' });
  call(h, '/DC0/vm/db-01', 'CreateSnapshot_Task', { name: 'before', description: 'first', memory: false, quiesce: true });
  await settle();
  call(h, '/DC0/vm/db-01', 'ReconfigVM_Task', { spec: { _type: 'VirtualMachineConfigSpec', numCPUs: 4, memoryMB: 4096 } });
  call(h, '/DC0/vm/db-01', 'CreateSnapshot_Task', { name: 'after', description: 'second', memory: false, quiesce: false });
  call(h, '/DC0/vm/web-03', 'PowerOnVM_Task');
  call(h, '/DC0/vm/web-02', 'Destroy_Task');
  // Moved after web-03 was placed there: esx-02's vm list is then not in tree order.
  call(h, '/DC0/vm/db-01', 'MigrateVM_Task', { host: at(h, '/DC0/host/C0/esx-02b').ref, priority: 'defaultPriority' });
  await settle();
  call(h, '/DC0/vm/db-01', 'PowerOffVM_Task');
}

/** Every property of every entity and snapshot, as clients would read them. */
function propertiesOf(h: Harness): Json {
  const out: { [ref: string]: Json } = {};
  const read = (object: ManagedObject) => {
    const properties: { [name: string]: Json } = {};
    for (const name of Object.keys(object.propertyTypes)) {
      const value = object.getProperty(name, undefined);
      properties[name] = value === undefined ? null : vimToJson(value);
    }
    out[object.ref.toString()] = properties;
  };
  for (const entity of h.inventory.tree.snapshot().entities) {
    read(at(h, h.control.inventory().find((e) => e.ref === entity.ref)?.path ?? ''));
    if (entity.type === 'VirtualMachine') for (const s of entity.snapshots ?? []) read(at(h, s.ref));
  }
  return out;
}

describe('the inventory, method rules and *_Task tasks', () => {
  test('round-trip exactly: the document, every entity property, rules with their counters, new references after', async () => {
    const a = harness();
    await changeInventory(a);
    const written = jsonOf(a.state.document());
    const b = harness();
    b.state.restore(written);
    expect(jsonOf(b.state.document())).toEqual(written);
    expect(b.control.inventory()).toEqual(a.control.inventory());
    expect(b.control.inventory().map((e) => e.path)).toEqual(expect.arrayContaining(['/DC0/vm/web-03', '/DC0/host/C0/esx-02b']));
    expect(b.control.inventory().map((e) => e.path)).not.toContain('/DC0/vm/web-02');
    expect(propertiesOf(b)).toEqual(propertiesOf(a));
    expect(prop(b, '/DC0/vm/db-01', 'snapshot')).toMatchObject({
      rootSnapshotList: [{ name: 'before', quiesced: true, childSnapshotList: [{ name: 'after' }] }],
    });
    expect(prop(b, '/DC0/vm/web-03', 'runtime')).toMatchObject({ powerState: 'poweredOn' });
    expect(b.control.methodRules.list().map((r) => [r.id, r.seen, r.hits])).toEqual(a.control.methodRules.list().map((r) => [r.id, r.seen, r.hits]));
    // New references continue from the counter in both.
    const vmFolder = at(a, '/DC0/vm').ref;
    for (const h of [a, b]) call(h, '/DC0/vm/db-01', 'CloneVM_Task', { folder: vmFolder, name: 'db-02', spec: { _type: 'VirtualMachineCloneSpec' } });
    await settle();
    expect(b.control.inventory()).toEqual(a.control.inventory());
  });

  test('a hung task survives a restore and the control API finishes it; a slow one keeps its timetable; recentTask points at restored tasks', async () => {
    const a = harness();
    await changeInventory(a);
    const written = jsonOf(a.state.document()) as Doc;
    expect(written.methodTasks.map((t: Doc) => [t.method, t.outcome, t.steps.length])).toEqual([
      ['PowerOnVM_Task', 'hangUntilFinished', 0],
      ['PowerOffVM_Task', 'success', 4],
    ]);
    const b = harness();
    b.state.restore(written);
    await settle();
    const hung = b.inventory.taskManager.task('task-1');
    expect(hung?.state).toBe('running');
    const web01 = at(b, '/DC0/vm/web-01');
    expect(web01.getProperty('recentTask', undefined)).toEqual([hung?.ref]);
    b.control.finishTask('task-1', { outcome: 'success' });
    expect(hung?.state).toBe('success');
    expect(prop(b, '/DC0/vm/web-01', 'runtime')).toMatchObject({ powerState: 'poweredOn' });
    // The slow power-off is still queued, due a minute after it started.
    const slow = written.methodTasks[1];
    expect(b.inventory.taskManager.task(slow.task)?.state).toBe('queued');
  });

  test("steps past due run at once after a restore, and the effect applies with the saved call's arguments", async () => {
    const a = harness();
    await changeInventory(a);
    const written = jsonOf(a.state.document()) as Doc;
    for (const step of written.methodTasks[1].steps) step.at = 0;
    const b = harness();
    b.state.restore(written);
    await settle();
    expect(b.inventory.taskManager.task(written.methodTasks[1].task)?.state).toBe('success');
    expect(prop(b, '/DC0/vm/db-01', 'runtime')).toMatchObject({ powerState: 'poweredOff' });
    expect(b.state.document().methodTasks).toHaveLength(1);
  });

  test('a task hung until canceled stays hung and a cancel ends it', async () => {
    const a = harness();
    a.control.addMethodRule({ method: 'Destroy_Task', outcome: 'hangUntilCancelled' });
    call(a, '/DC0/vm/web-02', 'Destroy_Task');
    await settle();
    const b = harness();
    b.state.restore(jsonOf(a.state.document()));
    await settle();
    const task = b.inventory.taskManager.task('task-1');
    expect(task?.state).toBe('running');
    task?.cancel(ACTOR);
    await settle();
    expect(task?.state).toBe('error');
    expect(b.control.inventory().map((e) => e.path)).toContain('/DC0/vm/web-02');
  });

  test('a version 1 document restores the inventory the emulator started with, and no method rules', async () => {
    const a = harness();
    a.control.createTask({ state: 'success' });
    const v1 = jsonOf(a.state.document()) as Doc;
    v1.version = 1;
    delete v1.inventory;
    delete v1.methods;
    delete v1.methodTasks;
    const b = harness();
    await changeInventory(b);
    b.state.restore(v1);
    expect(b.control.inventory()).toEqual(harness().control.inventory());
    expect(b.control.methodRules.list()).toEqual([]);
    expect(tasksOf(b).map((t) => t.key)).toEqual(['task-1']);
  });
});

describe('refusals', () => {
  /** A valid document with one change made by `edit`. */
  function edited(edit: (doc: Doc) => void): Json {
    const h = harness();
    populate(h);
    const doc = jsonOf(h.state.document()) as Doc;
    edit(doc);
    return doc;
  }

  test.each([
    ['not an object', () => [] as Json, 'state must be a JSON object'],
    ['another format', (d: Doc) => (d.format = 'something-else'), 'not a vtask-emulator state document'],
    ['a newer format version', (d: Doc) => (d.version = STATE_FORMAT_VERSION + 1), 'format version 3, newer than this build reads (2)'],
    ['an unknown key', (d: Doc) => (d.sessions = []), "state: unknown key 'sessions'"],
    ['a missing part', (d: Doc) => delete d.counters, 'state.counters is required'],
    ['a history entry without time', (d: Doc) => delete d.tasks[0].history[0].time, 'state.tasks[0].history[0].time is required'],
    ['a field no change sets', (d: Doc) => (d.tasks[0].history[0].fields.key = 'x'), "state.tasks[0].history[0].fields: unknown key 'key'"],
    ['a bad TaskInfo state', (d: Doc) => (d.tasks[1].info.state = 'bogus'), "state.tasks[1].info.state: 'bogus' is not a valid TaskInfoState"],
    ['a bad task key', (d: Doc) => (d.tasks[0].info.key = 'job-1'), 'state.tasks[0].info.key must be task-<number>'],
    ['a duplicate task', (d: Doc) => d.tasks.push(d.tasks[0]), 'a second task task-1'],
    ['a counter that would reuse a key', (d: Doc) => (d.counters.nextTaskNumber = 3), 'task-3 is not below counters.nextTaskNumber (3)'],
    ['a finished task without completeTime', (d: Doc) => delete d.tasks[0].info.completeTime, 'state.tasks[0].info: a success task needs a completeTime'],
    ['a user with an unknown role', (d: Doc) => (d.users.users[1].role = 'Nobody'), "state.users.users[1]: unknown role 'Nobody'"],
    ['an unknown fault type', (d: Doc) => (d.faults[0].fault.type = 'NoSuchFault'), "state.faults[0].fault: 'NoSuchFault' is not a vim25 fault type"],
    [
      'a script on a finished task',
      (d: Doc) => (d.lifecycles[0].task = 'task-1'),
      'state.lifecycles[0].task must be a task of this document that has not completed',
    ],
    ['an extension that is not one', (d: Doc) => (d.extensions[0]._type = 'Description'), "state.extensions[0]: 'Description' is not a Extension"],
  ])('%s: refused, saying where, and nothing changes', (_name, edit, message) => {
    const document = typeof edit === 'function' && edit.length === 0 ? (edit as () => Json)() : edited(edit as (d: Doc) => void);
    const target = harness();
    target.control.createTask({ state: 'running' });
    const before = jsonOf(target.state.document());
    expect(() => target.state.restore(document)).toThrow(message);
    expect(jsonOf(target.state.document())).toEqual(before);
  });
});

describe('refusals of the inventory, method rules and *_Task tasks', () => {
  const vmAt = (d: Doc, name: string) => d.inventory.entities.find((e: Doc) => e.name === name);
  test.each([
    [
      'a parent that is not there',
      (d: Doc) => (vmAt(d, 'web-02').parent = 'group-v999'),
      'state.inventory.entities[',
      ".parent: no entity 'group-v999' before it",
    ],
    ['a second entity of a reference', (d: Doc) => d.inventory.entities.push({ ...vmAt(d, 'web-02'), name: 'again' }), '', ": a second entity 'vm-"],
    ['a counter new references would collide with', (d: Doc) => (d.inventory.nextId = 3), 'state.inventory.entities[', 'is not below nextId (3)'],
    ['a member of another type', (d: Doc) => (d.inventory.entities[1].numCPU = 2), 'state.inventory.entities[1]: a ', " has no 'numCPU'"],
    ['a missing member', (d: Doc) => delete vmAt(d, 'web-01').powerState, 'state.inventory.entities[', ": a VirtualMachine needs 'powerState'"],
    [
      'a VM in a datacenter',
      (d: Doc) => (vmAt(d, 'web-01').parent = d.inventory.entities[1].ref),
      'state.inventory.entities[',
      '.parent: a VirtualMachine cannot be in the Datacenter',
    ],
    [
      'a host that is a datastore',
      (d: Doc) => (vmAt(d, 'web-01').host = vmAt(d, 'web-01').datastores[0]),
      'state.inventory.entities[',
      ".host: no HostSystem 'datastore-",
    ],
    ['not the root folder first', (d: Doc) => d.inventory.entities.shift(), 'state.inventory.entities[0] must be the root folder', ''],
    [
      'a current snapshot of another VM',
      (d: Doc) => (vmAt(d, 'web-01').currentSnapshot = 'snapshot-1'),
      'state.inventory.entities[',
      ".currentSnapshot: 'snapshot-1' is not a snapshot of this VM",
    ],
    [
      'a recent task not in the document',
      (d: Doc) => (vmAt(d, 'web-02').recentTask = ['task-99']),
      'state.inventory.entities[',
      ".recentTask[0]: no task 'task-99' in this document",
    ],
    [
      "a VM missing from its host's list",
      (d: Doc) => d.inventory.entities.find((e: Doc) => e.type === 'HostSystem').vms.pop(),
      'state.inventory.entities[',
      'is placed there but not listed',
    ],
    [
      'a VM in a list it is not placed in',
      (d: Doc) => d.inventory.entities.find((e: Doc) => e.type === 'Network').vms.push('vm-1'),
      'state.inventory.entities[',
      "'vm-1' is not a VM placed there",
    ],
    [
      'an outcome step for a hung task',
      (d: Doc) => d.methodTasks[0].steps.push({ at: 0, kind: 'outcome' }),
      'state.methodTasks[0].steps[1]: a hangUntilFinished task has no outcome step',
      '',
    ],
    [
      'a bad power state',
      (d: Doc) => (vmAt(d, 'web-01').powerState = 'off'),
      'state.inventory.entities[',
      '.powerState must be one of poweredOn, poweredOff, suspended',
    ],
    ['no inventory in a version 2 document', (d: Doc) => delete d.inventory, 'state.inventory is required (format version 2)', ''],
    ['a method rule of no *_Task method', (d: Doc) => (d.methods[0].method = 'PowerOn'), "state.methods[0].method: unknown method 'PowerOn'", ''],
    ['two method rules of one id', (d: Doc) => (d.methods[1].id = d.methods[0].id), 'state.methods[1].id: a second rule', ''],
    [
      'a method task on a VM not in the inventory',
      (d: Doc) => (d.methodTasks[0].target.value = 'vm-999'),
      "state.methodTasks[0].target: no VirtualMachine 'vm-999'",
      '',
    ],
    [
      'a method task of a finished task',
      (d: Doc) => (d.methodTasks[0].task = 'task-99'),
      'state.methodTasks[0].task must be a task of this document that has not completed',
      '',
    ],
  ])('%s: refused, saying where, and nothing changes', (_name, edit, start, end) => {
    const source = harness();
    hangPowerOn(source);
    const document = jsonOf(source.state.document()) as Doc;
    edit(document);
    const target = harness();
    hangPowerOn(target);
    const before = jsonOf(target.state.document());
    let message = '';
    try {
      target.state.restore(document);
    } catch (error) {
      message = error instanceof Error ? error.message : String(error);
    }
    expect(message.startsWith(start) || start === '').toBe(true);
    expect(message).toContain(end || start);
    expect(jsonOf(target.state.document())).toEqual(before);
  });

  test('more entities than the bound: refused, naming it', async () => {
    const source = harness();
    source.control.addMethodRule({ durationMs: 0 });
    call(source, '/DC0/vm/web-01', 'CloneVM_Task', { folder: at(source, '/DC0/vm').ref, name: 'web-04', spec: { _type: 'VirtualMachineCloneSpec' } });
    await settle();
    const document = jsonOf(source.state.document()) as Doc;
    // Room for the default inventory (every entry but the root folder), not for the clone.
    const target = harness(1000, document.inventory.entities.length - 2);
    const before = jsonOf(target.state.document());
    expect(() => target.state.restore(document)).toThrow(/^state\.inventory\.entities: \d+ entities and snapshots; at most \d+ are allowed$/);
    expect(jsonOf(target.state.document())).toEqual(before);
  });
});

describe('size', () => {
  test('a full inventory (10,000 entities, each VM with a snapshot) fits STATE_BYTES_BASE with room for the rest', async () => {
    const h = harness();
    const vms = Array.from({ length: 4_995 }, (_, i) => ({ name: `vm-${String(i).padStart(5, '0')}`, folder: `team-${i % 3}` }));
    h.control.loadInventory({ datacenters: [{ name: 'DC0', hosts: ['esx-01'], datastores: ['datastore1'], networks: ['VM Network'], vms }] });
    h.control.addMethodRule({ durationMs: 0 });
    const size = h.inventory.tree.size;
    for (let i = 0; i < 10_000 - size; i++)
      call(h, `/DC0/vm/team-${i % 3}/${vms[i].name}`, 'CreateSnapshot_Task', { name: `s${i}`, memory: false, quiesce: false });
    const began = Date.now();
    while (h.inventory.tree.size < 10_000 && Date.now() - began < 20_000) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(h.inventory.tree.size).toBe(10_000);
    const bytes = Buffer.byteLength(JSON.stringify(h.state.document().inventory));
    expect(bytes).toBeLessThan(STATE_BYTES_BASE / 2);
  }, 60_000);

  test('a task with a full history fits STATE_BYTES_PER_TASK with room to spare; the PUT limit grows with --max-tasks', () => {
    const h = harness();
    const user = 'u'.repeat(64);
    const task = h.inventory.taskManager.create(
      { obj: new ManagedObjectReference('Folder', 'group-d1'), taskTypeId: 'com.vmware.govmomi.simulator.test', cancelable: true, initiatedBy: user },
      { user, method: 'CreateTask' },
    );
    const actor = { user, method: 'UpdateProgress' };
    task.setDescription({ _type: 'LocalizableMessage', key: 'k'.repeat(64), message: 'm'.repeat(256) }, actor);
    task.setState({ state: 'running' }, actor);
    for (let i = 0; i < MAX_HISTORY; i++) task.updateProgress(i % 100, actor);
    const bytes = Buffer.byteLength(JSON.stringify(h.state.document().tasks[0]));
    expect(task.history).toHaveLength(MAX_HISTORY);
    expect(bytes).toBeLessThan(STATE_BYTES_PER_TASK);
    expect(stateBodyLimit(10_000)).toBe(stateBodyLimit(0) + 10_000 * STATE_BYTES_PER_TASK);
    // Never beyond what one string (the body is read into one) can hold.
    expect(stateBodyLimit(1_000_000)).toBe(constants.MAX_STRING_LENGTH);
  });
});
