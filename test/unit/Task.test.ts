// Task.history as read back from the compact log it is stored in: the creation entry, old and
// new values, times, users and methods, and the MAX_HISTORY bound (oldest dropped first); and
// the TaskReasonUser that tasks of one user share; and that setting the progress a task already
// has is no change (nothing recorded, announced to the host or stored).

import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { ManagedObjectReference, TypedValue } from '../../src/vim/data.js';
import { MAX_HISTORY, Task, newTaskInfo, taskReasonUser, type TaskHost } from '../../src/vim/Task.js';

const T0 = Date.parse('2030-01-02T03:04:05.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

const host: TaskHost = {
  cancelMode: 'immediate',
  cancelTimeoutMs: 0,
  timestamp: () => new Date().toISOString(),
  isVimFault: () => true, // no test here sets a fault
  taskChanged: () => {},
};

function newTask(taskHost: TaskHost = host): Task {
  const info = newTaskInfo({
    key: 'task-1',
    descriptionId: 'com.example.test',
    entity: new ManagedObjectReference('Folder', 'group-d1'),
    entityName: 'Datacenters',
    cancelable: true,
    reason: taskReasonUser('initiator'),
    queueTime: host.timestamp(),
    eventChainId: 1,
    parentTaskKey: undefined,
    rootTaskKey: undefined,
    activationId: undefined,
  });
  return new Task(info, taskHost, { user: 'alice', method: 'CreateTask' });
}

/** Moves the clock to T0 + ms. */
const at = (ms: number) => vi.setSystemTime(T0 + ms);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  at(0);
});
afterEach(() => {
  vi.useRealTimers();
});

test('a whole lifecycle: creation entry, then each change with its actor, time, old and new values', () => {
  const task = newTask();
  expect(task.history).toEqual([{ time: iso(T0), user: 'alice', method: 'CreateTask', changes: { state: { old: undefined, new: 'queued' } } }]);

  at(10);
  task.setState({ state: 'running' }, { user: 'bob', method: 'SetTaskState' });
  at(20);
  task.updateProgress(40, { user: 'bob', method: 'UpdateProgress' });
  at(30);
  task.updateProgress(70, { user: '', method: 'UpdateProgress' });
  at(40);
  const result = new TypedValue('xsd:string', 'ok');
  task.setState({ state: 'success', result }, { user: 'vtask-emulator', method: 'control API' });
  at(50);
  // A description set after completion is still recorded (the trimmed log grows again).
  const description = { _type: 'LocalizableMessage', key: 'k', message: 'done' };
  task.setDescription(description, { user: 'bob', method: 'SetTaskDescription' });

  expect(task.history).toEqual([
    { time: iso(T0), user: 'alice', method: 'CreateTask', changes: { state: { old: undefined, new: 'queued' } } },
    {
      time: iso(T0 + 10),
      user: 'bob',
      method: 'SetTaskState',
      changes: { state: { old: 'queued', new: 'running' }, startTime: { old: undefined, new: iso(T0 + 10) } },
    },
    { time: iso(T0 + 20), user: 'bob', method: 'UpdateProgress', changes: { progress: { old: undefined, new: 40 } } },
    { time: iso(T0 + 30), user: '', method: 'UpdateProgress', changes: { progress: { old: 40, new: 70 } } },
    {
      time: iso(T0 + 40),
      user: 'vtask-emulator',
      method: 'control API',
      changes: {
        state: { old: 'running', new: 'success' },
        completeTime: { old: undefined, new: iso(T0 + 40) },
        result: { old: undefined, new: result },
      },
    },
    { time: iso(T0 + 50), user: 'bob', method: 'SetTaskDescription', changes: { description: { old: undefined, new: description } } },
  ]);
  // Field order within an entry is the order the change named them.
  expect(Object.keys(task.history[4].changes)).toEqual(['state', 'completeTime', 'result']);
  expect(task.info.state).toBe('success');
});

test('a field cleared by a change shows undefined as its new value; a field never set and not set is left out', () => {
  const task = newTask();
  const actor = { user: 'alice', method: 'SetTaskState' };
  task.setState({ state: 'running' }, actor);
  task.cancel({ user: 'alice', method: 'CancelTask' }); // immediate: completes as canceled with an error
  const last = task.history.at(-1)!;
  expect(last.method).toBe('CancelTask');
  expect(Object.keys(last.changes)).toEqual(['state', 'cancelled', 'completeTime', 'error']);
  // Only the state is recorded at creation, so fields the creation set (cancelled: false) have no old value.
  expect(last.changes.cancelled).toEqual({ old: undefined, new: true });
  // success without a result records no result (it was never set)
  const other = newTask();
  other.setState({ state: 'success' }, actor);
  expect(Object.keys(other.history[1].changes)).toEqual(['state', 'completeTime']);
});

