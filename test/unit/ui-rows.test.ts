// What the Recent Tasks page is told about a task (taskRow) and what its task types are called
// (taskLabels, from the extensions' resources).

import { describe, expect, test } from 'vitest';
import { taskLabels, taskRow } from '../../src/server/ui.js';
import { dataObject, ManagedObjectReference } from '../../src/vim/data.js';

const base = {
  key: 'task-7',
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
    const row = taskRow(
      dataObject('TaskInfo', {
        ...base,
        entityName: 'web-01',
        progress: 40,
        reason: dataObject('TaskReasonUser', { userName: 'alice' }),
        description: dataObject('LocalizableMessage', { key: 'k', message: 'Copying' }),
        parentTaskKey: 'task-1',
      }),
    );
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
    const row = taskRow(
      dataObject('TaskInfo', {
        ...base,
        state: 'error',
        reason: dataObject('TaskReasonSchedule', { name: 'nightly', scheduledTask: new ManagedObjectReference('ScheduledTask', 'st-1') }),
        description: dataObject('LocalizableMessage', { key: 'only.a.key' }),
        error: dataObject('LocalizedMethodFault', { fault: dataObject('NotFound', {}), localizedMessage: 'gone' }),
      }),
    );
    expect(row).toMatchObject({ target: 'vm-9', initiator: 'nightly', details: 'only.a.key', fault: { type: 'NotFound', message: 'gone' } });
    expect(taskRow(dataObject('TaskInfo', { ...base, reason: dataObject('TaskReasonSystem', {}) })).initiator).toBe('System');
    expect(taskRow(dataObject('TaskInfo', { ...base, reason: dataObject('TaskReasonAlarm', { alarmName: 'CPU high' }) })).initiator).toBe('CPU high');
  });
});

describe('taskLabels', () => {
  const resource = (locale: string, module: string, data: Record<string, string>) =>
    dataObject('ExtensionResourceInfo', { locale, module, data: Object.entries(data).map(([key, value]) => dataObject('KeyValue', { key, value })) });
  const extension = (taskIds: string[], resources: ReturnType<typeof resource>[]) =>
    dataObject('Extension', {
      key: 'com.example',
      taskList: taskIds.map((taskID) => dataObject('ExtensionTaskTypeInfo', { taskID })),
      resourceList: resources,
    });

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
      dataObject('Extension', { key: 'bare' }),
    ]);
    expect(labels).toEqual({ 'com.example.a': 'Deploy', 'com.example.c': 'Nur Deutsch' });
  });

  test('a label is only taken for a type the extension declares', () => {
    expect(taskLabels([extension([], [resource('en', 'task', { 'com.example.a.label': 'Deploy' })])])).toEqual({});
  });
});
