// Fetch over raw SOAP, as pyVmomi 8 sends it: every managed object answers it, for any property
// or nested path, with what a PropertyCollector read of the same path answers.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startLoggedIn, type Running, type SoapConnection } from '../helpers/emulator.js';
import { SoapSession, type SoapResponse } from '../helpers/soap-client.js';
import { createTask, expectFault, moref, ok, setState, taskCall, type Xml } from '../helpers/tasks.js';

let emulator: Running<SoapConnection>;
let admin: SoapSession;
beforeAll(async () => {
  emulator = await startLoggedIn();
  admin = emulator.session;
});
afterAll(async () => {
  await emulator.close();
});

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function fetch(s: SoapSession, type: string, value: string, prop: string): Promise<SoapResponse> {
  return s.call('Fetch', type, value, `<prop>${prop}</prop>`);
}

function fetched(res: SoapResponse): unknown {
  ok(res);
  return (res.result.FetchResponse as Xml).returnval;
}

/** The same path read with RetrievePropertiesEx: the value, or undefined when unset. */
async function viaCollector(s: SoapSession, type: string, value: string, path: string): Promise<{ res: SoapResponse; val: unknown }> {
  const res = await s.call(
    'RetrievePropertiesEx',
    'PropertyCollector',
    'propertyCollector',
    `<specSet><propSet><type>${type}</type><pathSet>${path}</pathSet></propSet><objectSet><obj type="${type}">${value}</obj></objectSet></specSet><options/>`,
  );
  if (res.status !== 200) return { res, val: undefined };
  const returnval = (res.result.RetrievePropertiesExResponse as Xml).returnval as Xml | undefined;
  const prop = list((returnval?.objects as Xml | undefined)?.propSet as Xml | Xml[] | undefined).find((p) => p.name === path);
  return { res, val: prop?.val };
}

