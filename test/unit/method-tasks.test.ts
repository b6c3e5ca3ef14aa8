// Method rules' matching and the *_Task lifecycle on fake timers, against the inventory without a
// server: which rule decides a call, the timetable a plan gives, effects and their failures,
// cancel in both modes, and that nothing is left running after clear().

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { localizedMethodFault, MethodFault } from '../../src/vim/faults.js';
import type { MethodTaskPlan } from '../../src/vim/method-tasks.js';
import { taskMethod, taskMethodNames } from '../../src/vim/task-methods.js';
import { OPERATION_MANAGED_TYPES } from '../../src/vim/vim-types.js';
import { VirtualMachine } from '../../src/vim/VirtualMachine.js';
import { harness, type Harness } from '../helpers/method-tasks.js';

const plan = (fields: Partial<MethodTaskPlan> = {}): MethodTaskPlan => ({ queueMs: 0, durationMs: 100, progressSteps: 0, outcome: 'success', ...fields });
const json = {};

let h: Harness;
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  h?.dispose();
  vi.useRealTimers();
});

describe('method rules: which rule decides a call', () => {
  beforeEach(() => {
    h = harness();
  });
  const callOn = (path: string, method: 'PowerOnVM_Task' | 'Destroy_Task' = 'PowerOnVM_Task') => {
    const target = h.entity(path);
    return { method, target, entity: h.inventory.tree.find(path)! };
  };

  it('selects by method, entity path, reference value and entity type; the first match wins', () => {
    const byPath = plan({ durationMs: 1 });
    const byRef = plan({ durationMs: 2 });
    const byType = plan({ durationMs: 3 });
    h.rules.add({ method: 'PowerOnVM_Task', entity: '/DC0/vm/web-01', plan: byPath, json });
    h.rules.add({ entity: h.entity('/DC0/vm/web-02').ref.value, plan: byRef, json });
    h.rules.add({ entityType: 'VirtualMachine', plan: byType, json });
    expect(h.rules.planFor(callOn('/DC0/vm/web-01'))).toBe(byPath);
    expect(h.rules.planFor(callOn('/DC0/vm/web-02'))).toBe(byRef);
    expect(h.rules.planFor(callOn('/DC0/vm/db-01'))).toBe(byType);
    expect(h.rules.planFor(callOn('/DC0/host/C0/esx-01', 'Destroy_Task'))).toBeUndefined();
    expect(h.rules.planFor(callOn('/DC0/vm/web-01', 'Destroy_Task'))).toBe(byType);
  });

  it('call: n decides only the n-th matching call; count: n is used up after n', () => {
    const second = plan({ durationMs: 2 });
    const twice = plan({ durationMs: 3 });
    h.rules.add({ method: 'PowerOnVM_Task', call: 2, plan: second, json });
    h.rules.add({ method: 'PowerOnVM_Task', count: 2, plan: twice, json });
    const picks = Array.from({ length: 4 }, () => h.rules.planFor(callOn('/DC0/vm/web-01')));
    expect(picks).toEqual([twice, second, twice, undefined]);
    expect(h.rules.list().map((r) => [r.seen, r.hits])).toEqual([
      [4, 1],
      [3, 2],
    ]);
  });
});

