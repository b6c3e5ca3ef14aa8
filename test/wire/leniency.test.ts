// vCenter's leniencies that real clients rely on, over raw SOAP, each in the exact form the
// client sends: node-vsphere-soap (SOAP posted to /sdk/vimService.wsdl, `_this` without a type),
// rbvmomi (a bare fault for SetTaskState), the quoted session cookie and the code that splits
// it, and pyVmomi 8 (Fetch, versionId attributes, SOAPAction "urn:vim25/8.0.2.0").

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEmulator, startLoggedIn, type Running, type SoapConnection } from '../helpers/emulator.js';
import { envelope, parseSoap, rawRequest, SoapSession, type SoapResponse } from '../helpers/soap-client.js';
import { createTask, expectFault, moref, ok, readInfo, setState, type Xml } from '../helpers/tasks.js';

let emulator: Running<SoapConnection>;
let admin: SoapSession;
beforeAll(async () => {
  emulator = await startLoggedIn();
  admin = emulator.session;
});
afterAll(async () => {
  await emulator.close();
});

async function post(body: string, options: { path?: string; headers?: Record<string, string>; cookie?: string | null } = {}): Promise<SoapResponse> {
  const cookie = options.cookie === undefined ? admin.cookie : options.cookie;
  const headers = { 'content-type': 'text/xml; charset=utf-8', ...options.headers, ...(cookie ? { cookie } : {}) };
  const res = await rawRequest(emulator.url(), { path: options.path, body, headers });
  return { ...res, result: res.body.startsWith('<?xml') ? await parseSoap(res.body) : {} };
}

const serviceContent = (self = '<_this type="ServiceInstance">ServiceInstance</_this>') =>
  envelope(`<RetrieveServiceContent xmlns="urn:vim25">${self}</RetrieveServiceContent>`);

describe('SOAP on any path under /sdk (node-vsphere-soap posts to /sdk/vimService.wsdl)', () => {
  test('POST to /sdk/vimService.wsdl, /sdk/vimService, deeper paths and with a query string is served', async () => {
    for (const path of ['/sdk/vimService.wsdl', '/sdk/vimService', '/sdk/vimService?x=1', '/sdk/a/b/c']) {
      const res = await post(serviceContent(), { path });
      ok(res);
      expect((res.result.RetrieveServiceContentResponse as Xml).returnval, path).toBeDefined();
    }
  });

  test('GET of the WSDL is still the WSDL, and paths outside /sdk are not SOAP', async () => {
    const wsdl = await rawRequest(emulator.url(), { method: 'GET', path: '/sdk/vimService.wsdl' });
    expect(wsdl.status).toBe(200);
    expect(wsdl.body).toContain('<definitions');
    expect((await rawRequest(emulator.url(), { path: '/sdkx', body: serviceContent(), headers: { 'content-type': 'text/xml' } })).status).toBe(404);
    expect((await rawRequest(emulator.url(), { path: '/other/sdk', body: serviceContent(), headers: { 'content-type': 'text/xml' } })).status).toBe(404);
  });
});

describe('_this without a type attribute (node-vsphere-soap)', () => {
  test('RetrieveServiceContent (before login) and CurrentTime as node-vsphere-soap sends them', async () => {
    const res = await post(serviceContent('<_this>ServiceInstance</_this>'), { path: '/sdk/vimService.wsdl', cookie: null });
    ok(res);
    const content = (res.result.RetrieveServiceContentResponse as Xml).returnval as Xml;
    expect(content.sessionManager).toEqual(moref('SessionManager', 'SessionManager'));
    const time = await post(envelope('<CurrentTime xmlns="urn:vim25"><_this>ServiceInstance</_this></CurrentTime>'), { path: '/sdk/vimService.wsdl' });
    ok(time);
    expect(Date.parse((time.result.CurrentTimeResponse as Xml).returnval as string)).not.toBeNaN();
  });

  test("the operation's own type when the emulator has objects of it; the call then runs as if typed", async () => {
    const task = await createTask(admin);
    const res = await post(envelope(`<SetTaskState xmlns="urn:vim25"><_this>${task}</_this><state>running</state></SetTaskState>`));
    ok(res);
    expect((await readInfo(admin, task)).state).toBe('running');
    expectFault(await post(envelope('<CancelTask xmlns="urn:vim25"><_this>task-999999</_this></CancelTask>')), 'ManagedObjectNotFound', {
      obj: moref('Task', 'task-999999'),
    });
  });

  test('an operation of every object (Fetch) finds the one object with that value, else InvalidRequest', async () => {
    const task = await createTask(admin);
    const res = await post(envelope(`<Fetch xmlns="urn:vim25"><_this>${task}</_this><prop>info.key</prop></Fetch>`));
    ok(res);
    expect(((res.result.FetchResponse as Xml).returnval as Xml)._).toBe(task);
    const missing = expectFault(await post(envelope('<Fetch xmlns="urn:vim25"><_this>nothing-here</_this><prop>name</prop></Fetch>')), 'InvalidRequest');
    expect(missing?.faultstring).toContain('nothing-here');
  });
});

describe('a bare MethodFault where a LocalizedMethodFault belongs (rbvmomi)', () => {
  test('SetTaskState(error, <fault xsi:type="NotFound">) fails the task with that fault, wrapped', async () => {
    const task = await createTask(admin);
    ok(await setState(admin, task, 'running'));
    ok(await setState(admin, task, 'error', '<fault xsi:type="NotFound"></fault>'));
    const info = await readInfo(admin, task);
    expect(info.state).toBe('error');
    expect(((info.error as Xml).fault as Xml).$?.['xsi:type']).toBe('NotFound');
  });

  test('a type that is not a fault is still refused', async () => {
    const task = await createTask(admin);
    ok(await setState(admin, task, 'running'));
    expectFault(await setState(admin, task, 'error', '<fault xsi:type="TaskInfo"></fault>'), 'InvalidRequest');
  });
});

