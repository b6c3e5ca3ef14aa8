// TaskManager.recentTask against a model: after any mix of creating, finishing, waiting out the
// retention time and eviction, it lists exactly the held tasks that are unfinished or finished
// within the retention time, the newest RECENT_TASK_LIMIT of them, oldest first. And what the
// registry hears of a task's changes.

import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { ManagedObjectReference, type TypeModel } from '../../src/vim/data.js';
import { ObjectRegistry } from '../../src/vim/registry.js';
import type { Session } from '../../src/vim/session.js';
import { taskReasonUser, type Task } from '../../src/vim/Task.js';
import { RECENT_TASK_LIMIT, TaskManager } from '../../src/vim/TaskManager.js';

const RETENTION_MS = 1000;
const MAX_TASKS = 300;
const types = { isSubtypeOf: () => true } as unknown as TypeModel; // only consulted for faults, which these calls do not set
const actor = { user: 'alice', method: 'test' };

let registry: ObjectRegistry;
let manager: TaskManager;
beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(Date.parse('2030-01-02T03:04:05.000Z'));
  registry = new ObjectRegistry();
  manager = new TaskManager(
    registry,
    { hasTaskType: () => true },
    { cancelMode: 'immediate', cancelTimeoutMs: 0, recentTaskRetentionMs: RETENTION_MS, maxTasks: MAX_TASKS, maxCollector: 4 },
    new ManagedObjectReference('Folder', 'group-d1'),
    types,
  );
});
afterEach(() => {
  manager.dispose();
  vi.useRealTimers();
});

const keysOf = (refs: unknown) => (refs as ManagedObjectReference[]).map((ref) => ref.value);

test('recentTask matches a model through creation, completion, retention and eviction', () => {
  // The model: every task made, in order, with when it finished.
  const made: Array<{ task: Task; finishedAt?: number }> = [];
  let seed = 11;
  const random = (n: number) => {
    seed = (seed * 48271) % 2147483647;
    return Math.floor((seed / 2147483647) * n);
  };
  let longest = 0;
  let expiredButHeld = 0;
  for (let step = 0; step < 3000; step++) {
    const roll = random(10);
    if (roll < 5) {
      made.push({ task: manager.create({ obj: new ManagedObjectReference('Folder', 'group-d1'), taskTypeId: 't', cancelable: false }, actor) });
    } else if (roll < 8) {
      const open = made.filter((m) => m.finishedAt === undefined);
      if (open.length) {
        const entry = open[random(open.length)];
        entry.task.setState({ state: 'success' }, actor);
        entry.finishedAt = Date.now();
      }
    } else {
      vi.advanceTimersByTime(random(400)); // the sweep runs on its own timer
    }
    // Eviction forgets the oldest finished tasks beyond MAX_TASKS; which ones is TaskManager's
    // business (another test covers it), so the model asks whether a task is still held.
    const cutoff = Date.now() - RETENTION_MS;
    const expected = made
      .filter((m) => manager.task(m.task.key) === m.task && (m.finishedAt === undefined || m.finishedAt > cutoff))
      .map((m) => m.task.key)
      .slice(-RECENT_TASK_LIMIT);
    expect(keysOf(manager.getProperty('recentTask')), `after step ${step}`).toEqual(expected);
    longest = Math.max(longest, expected.length);
    if (made.some((m) => m.finishedAt !== undefined && m.finishedAt <= cutoff && manager.task(m.task.key) === m.task)) expiredButHeld++;
  }
  // The run must have exercised the limit, eviction and expiry.
  expect(longest).toBe(RECENT_TASK_LIMIT);
  expect(made.some((m) => manager.task(m.task.key) !== m.task)).toBe(true);
  expect(expiredButHeld).toBeGreaterThan(100);
});

test('forgotten tasks do not pile up while calls keep the sweep timer from running', () => {
  // No timer runs in this loop (as when calls arrive back to back): eviction alone must keep the
  // index of recent tasks bounded. White-box: the index is what would grow.
  const recentIndexLength = () => (manager as unknown as { recentOrder: unknown[] }).recentOrder.length;
  for (let i = 0; i < 10 * MAX_TASKS; i++) {
    const task = manager.create({ obj: new ManagedObjectReference('Folder', 'group-d1'), taskTypeId: 't', cancelable: false }, actor);
    task.setState({ state: 'success' }, actor);
  }
  expect(recentIndexLength()).toBeLessThanOrEqual(MAX_TASKS * 1.5);
  expect(keysOf(manager.getProperty('recentTask'))).toHaveLength(RECENT_TASK_LIMIT);
});

test('a progress update that leaves the progress as it was announces no change to the registry (no waiter is woken)', () => {
  const task = manager.create({ obj: new ManagedObjectReference('Folder', 'group-d1'), taskTypeId: 't', cancelable: false }, actor);
  task.setState({ state: 'running' }, actor);
  const announced: string[] = [];
  registry.onChange((object, properties) => announced.push(`${object.ref.toString()} ${properties.join(',')}`));
  task.updateProgress(30, actor);
  expect(announced).toEqual([`${task.ref.toString()} info`]);
  task.updateProgress(30, actor);
  task.updateProgress(30.5, actor);
  expect(announced).toHaveLength(1);
  task.updateProgress(31, actor);
  expect(announced).toHaveLength(2);
});

test('the tasks one session starts share its TaskReasonUser; initiatedBy names another user', () => {
  const session = { userName: 'alice', taskReason: taskReasonUser('alice') } as Session;
  const creator = { ...actor, session };
  const folder = new ManagedObjectReference('Folder', 'group-d1');
  const a = manager.create({ obj: folder, taskTypeId: 't', cancelable: false }, creator);
  const b = manager.create({ obj: folder, taskTypeId: 't', cancelable: false }, creator);
  expect(a.info.reason).toEqual({ _type: 'TaskReasonUser', userName: 'alice' });
  expect(b.info.reason).toBe(a.info.reason);
  expect(manager.create({ obj: folder, taskTypeId: 't', cancelable: false, initiatedBy: 'bob' }, creator).info.reason).toEqual({
    _type: 'TaskReasonUser',
    userName: 'bob',
  });
});
