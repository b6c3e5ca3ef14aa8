// What the Recent Tasks page is told about a task (taskRow) and what its task types are called
// (taskLabels, from the extensions' resources).

import { describe, expect, test } from 'vitest';
import { taskLabels, taskRow } from '../../src/server/ui.js';
import { ManagedObjectReference } from '../../src/vim/data.js';
import { simpleExtension } from '../../src/vim/ExtensionManager.js';
import { taskReasonUser } from '../../src/vim/Task.js';
import type { ExtensionResourceInfo, TaskInfo, TaskReasonSchedule } from '../../src/vim/vim-types.js';

const base: TaskInfo = {
  _type: 'TaskInfo',
  key: 'task-7',
  task: new ManagedObjectReference('Task', 'task-7'),
  eventChainId: 7,
  reason: taskReasonUser('alice'),
  descriptionId: 'com.example.deploy',
  entity: new ManagedObjectReference('VirtualMachine', 'vm-9'),
  state: 'running',
  cancelled: false,
  cancelable: true,
  queueTime: '2026-01-01T00:00:00.000Z',
  startTime: '2026-01-01T00:00:01.000Z',
};

describe('taskRow', () => {
  test('reduces TaskInfo to the Recent Tasks columns', () => {
    const row = taskRow({
      ...base,
      entityName: 'web-01',
      progress: 40,
      description: { _type: 'LocalizableMessage', key: 'k', message: 'Copying' },
      parentTaskKey: 'task-1',
    });
    expect(row).toEqual({
      key: 'task-7',
      type: 'com.example.deploy',
      target: 'web-01',
      entity: 'VirtualMachine:vm-9',
      state: 'running',
      progress: 40,
      cancelled: false,
      cancelable: true,
      details: 'Copying',
      initiator: 'alice',
      queueTime: base.queueTime,
      startTime: base.startTime,
      completeTime: undefined,
      fault: undefined,
      parent: 'task-1',
    });
  });

  test('a fault becomes its type and message; other reasons name their source', () => {
    const schedule: TaskReasonSchedule = { _type: 'TaskReasonSchedule', name: 'nightly', scheduledTask: new ManagedObjectReference('ScheduledTask', 'st-1') };
    const row = taskRow({
      ...base,
      state: 'error',
      reason: schedule,
      description: { _type: 'LocalizableMessage', key: 'only.a.key' },
      error: { _type: 'LocalizedMethodFault', fault: { _type: 'NotFound' }, localizedMessage: 'gone' },
    });
    expect(row).toMatchObject({ target: 'vm-9', initiator: 'nightly', details: 'only.a.key', fault: { type: 'NotFound', message: 'gone' } });
    expect(taskRow({ ...base, reason: { _type: 'TaskReasonSystem' } }).initiator).toBe('System');
    const alarm = {
      _type: 'TaskReasonAlarm',
      alarmName: 'CPU high',
      alarm: new ManagedObjectReference('Alarm', 'alarm-1'),
      entityName: 'web-01',
      entity: base.task,
    };
    expect(taskRow({ ...base, reason: alarm }).initiator).toBe('CPU high');
  });
});

describe('taskLabels', () => {
  const resource = (locale: string, module: string, data: Record<string, string>): ExtensionResourceInfo => ({
    _type: 'ExtensionResourceInfo',
    locale,
    module,
    data: Object.entries(data).map(([key, value]) => ({ _type: 'KeyValue', key, value })),
  });
  const extension = (taskIds: string[], resources: ExtensionResourceInfo[]) => ({ ...simpleExtension('com.example', taskIds), resourceList: resources });

  test('"<taskID>.label" in the "task" module, English first; types without one are left out', () => {
    const labels = taskLabels([
      extension(
        ['com.example.a', 'com.example.b', 'com.example.c'],
        [
          resource('de', 'task', { 'com.example.a.label': 'Bereitstellen', 'com.example.c.label': 'Nur Deutsch' }),
          resource('en', 'task', { 'com.example.a.label': 'Deploy', 'com.example.a.summary': 'Deploys' }),
          resource('en', 'event', { 'com.example.b.label': 'not a task label' }),
        ],
      ),
      { ...simpleExtension('bare', []), taskList: undefined },
    ]);
    expect(labels).toEqual({ 'com.example.a': 'Deploy', 'com.example.c': 'Nur Deutsch' });
  });

  test('a label is only taken for a type the extension declares', () => {
    expect(taskLabels([extension([], [resource('en', 'task', { 'com.example.a.label': 'Deploy' })])])).toEqual({});
  });
});
