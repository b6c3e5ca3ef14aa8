// Task-level helpers over raw SOAP, for wire tests that read back what the server stored.

import { expect } from 'vitest';
import type { ControlClient } from '../../src/control/client.js';
import { faultOf, type SoapSession, type SoapResponse } from './soap-client.js';

export const TASK_TYPE = 'com.vmware.govmomi.simulator.test';

export type Xml = Record<string, unknown> & { $?: Record<string, string>; _?: string };

export async function createTask(
  s: SoapSession,
  opts: { cancelable?: boolean; initiatedBy?: string; parentTaskKey?: string; taskTypeId?: string; obj?: string } = {},
): Promise<string> {
  const res = await s.call(
    'CreateTask',
    'TaskManager',
    'TaskManager',
    `${opts.obj ?? '<obj type="Folder">group-d1</obj>'}<taskTypeId>${opts.taskTypeId ?? TASK_TYPE}</taskTypeId>` +
      (opts.initiatedBy ? `<initiatedBy>${opts.initiatedBy}</initiatedBy>` : '') +
      `<cancelable>${opts.cancelable ?? true}</cancelable>` +
      (opts.parentTaskKey ? `<parentTaskKey>${opts.parentTaskKey}</parentTaskKey>` : ''),
  );
  expect(res.status, res.body).toBe(200);
  const info = (res.result.CreateTaskResponse as Xml).returnval as Xml;
  return info.key as string;
}

export function taskCall(s: SoapSession, task: string, method: string, args = ''): Promise<SoapResponse> {
  return s.call(method, 'Task', task, args);
}

export function setState(s: SoapSession, task: string, state: string, extra = ''): Promise<SoapResponse> {
  return taskCall(s, task, 'SetTaskState', `<state>${state}</state>${extra}`);
}

/** The RetrievePropertiesEx arguments pyVmomi sends to read one task's info. */
function readInfoArgs(task: string): string {
  return `<specSet><propSet><type>Task</type><all>false</all><pathSet>info</pathSet></propSet><objectSet><obj type="Task">${task}</obj><skip>false</skip></objectSet></specSet><options><maxObjects>1</maxObjects></options>`;
}

/** What sends a vim25 call: the wire tests' SoapSession or the robustness suites' pooled FastSession. */
export interface VimCaller {
  call(method: string, thisType: string, thisValue: string, args?: string): Promise<SoapResponse>;
}

/** Task.info read through RetrievePropertiesEx as pyVmomi reads it; the answer must be HTTP 200. */
export async function retrieveInfo(s: VimCaller, task: string): Promise<SoapResponse> {
  const res = await s.call('RetrievePropertiesEx', 'PropertyCollector', 'propertyCollector', readInfoArgs(task));
  expect(res.status, res.body).toBe(200);
  return res;
}

/** Reads Task.info through RetrievePropertiesEx, as pyVmomi does. */
export async function readInfo(s: VimCaller, task: string): Promise<Xml> {
  const res = await retrieveInfo(s, task);
  const returnval = (res.result.RetrievePropertiesExResponse as Xml).returnval as Xml;
  const objects = returnval.objects as Xml;
  const propSet = objects.propSet as Xml;
  expect(propSet.name).toBe('info');
  return propSet.val as Xml;
}

export function ok(res: SoapResponse): void {
  expect(res.status, res.body).toBe(200);
  expect(faultOf(res)).toBeUndefined();
}

/** Asserts an HTTP 500 vim25 fault of the given type, with `XFault` element and xsi:type both set. */
export function expectFault(res: SoapResponse, type: string, fields: Record<string, unknown> = {}): ReturnType<typeof faultOf> {
  expect(res.status, res.body).toBe(500);
  const fault = faultOf(res);
  expect(fault, res.body).toBeDefined();
  expect(fault!.type, res.body).toBe(type);
  expect(fault!.elementName).toBe(`${type}Fault`);
  expect(fault!.faultstring.length, 'faultstring should be human-readable').toBeGreaterThan(0);
  expect((res.result.Fault as Xml).faultcode).toBe('ServerFaultCode');
  for (const [key, value] of Object.entries(fields)) expect(fault!.detail[key], `${type}.${key}`).toEqual(value);
  return fault;
}

export function moref(type: string, value: string): Xml {
  return { _: value, $: { type } };
}

/** The reference value of the inventory entity at `path` (e.g. /DC0/vm/web-01), from the control API. */
export async function refOf(control: ControlClient, path: string): Promise<string> {
  const entity = (await control.inventory.list()).find((e) => e.path === path);
  if (!entity) throw new Error(`no entity at ${path}`);
  return entity.ref;
}

/** Calls a *_Task method on `type:value` and returns the Task reference it answers with at once. */
export async function startTask(s: SoapSession, method: string, type: string, value: string, args = ''): Promise<string> {
  const res = await s.call(method, type, value, args);
  ok(res);
  const returnval = (res.result[`${method}Response`] as Xml).returnval as Xml;
  expect(returnval.$?.type).toBe('Task');
  return String(returnval._);
}

/** One property of one object, read with RetrievePropertiesEx: its `val` as parsed, undefined when unset. */
export async function readProperty(s: SoapSession, type: string, value: string, path: string): Promise<unknown> {
  const res = await s.call(
    'RetrievePropertiesEx',
    'PropertyCollector',
    'propertyCollector',
    `<specSet><propSet><type>${type}</type><pathSet>${path}</pathSet></propSet><objectSet><obj type="${type}">${value}</obj></objectSet></specSet><options/>`,
  );
  ok(res);
  const returnval = (res.result.RetrievePropertiesExResponse as Xml | undefined)?.returnval as Xml | undefined;
  const propSet = (returnval?.objects as Xml | undefined)?.propSet as Xml | undefined;
  return propSet?.val;
}

/** A parsed simple value's text (`{_: 'x', $: {...}}` → 'x'); anything else as it is. */
export function text(value: unknown): unknown {
  return typeof value === 'object' && value !== null && '_' in value ? (value as Xml)._ : value;
}