describe('the *_Task lifecycle', () => {
  it("runs queued → running → progress steps → success on the plan's timetable, then applies the effect", () => {
    h = harness();
    const idle = vi.getTimerCount(); // the server's own (TaskManager sweep, sessions)
    h.rules.add({ method: 'PowerOnVM_Task', plan: plan({ queueMs: 100, durationMs: 400, progressSteps: 3 }), json });
    const vm = h.entity('/DC0/vm/web-01');
    const task = h.call(vm, 'PowerOnVM_Task');
    expect(task.info).toMatchObject({ state: 'queued', descriptionId: 'VirtualMachine.powerOn', entity: vm.ref, cancelable: false });
    expect(task.info.reason).toMatchObject({ userName: 'alice' });
    expect(vm.getProperty('recentTask', undefined)).toEqual([task.ref]);
    vi.advanceTimersByTime(100);
    expect(task.state).toBe('running');
    vi.advanceTimersByTime(100);
    expect(task.info.progress).toBe(25);
    vi.advanceTimersByTime(200);
    expect(task.info.progress).toBe(75);
    expect(vm.getProperty('runtime', undefined)).toMatchObject({ powerState: 'poweredOff' });
    vi.advanceTimersByTime(100);
    expect(task.state).toBe('success');
    expect(vm.getProperty('runtime', undefined)).toMatchObject({ powerState: 'poweredOn' });
    expect(vi.getTimerCount()).toBe(idle);
  });

  it('without a rule, succeeds after the default duration', () => {
    h = harness({ defaultDurationMs: 50 });
    const task = h.call(h.entity('/DC0/vm/web-01'), 'ResetVM_Task');
    vi.advanceTimersByTime(49);
    expect(task.state).toBe('running');
    vi.advanceTimersByTime(1);
    expect(task.state).toBe('success');
  });

  it('an error outcome may carry any MethodFault, not only a VimFault', () => {
    h = harness();
    const fault = localizedMethodFault(new MethodFault('SystemError', 'boom', { reason: 'x' }).toDataObject(), 'boom');
    h.rules.add({ plan: plan({ outcome: 'error', fault }), json });
    const task = h.call(h.entity('/DC0/vm/web-01'), 'PowerOnVM_Task');
    vi.advanceTimersByTime(100);
    expect(task.info.state).toBe('error');
    expect(task.info.error?.fault._type).toBe('SystemError');
  });

  it('an effect that cannot apply fails the task with its fault (Rename_Task to a taken name: DuplicateName)', () => {
    h = harness();
    const task = h.call(h.entity('/DC0/vm/web-01'), 'Rename_Task', { newName: 'web-02' });
    vi.advanceTimersByTime(100);
    expect(task.info.state).toBe('error');
    expect(task.info.error?.fault._type).toBe('DuplicateName');
  });

  it('a hanging task holds no timer, ends when canceled, and clear() stops every lifecycle', () => {
    h = harness();
    const idle = vi.getTimerCount();
    h.rules.add({ plan: plan({ outcome: 'hangUntilCancelled', cancelable: true }), json });
    const vm = h.entity('/DC0/vm/web-01');
    const hung = h.call(vm, 'PowerOnVM_Task');
    vi.advanceTimersByTime(1_000_000);
    expect(hung.state).toBe('running');
    expect(vi.getTimerCount()).toBe(idle);
    hung.cancel({ user: 'alice', method: 'CancelTask' });
    expect(hung.info).toMatchObject({ state: 'error', cancelled: true });
    h.rules.clear();
    h.rules.add({ plan: plan({ durationMs: 1000, progressSteps: 5 }), json });
    const pending = h.call(vm, 'PowerOnVM_Task');
    expect(vi.getTimerCount()).toBeGreaterThan(idle);
    h.inventory.methodTasks.clear();
    expect(vi.getTimerCount()).toBe(idle);
    expect(pending.state).toBe('queued');
  });

  it('in cooperative mode the runner ends a task asked to cancel, unless it waits for the control API', () => {
    h = harness({ cancelMode: 'cooperative' });
    h.rules.add({ method: 'PowerOnVM_Task', plan: plan({ durationMs: 10_000, cancelable: true }), json });
    h.rules.add({ method: 'PowerOffVM_Task', plan: plan({ outcome: 'hangUntilFinished', cancelable: true }), json });
    const vm = h.entity('/DC0/vm/web-02');
    const on = h.call(vm, 'PowerOnVM_Task');
    const off = h.call(vm, 'PowerOffVM_Task');
    vi.advanceTimersByTime(1);
    on.cancel({ user: 'alice', method: 'CancelTask' });
    off.cancel({ user: 'alice', method: 'CancelTask' });
    expect([on.info.cancelled, on.state]).toEqual([true, 'running']);
    vi.advanceTimersByTime(1);
    expect(on.info.state).toBe('error');
    expect(on.info.error?.fault._type).toBe('RequestCanceled');
    expect([off.info.cancelled, off.state]).toEqual([true, 'running']);
    h.inventory.methodTasks.finish(off, { success: true });
    expect(off.state).toBe('success');
    expect(vm.getProperty('runtime', undefined)).toMatchObject({ powerState: 'poweredOff' });
  });
});