describe('the session cookie, quoted as vCenter sends it', () => {
  test('Set-Cookie is vmware_soap_session="…"; Path=/; HttpOnly (plus Secure over HTTPS)', async () => {
    const s = new SoapSession(emulator.url());
    const res = await s.login('admin', 'admin');
    ok(res);
    const setCookie = res.headers['set-cookie']?.[0] ?? '';
    expect(setCookie).toMatch(/^vmware_soap_session="[0-9a-f]{64}"; Path=\/; HttpOnly$/);
    const secure = await startEmulator({ tls: true });
    try {
      const tls = new SoapSession(secure.url());
      ok(await tls.login('admin', 'admin'));
      expect(tls.cookie).toMatch(/^vmware_soap_session="[0-9a-f]{64}"; Path=\/; HttpOnly; Secure$/);
    } finally {
      await secure.close();
    }
  });

  test("every way clients send it back works, and cookie.split('\"')[1] is the session id", async () => {
    const s = new SoapSession(emulator.url());
    ok(await s.login('admin', 'admin'));
    const setCookie = s.cookie ?? '';
    // The SPBM samples' and Ansible's idiom: the id between the first pair of quotes.
    const id = setCookie.split('"')[1];
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const forms = [
      setCookie, // pyVmomi 6.7 and 8 echo the whole Set-Cookie value
      `vmware_soap_session="${id}"`, // quoted pair
      `vmware_soap_session=${id}`, // govmomi's cookie jar (Go strips the quotes)
      `other=1; vmware_soap_session="${id}"; more=2`,
    ];
    for (const cookie of forms) {
      const res = await post(
        envelope('<Fetch xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><prop>currentSession.userName</prop></Fetch>'),
        { cookie },
      );
      ok(res);
      expect(((res.result.FetchResponse as Xml).returnval as Xml)._, cookie).toBe('admin');
    }
  });
});

describe('pyVmomi 8 wire forms', () => {
  const PYVMOMI8 = { 'content-type': 'text/xml; charset=UTF-8', soapaction: '"urn:vim25/8.0.2.0"', 'user-agent': 'pyvmomi Python/3.11' };
  const v8 = (op: string, type: string, value: string, args = '') =>
    envelope(`<${op} xmlns="urn:vim25"><_this type="${type}" versionId="8.0.2.0">${value}</_this>${args}</${op}>`);

  test('a whole task scenario: connect with Fetch, log in, create, run, progress, succeed, read with Fetch, log out', async () => {
    const anonymous = { headers: PYVMOMI8, cookie: null };
    const content = await post(v8('Fetch', 'ServiceInstance', 'ServiceInstance', '<prop versionId="8.0.2.0">content</prop>'), anonymous);
    ok(content);
    expect(((content.result.FetchResponse as Xml).returnval as Xml).$?.['xsi:type']).toBe('ServiceContent');
    const login = await post(
      v8('Login', 'SessionManager', 'SessionManager', '<userName versionId="8.0.2.0">admin</userName><password versionId="8.0.2.0">admin</password>'),
      anonymous,
    );
    ok(login);
    const cookie = login.headers['set-cookie']?.[0] ?? '';
    const as = { headers: PYVMOMI8, cookie };
    const session = await post(v8('Fetch', 'SessionManager', 'SessionManager', '<prop versionId="8.0.2.0">currentSession</prop>'), as);
    ok(session);
    expect(((session.result.FetchResponse as Xml).returnval as Xml).userName).toBe('admin');
    const created = await post(
      v8(
        'CreateTask',
        'TaskManager',
        'TaskManager',
        '<obj type="Folder" versionId="8.0.2.0">group-d1</obj><taskTypeId versionId="8.0.2.0">com.vmware.govmomi.simulator.test</taskTypeId><cancelable versionId="8.0.2.0">true</cancelable>',
      ),
      as,
    );
    ok(created);
    const task = ((created.result.CreateTaskResponse as Xml).returnval as Xml).key as string;
    ok(await post(v8('SetTaskState', 'Task', task, '<state versionId="8.0.2.0">running</state>'), as));
    ok(await post(v8('UpdateProgress', 'Task', task, '<percentDone versionId="8.0.2.0">50</percentDone>'), as));
    ok(
      await post(
        v8('SetTaskState', 'Task', task, '<state versionId="8.0.2.0">success</state><result versionId="8.0.2.0" xsi:type="xsd:string">done</result>'),
        as,
      ),
    );
    const info = await post(v8('Fetch', 'Task', task, '<prop versionId="8.0.2.0">info</prop>'), as);
    ok(info);
    const returnval = (info.result.FetchResponse as Xml).returnval as Xml;
    expect(returnval.state).toBe('success');
    expect(returnval.result).toEqual({ _: 'done', $: { 'xsi:type': 'xsd:string' } });
    const recent = await post(v8('Fetch', 'TaskManager', 'TaskManager', '<prop versionId="8.0.2.0">recentTask</prop>'), as);
    ok(recent);
    // The quoted-cookie idiom works on the cookie pyVmomi 8 holds.
    const id = cookie.split('"')[1];
    ok(await post(v8('Fetch', 'Task', task, '<prop versionId="8.0.2.0">info.state</prop>'), { headers: PYVMOMI8, cookie: `vmware_soap_session="${id}"` }));
    const logout = await post(v8('Logout', 'SessionManager', 'SessionManager'), as);
    ok(logout);
    expectFault(await post(v8('Fetch', 'Task', task, '<prop versionId="8.0.2.0">info</prop>'), as), 'NotAuthenticated');
  });
});