test(`at most ${MAX_HISTORY} entries: the oldest go first (creation entry included), later old values stay right`, () => {
  const task = newTask();
  task.setState({ state: 'running' }, { user: 'bob', method: 'SetTaskState' });
  // Entries so far: creation + running = 2. Then 300 progress changes: 302 in all, 46 dropped.
  const progressAt = (i: number) => (i % 2 === 0 ? 10 : 20) + (i % 50);
  for (let i = 0; i < 300; i++) {
    at(100 + i);
    task.updateProgress(progressAt(i), { user: `u${i}`, method: 'UpdateProgress' });
  }
  let history = task.history;
  expect(history).toHaveLength(MAX_HISTORY);
  const firstKept = 300 - MAX_HISTORY;
  expect(history[0]).toEqual({
    time: iso(T0 + 100 + firstKept),
    user: `u${firstKept}`,
    method: 'UpdateProgress',
    changes: { progress: { old: undefined, new: progressAt(firstKept) } },
  });
  for (let k = 1; k < MAX_HISTORY; k++) {
    const i = firstKept + k;
    expect(history[k]).toEqual({
      time: iso(T0 + 100 + i),
      user: `u${i}`,
      method: 'UpdateProgress',
      changes: { progress: { old: progressAt(i - 1), new: progressAt(i) } },
    });
  }

  at(1000);
  task.setState({ state: 'success' }, { user: 'bob', method: 'SetTaskState' });
  history = task.history;
  expect(history).toHaveLength(MAX_HISTORY);
  expect(history[0].user).toBe(`u${firstKept + 1}`);
  expect(history[0].changes.progress.old).toBeUndefined();
  // The entry that set running was dropped, so the state change has no old value to show.
  expect(history.at(-1)).toEqual({
    time: iso(T0 + 1000),
    user: 'bob',
    method: 'SetTaskState',
    changes: { state: { old: undefined, new: 'success' }, completeTime: { old: undefined, new: iso(T0 + 1000) } },
  });
  const times = history.map((h) => Date.parse(h.time));
  expect(times).toEqual([...times].sort((a, b) => a - b));
});

test(`the creation entry is the first to go once ${MAX_HISTORY} entries exist`, () => {
  const task = newTask();
  task.setState({ state: 'running' }, { user: 'bob', method: 'SetTaskState' });
  for (let i = 0; i < MAX_HISTORY - 2; i++) task.updateProgress(i % 2 ? 1 : 2, { user: 'bob', method: 'UpdateProgress' });
  expect(task.history).toHaveLength(MAX_HISTORY);
  expect(task.history[0].method).toBe('CreateTask');
  task.updateProgress(50, { user: 'bob', method: 'UpdateProgress' });
  const history = task.history;
  expect(history).toHaveLength(MAX_HISTORY);
  expect(history[0]).toEqual({
    time: iso(T0),
    user: 'bob',
    method: 'SetTaskState',
    changes: { state: { old: undefined, new: 'running' }, startTime: { old: undefined, new: iso(T0) } },
  });
  expect(history.at(-1)!.changes.progress).toEqual({ old: 1, new: 50 });
});

test('progress set to what the task already has (as given or once clamped) is no change: no history entry, nothing announced, the same info', () => {
  const announced: boolean[] = [];
  const task = newTask({ ...host, taskChanged: (_task, completed) => announced.push(completed) });
  const bob = { user: 'bob', method: 'UpdateProgress' };
  task.setState({ state: 'running' }, { user: 'bob', method: 'SetTaskState' });
  at(10);
  task.updateProgress(40, bob);
  expect(announced).toEqual([false, false]);
  const history = task.history;
  const info = task.info;

  at(20);
  task.updateProgress(40, bob);
  task.updateProgress(40.9, bob); // truncated to 40
  expect(task.history).toEqual(history);
  expect(task.info).toBe(info);
  expect(announced).toHaveLength(2);

  // At the bounds too: values clamped to the progress the task has are no change.
  at(30);
  task.updateProgress(100, bob);
  at(40);
  task.updateProgress(150, bob);
  task.updateProgress(2147483647, bob);
  at(50);
  task.updateProgress(0, bob);
  at(60);
  task.updateProgress(-5, bob);
  expect(task.history.slice(history.length)).toEqual([
    { time: iso(T0 + 30), user: 'bob', method: 'UpdateProgress', changes: { progress: { old: 40, new: 100 } } },
    { time: iso(T0 + 50), user: 'bob', method: 'UpdateProgress', changes: { progress: { old: 100, new: 0 } } },
  ]);
  expect(announced).toEqual([false, false, false, false]);
  expect(task.info.progress).toBe(0);
});

test('a task keeps the TaskReasonUser it was made with', () => {
  expect(newTask().info.reason).toEqual({ _type: 'TaskReasonUser', userName: 'initiator' });
});
