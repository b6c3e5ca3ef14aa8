// Interop with a generic WSDL-driven client: the `soap` npm package builds every request from the
// WSDL the server serves (GET /sdk/vimService.wsdl → vim.wsdl) and parses every answer with its own
// schema-aware parser. It knows nothing about vSphere, so whatever works here works because the
// WSDL and the wire agree.
//
// How `soap` expresses what vim25 needs (measured against soap 1.13):
// * an XML attribute (the MoRef `type`):  { attributes: { type: 'Task' }, $value: 'task-1' }
//   → <vim25:_this type="Task">task-1</vim25:_this>; answers come back in the same shape.
// * xsi:type on an anyType element:       { attributes: { xsi_type: { type, xmlns, prefix } }, ... }
//   → <vim25:result xsi:type="xsd:int" xmlns:xsd="http://www.w3.org/2001/XMLSchema">42</vim25:result>
//   (a literal `'xsi:type': 'xsd:int'` attribute is written verbatim too, but without declaring xsd).
// * answers keep xsi:type as attributes['xsi:type'] (prefix as the server wrote it); the value of an
//   anyType is NOT converted by its xsi:type: xsd:int 42 comes back as the string "42".

import https from 'node:https';
import * as soap from 'soap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/server/app.js';
import { EXAMPLE_USERS, startEmulator } from '../helpers/emulator.js';

const TASK_TYPE = 'com.vmware.govmomi.simulator.test';
const XSD_NS = 'http://www.w3.org/2001/XMLSchema';
const VIM25_NS = 'urn:vim25';

type MoRef = { attributes: { type: string }; $value: string };
type Obj = Record<string, any>;

const mo = (type: string, value: string): MoRef => ({ attributes: { type }, $value: value });

/** An anyType value with an xsi:type, the way soap writes one. */
function typed(ns: string, prefix: string, type: string, body: Obj): Obj {
  return { ...body, attributes: { ...(body.attributes ?? {}), xsi_type: { type, xmlns: ns, prefix } } };
}

async function newClient(emu: Emulator, options: soap.IOptions = {}): Promise<soap.Client> {
  return soap.createClientAsync(`${emu.url()}/sdk/vimService.wsdl`, { endpoint: `${emu.url()}/sdk`, ...options });
}

function setCookieOf(client: soap.Client): string[] {
  const header = (client.lastResponseHeaders as Obj | undefined)?.['set-cookie'];
  return Array.isArray(header) ? header : header ? [String(header)] : [];
}

/** Logs in and keeps the session cookie (name=value from Set-Cookie) on the client. */
async function login(client: soap.Client, userName: string, password: string, callOptions: Obj = {}): Promise<Obj> {
  const [answer] = await client.LoginAsync({ _this: mo('SessionManager', 'SessionManager'), userName, password }, callOptions);
  const cookie = setCookieOf(client).find((c) => c.startsWith('vmware_soap_session='));
  if (!cookie) throw new Error(`Login sent no vmware_soap_session cookie: ${JSON.stringify(setCookieOf(client))}`);
  client.addHttpHeader('Cookie', cookie.split(';')[0]);
  return answer;
}

/** The SOAP fault a rejected soap call carries: HTTP status, faultcode/faultstring, detail element. */
async function faultOf(call: Promise<unknown>): Promise<{ status: number; faultcode: string; faultstring: string; detailName: string; detail: Obj }> {
  let error: any;
  try {
    await call;
  } catch (e) {
    error = e;
  }
  if (!error) throw new Error('expected the call to fail with a SOAP fault, but it succeeded');
  const fault = error.root?.Envelope?.Body?.Fault as Obj | undefined;
  if (!fault) throw new Error(`not a SOAP fault: ${error.message}`);
  const detailNames = Object.keys(fault.detail ?? {});
  expect(detailNames, 'exactly one detail element').toHaveLength(1);
  return {
    status: error.response?.status,
    faultcode: fault.faultcode,
    faultstring: fault.faultstring,
    detailName: detailNames[0],
    detail: fault.detail[detailNames[0]],
  };
}

function bodyOf(xml: string | undefined): string {
  const match = /<(?:\w+:)?Body>([\s\S]*)<\/(?:\w+:)?Body>/.exec(xml ?? '');
  if (!match) throw new Error(`no SOAP Body in ${xml}`);
  return match[1];
}