describe('effects', () => {
  beforeEach(() => {
    h = harness();
  });

  it('Destroy_Task on a cluster removes it with its hosts and pools; the VMs lose their host', () => {
    const cluster = h.entity('/DC0/host/C0');
    const task = h.call(cluster, 'Destroy_Task');
    vi.advanceTimersByTime(100);
    expect(task.state).toBe('success');
    expect(h.inventory.tree.find('/DC0/host/C0')).toBeUndefined();
    expect([...h.inventory.registry.objects()].some((o) => o.isA('HostSystem') || o.isA('ResourcePool'))).toBe(false);
    const vm = h.entity('/DC0/vm/web-01');
    expect(vm instanceof VirtualMachine && vm.host).toBeUndefined();
    expect(h.inventory.tree.size).toBe(10);
  });

  it('Destroy_Task on a datastore or a network takes it off every host and every VM', () => {
    const refsOf = (path: string, property: string) =>
      ((h.entity(path).getProperty(property, undefined) as { value: string }[] | undefined) ?? []).map((r) => r.value);
    for (const [path, property] of [
      ['/DC0/datastore/datastore1', 'datastore'],
      ['/DC0/network/VM Network', 'network'],
    ] as const) {
      const gone = h.entity(path).ref.value;
      expect(refsOf('/DC0/host/C0/esx-01', property)).toContain(gone);
      expect(refsOf('/DC0/vm/web-01', property)).toContain(gone);
      const task = h.call(h.entity(path), 'Destroy_Task');
      vi.advanceTimersByTime(100);
      expect(task.state).toBe('success');
      expect(h.inventory.tree.find(path)).toBeUndefined();
      for (const user of ['/DC0/host/C0/esx-01', '/DC0/host/C0/esx-02', '/DC0/vm/web-01', '/DC0/vm/db-01']) {
        expect(refsOf(user, property), `${user}.${property}`).not.toContain(gone);
      }
    }
  });

  it('Destroy_Task on the root folder or a datacenter folder fails with NotSupported', () => {
    for (const path of ['/', '/DC0/vm']) {
      const task = h.call(h.entity(path), 'Destroy_Task');
      vi.advanceTimersByTime(100);
      expect(task.info.error?.fault._type).toBe('NotSupported');
    }
  });

  it('ReconfigVM_Task sets name, CPUs and memory; MigrateVM_Task moves the VM to a host and its pool', () => {
    const vm = h.entity('/DC0/vm/db-01');
    h.call(vm, 'ReconfigVM_Task', { spec: { _type: 'VirtualMachineConfigSpec', name: 'db-x', numCPUs: 4, memoryMB: 8192 } });
    vi.advanceTimersByTime(100);
    expect(vm.getProperty('config', undefined)).toMatchObject({ name: 'db-x', hardware: { numCPU: 4, memoryMB: 8192 } });
    const host = h.entity('/DC0/host/C0/esx-02');
    h.call(vm, 'MigrateVM_Task', { host: host.ref, priority: 'defaultPriority' });
    vi.advanceTimersByTime(100);
    expect(vm.getProperty('runtime', undefined)).toMatchObject({ host: host.ref });
    expect(host.getProperty('vm', undefined)).toContainEqual(vm.ref);
  });

  it('every *_Task method without an effect succeeds and changes nothing', () => {
    const vm = h.entity('/DC0/vm/web-01');
    const before = JSON.stringify(vm.getProperty('config', undefined));
    const task = h.call(vm, 'UpgradeVM_Task');
    vi.advanceTimersByTime(100);
    expect(task.state).toBe('success');
    expect(JSON.stringify(vm.getProperty('config', undefined))).toBe(before);
    expect(taskMethod('UpgradeVM_Task')?.descriptionId).toBe('VirtualMachine.upgradeVirtualHardware');
  });
});

describe('every *_Task method on every entity', () => {
  it('starts a task that ends in success or a vim25 fault, whatever its effect meets (nothing throws)', () => {
    h = harness({ defaultDurationMs: 1 });
    const vm = h.entity('/DC0/vm/web-01');
    h.call(vm, 'CreateSnapshot_Task', { name: 's', memory: false, quiesce: false });
    vi.advanceTimersByTime(1);
    const targets = [...h.inventory.registry.objects()].filter((o) => o.isA('ManagedEntity') || o.isA('VirtualMachineSnapshot'));
    const tasks = [];
    for (const name of taskMethodNames()) {
      for (const target of targets) {
        // Destroying would empty the inventory for the methods after it.
        if (name === 'Destroy_Task' || name === 'UnregisterAndDestroy_Task' || name === 'RemoveSnapshot_Task') continue;
        if (!target.isA(OPERATION_MANAGED_TYPES[name as keyof typeof OPERATION_MANAGED_TYPES])) continue;
        tasks.push(h.call(target, name));
      }
    }
    expect(tasks.length).toBeGreaterThan(73);
    vi.advanceTimersByTime(10);
    for (const task of tasks) expect(['success', 'error'], `${task.info.descriptionId}`).toContain(task.state);
  });
});
