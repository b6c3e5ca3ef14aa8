// The *_Task methods of the inventory over raw SOAP: the task each starts, the lifecycles method
// rules script (control API), cancel in both modes, effects, and refusals.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ControlApiError, ControlClient } from '../../src/control/client.js';
import { EXAMPLE_USERS, startLoggedIn, type Running, type SoapConnection } from '../helpers/emulator.js';
import type { SoapSession } from '../helpers/soap-client.js';
import { expectFault, ok, readInfo, readProperty, refOf, startTask, text, type Xml } from '../helpers/tasks.js';

async function until(s: SoapSession, task: string, done: (info: Xml) => boolean, timeoutMs = 10_000): Promise<Xml> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await readInfo(s, task);
    if (done(info)) return info;
    if (Date.now() > deadline) throw new Error(`task ${task} never got there: ${JSON.stringify(info)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const finished = (info: Xml) => info.state === 'success' || info.state === 'error';

describe('*_Task methods (immediate cancel mode)', () => {
  let env: Running<SoapConnection>;
  let control: ControlClient;
  let s: SoapSession;

  beforeAll(async () => {
    env = await startLoggedIn({ taskDurationMs: 20 });
    control = new ControlClient({ baseUrl: env.url() });
    s = env.session;
  });
  afterEach(async () => control.reset());
  afterAll(async () => env?.close());

  it('PowerOnVM_Task answers with a task on the VM at once, then powers the VM on', async () => {
    const vm = await refOf(control, '/DC0/vm/web-01');
    expect(text(await readProperty(s, 'VirtualMachine', vm, 'runtime.powerState'))).toBe('poweredOff');
    const task = await startTask(s, 'PowerOnVM_Task', 'VirtualMachine', vm);
    const first = await readInfo(s, task);
    expect(first.descriptionId).toBe('VirtualMachine.powerOn');
    expect((first.entity as Xml)._).toBe(vm);
    expect(first.entityName).toBe('web-01');
    expect(first.cancelable).toBe('false');
    expect((first.reason as Xml).userName).toBe('admin');
    const recent = (await readProperty(s, 'VirtualMachine', vm, 'recentTask')) as Xml;
    expect([recent.ManagedObjectReference].flat().map(text)).toContain(task);
    const done = await until(s, task, finished);
    expect(done.state).toBe('success');
    expect(text(await readProperty(s, 'VirtualMachine', vm, 'runtime.powerState'))).toBe('poweredOn');
    expect(text(await readProperty(s, 'VirtualMachine', vm, 'summary.config.name'))).toBe('web-01');
  });

  it('a PropertyCollector waiter on runtime.powerState wakes with the effect', async () => {
    const vm = await refOf(control, '/DC0/vm/web-01');
    const spec = `<spec><propSet><type>VirtualMachine</type><pathSet>runtime.powerState</pathSet></propSet><objectSet><obj type="VirtualMachine">${vm}</obj></objectSet></spec>`;
    ok(await s.call('CreateFilter', 'PropertyCollector', 'propertyCollector', `${spec}<partialUpdates>false</partialUpdates>`));
    const first = await s.call('WaitForUpdatesEx', 'PropertyCollector', 'propertyCollector', '');
    ok(first);
    const version = String(((first.result.WaitForUpdatesExResponse as Xml).returnval as Xml).version);
    const waiting = s.call('WaitForUpdatesEx', 'PropertyCollector', 'propertyCollector', `<version>${version}</version>`);
    await startTask(s, 'PowerOnVM_Task', 'VirtualMachine', vm);
    const woken = await waiting;
    ok(woken);
    const update = (((woken.result.WaitForUpdatesExResponse as Xml).returnval as Xml).filterSet as Xml).objectSet as Xml;
    expect(update.kind).toBe('modify');
    expect(text((update.changeSet as Xml).val)).toBe('poweredOn');
  });

  it('every entity answers a read of all its properties (each value encodes as its WSDL type)', async () => {
    const vm = await refOf(control, '/DC0/vm/web-01');
    await until(s, await startTask(s, 'CreateSnapshot_Task', 'VirtualMachine', vm, '<name>s</name><memory>false</memory><quiesce>false</quiesce>'), finished);
    const objects = [
      ...(await control.inventory.list()).map((e) => [e.type, e.ref]),
      ['VirtualMachineSnapshot', String(text(await readProperty(s, 'VirtualMachine', vm, 'snapshot.currentSnapshot')))],
    ];
    for (const [type, ref] of objects) {
      const res = await s.call(
        'RetrievePropertiesEx',
        'PropertyCollector',
        'propertyCollector',
        `<specSet><propSet><type>${type}</type><all>true</all></propSet><objectSet><obj type="${type}">${ref}</obj></objectSet></specSet><options/>`,
      );
      ok(res);
      expect(res.body, `${type}:${ref}`).toContain(`<obj type="${type}">${ref}</obj>`);
    }
  });

  it('fault and latency rules act on the call, before any task exists; method rules on the task', async () => {
    const vm = await refOf(control, '/DC0/vm/web-01');
    await control.faults.add({ method: 'PowerOnVM_Task', count: 1, fault: { type: 'InvalidState', message: 'injected on the call' } });
    await control.latency.add({ method: 'PowerOnVM_Task', delayMs: 150 });
    await control.methods.add({ method: 'PowerOnVM_Task', fault: { type: 'InsufficientResourcesFault' } });
    const before = (await control.tasks.list()).length;
    const started = Date.now();
    expectFault(await s.call('PowerOnVM_Task', 'VirtualMachine', vm), 'InvalidState');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect((await control.tasks.list()).length).toBe(before);
    const task = await startTask(s, 'PowerOnVM_Task', 'VirtualMachine', vm);
    const done = await until(s, task, finished);
    expect(((done.error as Xml).fault as Xml).$?.['xsi:type']).toBe('InsufficientResourcesFault');
  });

  it('a rule fails PowerOnVM_Task after 50% with the fault it names, and leaves the VM off', async () => {
    await control.methods.add({
      method: 'PowerOnVM_Task',
      entity: '/DC0/vm/web-01',
      durationMs: 400,
      progressSteps: 1,
      fault: { type: 'InsufficientResourcesFault', message: 'not enough CPU' },
    });
    const vm = await refOf(control, '/DC0/vm/web-01');
    const task = await startTask(s, 'PowerOnVM_Task', 'VirtualMachine', vm);
    const half = await until(s, task, (info) => info.progress === '50' || finished(info));
    expect(half.state).toBe('running');
    const done = await until(s, task, finished);
    expect(done.state).toBe('error');
    expect(((done.error as Xml).fault as Xml).$?.['xsi:type']).toBe('InsufficientResourcesFault');
    expect((done.error as Xml).localizedMessage).toBe('not enough CPU');
    expect(text(await readProperty(s, 'VirtualMachine', vm, 'runtime.powerState'))).toBe('poweredOff');
  });

  it('a rule with call: 2 decides only the second matching call', async () => {
    await control.methods.add({ method: 'PowerOffVM_Task', entityType: 'VirtualMachine', call: 2, fault: { type: 'InvalidState' } });
    const vm = await refOf(control, '/DC0/vm/web-02');
    const first = await until(s, await startTask(s, 'PowerOffVM_Task', 'VirtualMachine', vm), finished);
    const second = await until(s, await startTask(s, 'PowerOffVM_Task', 'VirtualMachine', vm), finished);
    const third = await until(s, await startTask(s, 'PowerOffVM_Task', 'VirtualMachine', vm), finished);
    expect([first.state, second.state, third.state]).toEqual(['success', 'error', 'success']);
    const [rule] = await control.methods.list();
    expect(rule).toMatchObject({ seen: 3, hits: 1 });
  });

  it('hangUntilCancelled: CancelTask ends the task as canceled', async () => {
    await control.methods.add({ method: 'PowerOnVM_Task', outcome: 'hangUntilCancelled' }); // cancelable by default
    const vm = await refOf(control, '/DC0/vm/web-01');
    const task = await startTask(s, 'PowerOnVM_Task', 'VirtualMachine', vm);
    await until(s, task, (info) => info.state === 'running');
    ok(await s.call('CancelTask', 'Task', task));
    const done = await until(s, task, finished);
    expect(done.state).toBe('error');
    expect(done.cancelled).toBe('true');
    expect(((done.error as Xml).fault as Xml).$?.['xsi:type']).toBe('RequestCanceled');
    expect(text(await readProperty(s, 'VirtualMachine', vm, 'runtime.powerState'))).toBe('poweredOff');
  });

  it('a task vCenter does not let clients cancel refuses CancelTask with NotSupported', async () => {
    await control.methods.add({ method: 'PowerOnVM_Task', outcome: 'hangUntilFinished' });
    const task = await startTask(s, 'PowerOnVM_Task', 'VirtualMachine', await refOf(control, '/DC0/vm/web-01'));
    expectFault(await s.call('CancelTask', 'Task', task), 'NotSupported');
    await control.tasks.finish(task, { outcome: 'error', fault: { type: 'InvalidPowerState', fields: { existingState: 'poweredOff' } } });
    const done = await readInfo(s, task);
    expect(((done.error as Xml).fault as Xml).$?.['xsi:type']).toBe('InvalidPowerState');
  });

  it('hangUntilFinished: the control API finishes the task, and success runs the effect', async () => {
    await control.methods.add({ method: 'PowerOnVM_Task', outcome: 'hangUntilFinished' });
    const vm = await refOf(control, '/DC0/vm/web-01');
    const task = await startTask(s, 'PowerOnVM_Task', 'VirtualMachine', vm);
    await until(s, task, (info) => info.state === 'running');
    await new Promise((r) => setTimeout(r, 100));
    expect((await readInfo(s, task)).state).toBe('running');
    const info = await control.tasks.finish(task, { outcome: 'success' });
    expect(info.state).toBe('success');
    expect(text(await readProperty(s, 'VirtualMachine', vm, 'runtime.powerState'))).toBe('poweredOn');
    await expect(control.tasks.finish(task, { outcome: 'success' })).rejects.toMatchObject({ status: 409 });
  });

  it('CloneVM_Task adds a VM in the folder it names and returns it; Destroy_Task removes it', async () => {
    const vm = await refOf(control, '/DC0/vm/web-01');
    const folder = await refOf(control, '/DC0/vm');
    const task = await startTask(
      s,
      'CloneVM_Task',
      'VirtualMachine',
      vm,
      `<folder type="Folder">${folder}</folder><name>web-03</name><spec><location/><template>false</template><powerOn>true</powerOn></spec>`,
    );
    const done = await until(s, task, finished);
    expect(done.state).toBe('success');
    const clone = String((done.result as Xml)._);
    expect(await refOf(control, '/DC0/vm/web-03')).toBe(clone);
    expect(text(await readProperty(s, 'VirtualMachine', clone, 'runtime.powerState'))).toBe('poweredOn');
    const destroyed = await until(s, await startTask(s, 'Destroy_Task', 'VirtualMachine', clone), finished);
    expect(destroyed.descriptionId).toBe('ManagedEntity.destroy');
    expect(destroyed.state).toBe('success');
    expect((await control.inventory.list()).some((e) => e.path === '/DC0/vm/web-03')).toBe(false);
  });

  it('Rename_Task renames; CreateSnapshot_Task and RemoveSnapshot_Task keep the snapshot tree', async () => {
    const vm = await refOf(control, '/DC0/vm/db-01');
    await until(s, await startTask(s, 'Rename_Task', 'VirtualMachine', vm, '<newName>db-02</newName>'), finished);
    expect(text(await readProperty(s, 'VirtualMachine', vm, 'name'))).toBe('db-02');
    expect(text(await readProperty(s, 'VirtualMachine', vm, 'config.name'))).toBe('db-02');
    const snap = await until(
      s,
      await startTask(s, 'CreateSnapshot_Task', 'VirtualMachine', vm, '<name>s1</name><memory>false</memory><quiesce>false</quiesce>'),
      finished,
    );
    const snapshot = String((snap.result as Xml)._);
    expect(text(await readProperty(s, 'VirtualMachine', vm, 'snapshot.currentSnapshot'))).toBe(snapshot);
    const removed = await until(
      s,
      await startTask(s, 'RemoveSnapshot_Task', 'VirtualMachineSnapshot', snapshot, '<removeChildren>false</removeChildren>'),
      finished,
    );
    expect(removed.descriptionId).toBe('vm.Snapshot.remove');
    expect((removed.entity as Xml)._).toBe(vm);
    expect(await readProperty(s, 'VirtualMachine', vm, 'snapshot')).toBeUndefined();
  });

  it('a *_Task method on the wrong entity type is MethodNotFound; bad arguments are InvalidRequest', async () => {
    const host = await refOf(control, '/DC0/host/C0/esx-01');
    expectFault(await s.call('PowerOnVM_Task', 'HostSystem', host), 'MethodNotFound');
    const vm = await refOf(control, '/DC0/vm/web-01');
    expectFault(await s.call('CloneVM_Task', 'VirtualMachine', vm, '<name>x</name>'), 'InvalidRequest');
    expectFault(await s.call('Rename_Task', 'VirtualMachine', vm, '<newName><a/></newName>'), 'InvalidRequest');
  });

  it('the control API refuses rules naming an unknown method, entity type or fault, with a 400 that says why', async () => {
    const refused = async (rule: object) => {
      const error: unknown = await control.methods.add(rule).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ControlApiError);
      return error as ControlApiError;
    };
    expect((await refused({ method: 'PowerOn_Task' })).message).toMatch(/400 .*unknown method 'PowerOn_Task'/);
    expect((await refused({ entityType: 'Widget' })).message).toMatch(/400 .*unknown entity type 'Widget'/);
    expect((await refused({ fault: { type: 'NoSuchFault' } })).message).toMatch(/400 .*'NoSuchFault' is not a vim25 fault type/);
    expect((await refused({ outcome: 'error' })).message).toMatch(/400 .*fault is required/);
    expect((await refused({ outcome: 'sometimes' })).status).toBe(400);
  });

  it('the inventory is replaced through the control API, bounded, and restored by reset', async () => {
    await control.inventory.load({ datacenters: [{ name: 'Lab', hosts: ['h1'], vms: [{ name: 'a', powerState: 'poweredOn' }] }] });
    expect((await control.inventory.list()).map((e) => e.path)).toContain('/Lab/vm/a');
    await expect(control.inventory.load({ datacenters: [{ name: 'X', vms: [{ name: 'a', host: 'nope' }] }] })).rejects.toMatchObject({ status: 400 });
    const many = Array.from({ length: 10_001 }, (_, i) => `ds${i}`);
    await expect(control.inventory.load({ datacenters: [{ name: 'Big', datastores: many }] })).rejects.toMatchObject({ status: 400 });
    await control.reset();
    expect((await control.inventory.list()).map((e) => e.path)).toContain('/DC0/vm/web-01');
  });

  it('task history by entity follows the tree: all from the datacenter, children from the VM folder', async () => {
    const vm = await refOf(control, '/DC0/vm/web-01');
    const task = await startTask(s, 'PowerOnVM_Task', 'VirtualMachine', vm);
    await until(s, task, finished);
    const count = async (type: string, value: string, recursion: string) => {
      const res = await s.call(
        'CreateCollectorForTasks',
        'TaskManager',
        'TaskManager',
        `<filter><entity><entity type="${type}">${value}</entity><recursion>${recursion}</recursion></entity></filter>`,
      );
      ok(res);
      const collector = String(((res.result.CreateCollectorForTasksResponse as Xml).returnval as Xml)._);
      const page = await s.call('ReadNextTasks', 'TaskHistoryCollector', collector, '<maxCount>100</maxCount>');
      ok(page);
      const returnval = (page.result.ReadNextTasksResponse as Xml | undefined)?.returnval;
      return returnval === undefined ? 0 : [returnval].flat().length;
    };
    const dc = await refOf(control, '/DC0');
    const vmFolder = await refOf(control, '/DC0/vm');
    expect(await count('Datacenter', dc, 'all')).toBe(1);
    expect(await count('Folder', vmFolder, 'children')).toBe(1);
    expect(await count('Datacenter', dc, 'children')).toBe(0);
    expect(await count('Folder', 'group-d1', 'all')).toBe(1);
  });
});

describe('*_Task methods (cooperative cancel mode)', () => {
  let env: Running<SoapConnection>;
  let control: ControlClient;

  beforeAll(async () => {
    env = await startLoggedIn({ cancelMode: 'cooperative' });
    control = new ControlClient({ baseUrl: env.url() });
  });
  afterAll(async () => env?.close());

  it('the emulator, as the owner, ends a task asked to cancel as canceled', async () => {
    await control.methods.add({ method: 'CloneVM_Task', durationMs: 60_000, progressSteps: 10 });
    const s = env.session;
    const vm = await refOf(control, '/DC0/vm/web-01');
    const task = await startTask(
      s,
      'CloneVM_Task',
      'VirtualMachine',
      vm,
      `<folder type="Folder">${await refOf(control, '/DC0/vm')}</folder><name>c</name><spec><location/><template>false</template><powerOn>false</powerOn></spec>`,
    );
    await until(s, task, (info) => info.state === 'running');
    ok(await s.call('CancelTask', 'Task', task));
    const done = await until(s, task, finished);
    expect(done.state).toBe('error');
    expect(((done.error as Xml).fault as Xml).$?.['xsi:type']).toBe('RequestCanceled');
    expect((await control.inventory.list()).some((e) => e.path === '/DC0/vm/c')).toBe(false);
  });

  it('hangUntilFinished keeps a task asked to cancel running until the control API ends it', async () => {
    await control.methods.clear();
    await control.methods.add({ method: 'PowerOnVM_Task', outcome: 'hangUntilFinished', cancelable: true });
    const s = env.session;
    const task = await startTask(s, 'PowerOnVM_Task', 'VirtualMachine', await refOf(control, '/DC0/vm/web-01'));
    await until(s, task, (info) => info.state === 'running');
    ok(await s.call('CancelTask', 'Task', task));
    await new Promise((r) => setTimeout(r, 100));
    const marked = await readInfo(s, task);
    expect([marked.state, marked.cancelled]).toEqual(['running', 'true']);
    const info = await control.tasks.finish(task, { outcome: 'error', fault: { type: 'RequestCanceled' } });
    expect(info.state).toBe('error');
  });
});

describe('*_Task methods and privileges', () => {
  let env: Running<SoapConnection>;

  beforeAll(async () => {
    env = await startLoggedIn({ usersFile: EXAMPLE_USERS });
  });
  afterAll(async () => env?.close());

  it('each method checks the privilege VMODL names: a read-only user gets NoPermission and no task', async () => {
    const control = new ControlClient({ baseUrl: env.url() });
    const vm = await refOf(control, '/DC0/vm/web-01');
    const viewer = await env.login('viewer');
    const before = (await control.tasks.list()).length;
    expectFault(await viewer.call('PowerOnVM_Task', 'VirtualMachine', vm), 'NoPermission', { privilegeId: 'VirtualMachine.Interact.PowerOn' });
    expectFault(await viewer.call('Destroy_Task', 'VirtualMachine', vm), 'NoPermission', { privilegeId: 'VirtualMachine.Inventory.Delete' });
    expect((await control.tasks.list()).length).toBe(before);
  });
});