const ms = (value: unknown): number => new Date(value as string | Date).getTime();

describe('soap (npm) client driven by the served WSDL', () => {
  let emu: Emulator;
  let client: soap.Client;
  let content: Obj;
  let task: MoRef;

  async function createTask(args: Obj = {}): Promise<Obj> {
    const [answer] = await client.CreateTaskAsync({
      _this: content.taskManager,
      obj: content.rootFolder,
      taskTypeId: TASK_TYPE,
      cancelable: true,
      ...args,
    });
    return answer.returnval;
  }

  /** Task.info read through RetrievePropertiesEx, specSet{propSet{Task, [info]}, objectSet{obj}}. */
  async function readInfo(ref: MoRef): Promise<Obj> {
    const [answer] = await client.RetrievePropertiesExAsync({
      _this: content.propertyCollector,
      specSet: [{ propSet: [{ type: 'Task', pathSet: ['info'] }], objectSet: [{ obj: ref }] }],
      options: {},
    });
    const objects = answer.returnval.objects as Obj[];
    expect(objects).toHaveLength(1);
    expect(objects[0].obj).toEqual(ref);
    const propSet = objects[0].propSet as Obj[];
    expect(propSet).toHaveLength(1);
    expect(propSet[0].name).toBe('info');
    expect(propSet[0].val.attributes).toEqual({ 'xsi:type': 'TaskInfo' });
    return propSet[0].val;
  }

  beforeAll(async () => {
    emu = await startEmulator({ usersFile: EXAMPLE_USERS });
    client = await newClient(emu);
  });

  afterAll(async () => {
    await emu?.close();
  });

  it('has no session before Login: CreateTask → NotAuthenticated{object=_this, privilegeId=System.View}', async () => {
    const anonymous = await newClient(emu);
    const fault = await faultOf(
      anonymous.CreateTaskAsync({ _this: mo('TaskManager', 'TaskManager'), obj: mo('Folder', 'group-d1'), taskTypeId: TASK_TYPE, cancelable: true }),
    );
    expect(fault.status).toBe(500);
    expect(fault.faultcode).toBe('ServerFaultCode');
    expect(fault.detailName).toBe('NotAuthenticatedFault');
    expect(fault.detail.attributes).toEqual({ 'xsi:type': 'NotAuthenticated' });
    expect(fault.detail.object).toEqual(mo('TaskManager', 'TaskManager'));
    expect(fault.detail.privilegeId).toBe('System.View');
  });

  it('RetrieveServiceContent (anonymous) returns the managed object references as attribute + text', async () => {
    const [answer] = await client.RetrieveServiceContentAsync({ _this: mo('ServiceInstance', 'ServiceInstance') });
    expect(bodyOf(client.lastRequest)).toMatch(/<(\w+:)?_this type="ServiceInstance">ServiceInstance<\/(\w+:)?_this>/);
    content = answer.returnval;
    expect(content.rootFolder).toEqual(mo('Folder', 'group-d1'));
    expect(content.propertyCollector).toEqual(mo('PropertyCollector', 'propertyCollector'));
    expect(content.sessionManager).toEqual(mo('SessionManager', 'SessionManager'));
    expect(content.taskManager).toEqual(mo('TaskManager', 'TaskManager'));
    expect(content.about.apiType).toBe('VirtualCenter');
    expect(content.about.name).toBeTypeOf('string');
  });

  it('Login(admin) returns a UserSession and the vmware_soap_session cookie (Path=/, HttpOnly, not Secure on HTTP)', async () => {
    const answer = await login(client, 'admin', 'admin');
    expect(bodyOf(client.lastRequest)).toMatch(
      /<(\w+:)?_this type="SessionManager">SessionManager<\/(\w+:)?_this><(\w+:)?userName>admin<\/(\w+:)?userName><(\w+:)?password>admin<\/(\w+:)?password>/,
    );
    expect(answer.returnval.userName).toBe('admin');
    expect(answer.returnval.key).toMatch(/\S/);
    expect(ms(answer.returnval.loginTime)).not.toBeNaN();
    const cookies = setCookieOf(client);
    expect(cookies).toHaveLength(1);
    const parts = cookies[0].split(';').map((p) => p.trim());
    expect(parts[0]).toMatch(/^vmware_soap_session=[^;\s]+$/);
    expect(parts).toContain('HttpOnly');
    expect(parts).toContain('Path=/');
    expect(parts.map((p) => p.toLowerCase())).not.toContain('secure');
  });

  it('Login with a wrong password → InvalidLogin', async () => {
    const other = await newClient(emu);
    const fault = await faultOf(other.LoginAsync({ _this: content.sessionManager, userName: 'admin', password: 'wrong' }));
    expect(fault.status).toBe(500);
    expect(fault.detailName).toBe('InvalidLoginFault');
    expect(fault.detail.attributes).toEqual({ 'xsi:type': 'InvalidLogin' });
    expect(setCookieOf(other).filter((c) => /^vmware_soap_session=[^;]/.test(c))).toEqual([]);
  });

  it('TaskManager.CreateTask: _this serializes as <_this type="TaskManager">TaskManager</_this>; answer is a queued TaskInfo', async () => {
    const before = Date.now();
    const info = await createTask({ initiatedBy: 'node-soap-user' });
    expect(bodyOf(client.lastRequest)).toMatch(/<(\w+:)?_this type="TaskManager">TaskManager<\/(\w+:)?_this>/);
    expect(bodyOf(client.lastRequest)).toMatch(/<(\w+:)?obj type="Folder">group-d1<\/(\w+:)?obj>/);
    expect(info.key).toMatch(/^task-\d+$/);
    expect(info.task).toEqual(mo('Task', info.key));
    expect(info.descriptionId).toBe(TASK_TYPE);
    expect(info.entity).toEqual(mo('Folder', 'group-d1'));
    expect(info.state).toBe('queued');
    expect(info.cancelled).toBe(false);
    expect(info.cancelable).toBe(true);
    expect(info.reason).toEqual({ attributes: { 'xsi:type': 'TaskReasonUser' }, userName: 'node-soap-user' });
    expect(ms(info.queueTime)).toBeGreaterThanOrEqual(before - 1000);
    expect(info.startTime).toBeUndefined();
    expect(info.completeTime).toBeUndefined();
    expect(info.result).toBeUndefined();
    task = info.task;
    // Visible at once to a read.
    const read = await readInfo(task);
    expect(read.key).toBe(info.key);
    expect(read.state).toBe('queued');
  });

  it('SetTaskState(running) answers an empty response and sets startTime', async () => {
    const [answer] = await client.SetTaskStateAsync({ _this: task, state: 'running' });
    expect(answer).toBeNull();
    expect(bodyOf(client.lastResponse)).toMatch(/<SetTaskStateResponse xmlns="urn:vim25"(><\/SetTaskStateResponse>|\/>)/);
    const info = await readInfo(task);
    expect(info.state).toBe('running');
    expect(info.startTime).toBeDefined();
    expect(ms(info.startTime)).toBeGreaterThanOrEqual(ms(info.queueTime));
    expect(info.completeTime).toBeUndefined();
  });

  it('UpdateProgress(150) is stored as 100 and read back through RetrievePropertiesEx', async () => {
    const [answer] = await client.UpdateProgressAsync({ _this: task, percentDone: 150 });
    expect(answer).toBeNull();
    expect(bodyOf(client.lastRequest)).toMatch(/<(\w+:)?percentDone>150<\/(\w+:)?percentDone>/);
    const info = await readInfo(task);
    expect(info.progress).toBe(100);
    expect(info.state).toBe('running');
  });

  it('SetTaskDescription stores the LocalizableMessage', async () => {
    const [answer] = await client.SetTaskDescriptionAsync({ _this: task, description: { key: 'node.soap.step', message: 'Copying <files> & more' } });
    expect(answer).toBeNull();
    const info = await readInfo(task);
    expect(info.description).toEqual({ key: 'node.soap.step', message: 'Copying <files> & more' });
    expect(info.state).toBe('running');
  });

  it('SetTaskState(success) with an xsd:string result: xsi:type and value come back unchanged', async () => {
    const result = typed(XSD_NS, 'xsd', 'string', { $value: 'hello world' });
    const [answer] = await client.SetTaskStateAsync({ _this: task, state: 'success', result });
    expect(answer).toBeNull();
    expect(bodyOf(client.lastRequest)).toMatch(
      /<(\w+:)?result xsi:type="xsd:string" xmlns:xsd="http:\/\/www.w3.org\/2001\/XMLSchema">hello world<\/(\w+:)?result>/,
    );
    const info = await readInfo(task);
    expect(info.state).toBe('success');
    expect(info.result).toEqual({ attributes: { 'xsi:type': 'xsd:string' }, $value: 'hello world' });
    expect(info.progress).toBe(100);
    expect(info.description).toEqual({ key: 'node.soap.step', message: 'Copying <files> & more' });
    expect(info.error).toBeUndefined();
    expect(ms(info.completeTime)).toBeGreaterThanOrEqual(ms(info.startTime));
    expect(ms(info.startTime)).toBeGreaterThanOrEqual(ms(info.queueTime));
  });

  it('a successful task is terminal: SetTaskState(running) and UpdateProgress → InvalidState, nothing changes', async () => {
    const before = await readInfo(task);
    for (const call of [client.SetTaskStateAsync({ _this: task, state: 'running' }), client.UpdateProgressAsync({ _this: task, percentDone: 5 })]) {
      const fault = await faultOf(call);
      expect(fault.status).toBe(500);
      expect(fault.detailName).toBe('InvalidStateFault');
      expect(fault.detail.attributes).toEqual({ 'xsi:type': 'InvalidState' });
    }
    expect(await readInfo(task)).toEqual(before);
  });

  // Results of other types, each on its own task (queued → success directly is allowed).
  const results: Array<[string, Obj, Obj]> = [
    ['xsd:int', typed(XSD_NS, 'xsd', 'int', { $value: 42 }), { attributes: { 'xsi:type': 'xsd:int' }, $value: '42' }],
    ['xsd:boolean', typed(XSD_NS, 'xsd', 'boolean', { $value: true }), { attributes: { 'xsi:type': 'xsd:boolean' }, $value: 'true' }],
    [
      'ManagedObjectReference',
      typed(VIM25_NS, 'vim25', 'ManagedObjectReference', { attributes: { type: 'Folder' }, $value: 'group-d1' }),
      { attributes: { 'xsi:type': 'ManagedObjectReference', type: 'Folder' }, $value: 'group-d1' },
    ],
    [
      'ArrayOfString',
      typed(VIM25_NS, 'vim25', 'ArrayOfString', { string: ['a', 'b <c>'] }),
      { attributes: { 'xsi:type': 'ArrayOfString' }, string: ['a', 'b <c>'] },
    ],
    [
      'a data object (LocalizableMessage)',
      typed(VIM25_NS, 'vim25', 'LocalizableMessage', { key: 'k', message: 'm' }),
      { attributes: { 'xsi:type': 'LocalizableMessage' }, key: 'k', message: 'm' },
    ],
  ];
  for (const [label, sent, expected] of results) {
    it(`SetTaskState(success) with a ${label} result keeps its xsi:type and value`, async () => {
      const info = await createTask({ cancelable: false });
      const [answer] = await client.SetTaskStateAsync({ _this: info.task, state: 'success', result: sent });
      expect(answer).toBeNull();
      expect(bodyOf(client.lastRequest)).toMatch(/<(\w+:)?result [^>]*xsi:type="\w+:\w+"/);
      const read = await readInfo(info.task);
      expect(read.state).toBe('success');
      expect(read.result).toEqual(expected);
    });
  }

  it('SetTaskState(running) with a result → InvalidState; the task is untouched', async () => {
    const info = await createTask();
    const fault = await faultOf(client.SetTaskStateAsync({ _this: info.task, state: 'running', result: typed(XSD_NS, 'xsd', 'string', { $value: 'x' }) }));
    expect(fault.detailName).toBe('InvalidStateFault');
    const read = await readInfo(info.task);
    expect(read.state).toBe('queued');
    expect(read.result).toBeUndefined();
  });

  describe('cancellation', () => {
    let second: Obj;

    it('CancelTask on a queued, cancelable task → state error, cancelled, error RequestCanceled', async () => {
      second = await createTask({ cancelable: true });
      expect(second.state).toBe('queued');
      const [answer] = await client.CancelTaskAsync({ _this: second.task });
      expect(answer).toBeNull();
      expect(bodyOf(client.lastRequest)).toMatch(new RegExp(`<(\\w+:)?_this type="Task">${second.key}</(\\w+:)?_this>`));
      const info = await readInfo(second.task);
      expect(info.state).toBe('error');
      expect(info.cancelled).toBe(true);
      expect(info.error.fault.attributes).toEqual({ 'xsi:type': 'RequestCanceled' });
      expect(info.error.localizedMessage).toBeTypeOf('string');
      expect(info.result).toBeUndefined();
      expect(ms(info.completeTime)).toBeGreaterThanOrEqual(ms(info.queueTime));
    });

    it('CancelTask again → the soap error carries a SOAP fault whose detail is InvalidStateFault', async () => {
      let error: any;
      try {
        await client.CancelTaskAsync({ _this: second.task });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(Error);
      expect(error.response.status).toBe(500);
      const fault = error.root.Envelope.Body.Fault;
      expect(fault.faultcode).toBe('ServerFaultCode');
      expect(fault.faultstring).toBeTypeOf('string');
      expect(Object.keys(fault.detail)).toEqual(['InvalidStateFault']);
      expect(fault.detail.InvalidStateFault.attributes).toEqual({ 'xsi:type': 'InvalidState' });
      // soap folds code, string and detail into the message as well.
      expect(error.message).toMatch(/^ServerFaultCode: .*InvalidStateFault/);
      // Still terminal and unchanged.
      const info = await readInfo(second.task);
      expect(info.state).toBe('error');
      expect(info.error.fault.attributes).toEqual({ 'xsi:type': 'RequestCanceled' });
    });

    it('CancelTask on a task created with cancelable=false → NotSupported, task stays queued', async () => {
      const info = await createTask({ cancelable: false });
      const fault = await faultOf(client.CancelTaskAsync({ _this: info.task }));
      expect(fault.detailName).toBe('NotSupportedFault');
      expect(fault.detail.attributes).toEqual({ 'xsi:type': 'NotSupported' });
      expect((await readInfo(info.task)).state).toBe('queued');
    });

    it('an unknown task → ManagedObjectNotFound{obj}', async () => {
      const ghost = mo('Task', 'task-999999');
      const fault = await faultOf(client.CancelTaskAsync({ _this: ghost }));
      expect(fault.detailName).toBe('ManagedObjectNotFoundFault');
      expect(fault.detail.obj).toEqual(ghost);
    });
  });

  it('a ReadOnly user (viewer) gets NoPermission{object, privilegeId=Task.Create} from CreateTask', async () => {
    const viewer = await newClient(emu);
    const session = await login(viewer, 'viewer', 'viewer');
    expect(session.returnval.userName).toBe('viewer');
    const fault = await faultOf(viewer.CreateTaskAsync({ _this: content.taskManager, obj: content.rootFolder, taskTypeId: TASK_TYPE, cancelable: true }));
    expect(fault.status).toBe(500);
    expect(fault.detailName).toBe('NoPermissionFault');
    expect(fault.detail.attributes).toEqual({ 'xsi:type': 'NoPermission' });
    expect(fault.detail.object).toEqual(mo('TaskManager', 'TaskManager'));
    expect(fault.detail.privilegeId).toBe('Task.Create');
  });
});

describe('soap (npm) client over HTTPS with the self-signed certificate', () => {
  let emu: Emulator;
  const httpsAgent = new https.Agent({ rejectUnauthorized: false });

  beforeAll(async () => {
    emu = await startEmulator({ usersFile: EXAMPLE_USERS, tls: true });
  });

  afterAll(async () => {
    await emu?.close();
    httpsAgent.destroy();
  });

  it('loads the WSDL, logs in (cookie is Secure) and creates a task', async () => {
    expect(emu.url()).toMatch(/^https:\/\//);
    const client = await newClient(emu, { wsdl_options: { httpsAgent } });
    const session = await login(client, 'admin', 'admin', { httpsAgent });
    expect(session.returnval.userName).toBe('admin');
    const parts = setCookieOf(client)[0]
      .split(';')
      .map((p) => p.trim().toLowerCase());
    expect(parts).toContain('secure');
    const [answer] = await client.CreateTaskAsync(
      { _this: mo('TaskManager', 'TaskManager'), obj: mo('Folder', 'group-d1'), taskTypeId: TASK_TYPE, cancelable: true },
      { httpsAgent },
    );
    expect(answer.returnval.state).toBe('queued');
    expect(answer.returnval.reason.userName).toBe('admin');
  });
});