describe('Fetch', () => {
  test("a task's info, as pyVmomi 8 reads task.info", async () => {
    const task = await createTask(admin);
    ok(await setState(admin, task, 'running'));
    const res = await admin.send(
      `<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n<soapenv:Body><Fetch xmlns="urn:vim25"><_this type="Task" versionId="8.0.2.0">${task}</_this><prop versionId="8.0.2.0">info</prop></Fetch></soapenv:Body>\n</soapenv:Envelope>`,
    );
    const info = fetched(res) as Xml;
    expect(info.$?.['xsi:type']).toBe('TaskInfo');
    expect(info.key).toBe(task);
    expect(info.state).toBe('running');
  });

  test('nested paths, arrays of references and the ServiceContent, typed as the property is', async () => {
    const task = await createTask(admin);
    ok(await setState(admin, task, 'running'));
    ok(await taskCall(admin, task, 'UpdateProgress', '<percentDone>7</percentDone>'));
    expect(fetched(await fetch(admin, 'Task', task, 'info.state'))).toEqual({ _: 'running', $: { 'xsi:type': 'TaskInfoState' } });
    expect(fetched(await fetch(admin, 'Task', task, 'info.progress'))).toEqual({ _: '7', $: { 'xsi:type': 'xsd:int' } });
    const recent = fetched(await fetch(admin, 'TaskManager', 'TaskManager', 'recentTask')) as Xml;
    expect(recent.$?.['xsi:type']).toBe('ArrayOfManagedObjectReference');
    expect(list(recent.ManagedObjectReference as Xml | Xml[])).toContainEqual(moref('Task', task));
    const content = fetched(await fetch(admin, 'ServiceInstance', 'ServiceInstance', 'content')) as Xml;
    expect(content.$?.['xsi:type']).toBe('ServiceContent');
    expect(content.taskManager).toEqual(moref('TaskManager', 'TaskManager'));
  });

  test('an unset property is an answer without returnval', async () => {
    const task = await createTask(admin);
    const res = await fetch(admin, 'Task', task, 'info.result');
    ok(res);
    expect((res.result.FetchResponse as Xml | string) === '' || (res.result.FetchResponse as Xml).returnval === undefined).toBe(true);
  });

  test('faults are the PropertyCollector’s: InvalidProperty, ManagedObjectNotFound, NotAuthenticated', async () => {
    const task = await createTask(admin);
    expectFault(await fetch(admin, 'Task', task, 'info.nope'), 'InvalidProperty', { name: 'info.nope' });
    expectFault(await fetch(admin, 'Task', task, 'nope'), 'InvalidProperty', { name: 'nope' });
    expectFault(await fetch(admin, 'Task', 'task-999999', 'info'), 'ManagedObjectNotFound', { obj: moref('Task', 'task-999999') });
    const anonymous = new SoapSession(emulator.url());
    expectFault(await fetch(anonymous, 'Task', task, 'info'), 'NotAuthenticated');
    // What pyVmomi 8 reads before it has logged in.
    expect((fetched(await fetch(anonymous, 'ServiceInstance', 'ServiceInstance', 'content')) as Xml).$?.['xsi:type']).toBe('ServiceContent');
    const current = await fetch(anonymous, 'SessionManager', 'SessionManager', 'currentSession');
    ok(current);
    expect((current.result.FetchResponse as Xml).returnval).toBeUndefined();
  });

  test('every property of every emulated object, and every field below it, reads the same as through RetrievePropertiesEx', async () => {
    // One of every kind of object: a task in each part of its life, a history collector, a
    // filter and a collector of this session's own.
    const task = await createTask(admin);
    ok(await setState(admin, task, 'running'));
    ok(await taskCall(admin, task, 'UpdateProgress', '<percentDone>40</percentDone>'));
    const done = await createTask(admin);
    ok(await setState(admin, done, 'success', '<result xsi:type="xsd:string">ok</result>'));
    ok(await admin.call('CreateCollectorForTasks', 'TaskManager', 'TaskManager', '<filter/>'));
    ok(await admin.call('CreatePropertyCollector', 'PropertyCollector', 'propertyCollector'));
    ok(
      await admin.call(
        'CreateFilter',
        'PropertyCollector',
        'propertyCollector',
        `<spec><propSet><type>Task</type><pathSet>info</pathSet></propSet><objectSet><obj type="Task">${task}</obj></objectSet></spec><partialUpdates>false</partialUpdates>`,
      ),
    );
    const { registry } = emulator.emulator.inventory;
    const { schema } = emulator.emulator;
    // Values that change with every call: the clock, and each session's activity.
    const volatile = new Set(['serverClock', 'currentSession.lastActiveTime', 'currentSession.callCount']);
    const steady = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(steady)
        : value && typeof value === 'object'
          ? Object.fromEntries(
              Object.entries(value)
                .filter(([k]) => k !== 'lastActiveTime' && k !== 'callCount')
                .map(([k, v]) => [k, steady(v)]),
            )
          : value;
    const seenTypes = new Set<string>();
    let compared = 0;
    for (const object of [...registry.objects()]) {
      const { type, value } = object.ref;
      seenTypes.add(type);
      for (const [property, propertyType] of Object.entries(object.propertyTypes)) {
        const paths = [
          property,
          ...(schema.complexTypes.get(propertyType)?.arrayItem
            ? []
            : (schema.complexTypes.get(propertyType)?.fields ?? []).map((f) => `${property}.${f.name}`)),
        ];
        for (const path of paths) {
          const byFetch = await fetch(admin, type, value, path);
          const byCollector = await viaCollector(admin, type, value, path);
          expect(byFetch.status, `${type}:${value} ${path}`).toBe(byCollector.res.status);
          if (byFetch.status !== 200) {
            expect(byFetch.body, `${type}:${value} ${path}`).toBe(byCollector.res.body);
          } else if (volatile.has(path)) {
            const a = (byFetch.result.FetchResponse as Xml).returnval as Xml | undefined;
            expect(a?.$?.['xsi:type'], path).toBe((byCollector.val as Xml | undefined)?.$?.['xsi:type']);
          } else {
            expect(steady((byFetch.result.FetchResponse as Xml).returnval), `${type}:${value} ${path}`).toEqual(steady(byCollector.val));
          }
          compared++;
        }
      }
    }
    expect([...seenTypes].sort()).toEqual(
      expect.arrayContaining([
        'ExtensionManager',
        'Folder',
        'PropertyCollector',
        'PropertyFilter',
        'ServiceInstance',
        'SessionManager',
        'Task',
        'TaskHistoryCollector',
        'TaskManager',
      ]),
    );
    expect(compared).toBeGreaterThan(50);
  });
});
