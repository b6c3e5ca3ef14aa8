// Answers follow the API version the client names in SOAPAction, as vCenter's do: a field newer
// than that version is left out, a value or fault whose type is newer is written as its nearest
// base the client knows, and no version (or one the emulator does not know) gets the newest.
// Each version below is one a real client sends: pyVmomi 6.7.1 "urn:vim25/6.7.1" (quoted),
// govmomi 0.24 urn:vim25/7.0, pyVmomi 8 "urn:vim25/8.0.2.0". Which fields and types are newer
// than 6.7.1 is pyVmomi 8's metadata's word (vte:since in wsdl/vim.wsdl).

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EXAMPLE_USERS, startLoggedIn, type Running, type SoapConnection } from '../helpers/emulator.js';
import { envelope, faultOf, rawRequest, type SoapSession } from '../helpers/soap-client.js';
import { createTask, expectFault, moref, ok, readInfo, setState, type Xml } from '../helpers/tasks.js';

const PYVMOMI_6 = '"urn:vim25/6.7.1"';
const GOVMOMI_024 = 'urn:vim25/7.0';
const PYVMOMI_8 = '"urn:vim25/8.0.2.0"';

let emulator: Running<SoapConnection>;
let admin: SoapSession;
let viewer: SoapSession;
beforeAll(async () => {
  emulator = await startLoggedIn({ usersFile: EXAMPLE_USERS });
  admin = emulator.session;
  viewer = await emulator.login('viewer');
});
afterAll(async () => {
  await emulator.close();
});

/** Runs `body` with `session` naming `soapAction` ('' sends no SOAPAction at all). */
async function as<T>(session: SoapSession, soapAction: string, body: () => Promise<T>): Promise<T> {
  const before = session.soapAction;
  session.soapAction = soapAction;
  try {
    return await body();
  } finally {
    session.soapAction = before;
  }
}

async function content(soapAction: string): Promise<Xml> {
  const res = await as(admin, soapAction, () => admin.call('RetrieveServiceContent', 'ServiceInstance', 'ServiceInstance'));
  ok(res);
  return (res.result.RetrieveServiceContentResponse as Xml).returnval as Xml;
}

async function controlPost(path: string, body: unknown): Promise<void> {
  const res = await rawRequest(emulator.url(), { path: `/_emulator${path}`, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status, res.body).toBe(201);
}

describe('fields newer than the named version are left out', () => {
  test('ServiceContent: 6.7.1 gets neither about.patchLevel (7.0.2.0) nor the managers added since; 8.0.2.0 gets them all', async () => {
    const old = await content(PYVMOMI_6);
    expect((old.about as Xml).patchLevel).toBeUndefined();
    expect((old.about as Xml).apiVersion).toBe('8.0.2.0');
    for (const property of ['storageQueryManager', 'guestCustomizationManager', 'tenantManager', 'siteInfoManager'])
      expect(old[property], property).toBeUndefined();
    expect(old.taskManager).toEqual(moref('TaskManager', 'TaskManager'));

    const current = await content(PYVMOMI_8);
    expect((current.about as Xml).patchLevel).toBe('00000');
    expect(current.storageQueryManager).toEqual(moref('StorageQueryManager', 'StorageQueryManager')); // 6.7.2
    expect(current.guestCustomizationManager).toEqual(moref('VirtualMachineGuestCustomizationManager', 'GuestCustomizationManager')); // 6.8.7
    expect(current.siteInfoManager).toEqual(moref('SiteInfoManager', 'SiteInfoManager')); // 7.0.0.0
  });

  test("govmomi 0.24's unquoted 7.0 is 7.0.0.0: siteInfoManager (7.0.0.0) yes, patchLevel (7.0.2.0) no", async () => {
    const govmomi = await content(GOVMOMI_024);
    expect(govmomi.siteInfoManager).toEqual(moref('SiteInfoManager', 'SiteInfoManager'));
    expect((govmomi.about as Xml).patchLevel).toBeUndefined();
  });

  test('no SOAPAction, one the emulator does not know, or not urn:vim25: the newest', async () => {
    for (const action of ['', '"urn:vim25/9.9.9.9"', 'urn:vim25/latest', '"urn:vim25"', 'anything']) {
      expect(((await content(action)).about as Xml).patchLevel, action).toBe('00000');
    }
  });

  test('NoPermission.missingPrivileges (7.0.3.2) goes to 8.0.2.0 clients only', async () => {
    const task = await createTask(admin);
    const old = await as(viewer, PYVMOMI_6, () => setState(viewer, task, 'running'));
    const oldFault = expectFault(old, 'NoPermission', { object: moref('Task', task), privilegeId: 'Task.Update' });
    expect(oldFault?.detail.missingPrivileges).toBeUndefined();
    const current = await as(viewer, PYVMOMI_8, () => setState(viewer, task, 'running'));
    const fault = expectFault(current, 'NoPermission', { privilegeId: 'Task.Update' });
    expect(fault?.detail.missingPrivileges).toEqual({ entity: moref('Task', task), privilegeIds: 'Task.Update' });
  });
});

describe('types newer than the named version are written as their nearest known base', () => {
  test('task.info.error holding a PasswordExpired (6.7.2): an InvalidLogin for 6.7.1, itself for 8.0.2.0', async () => {
    const task = await createTask(admin);
    ok(await setState(admin, task, 'running'));
    ok(
      await as(admin, PYVMOMI_8, () =>
        setState(admin, task, 'error', '<fault><fault xsi:type="PasswordExpired"></fault><localizedMessage>expired</localizedMessage></fault>'),
      ),
    );
    const old = await as(admin, PYVMOMI_6, () => readInfo(admin, task));
    expect((old.error as Xml).fault).toEqual({ $: { 'xsi:type': 'InvalidLogin' } });
    const current = await as(admin, PYVMOMI_8, () => readInfo(admin, task));
    expect((current.error as Xml).fault).toEqual({ $: { 'xsi:type': 'PasswordExpired' } });
  });

  test('a SOAP fault newer than the version: its element and xsi:type are the nearest base the client knows', async () => {
    await controlPost('/faults', { method: 'CurrentTime', fault: { type: 'PasswordExpired', message: 'expired' }, count: 3 });
    const time = (action: string) => as(admin, action, () => admin.call('CurrentTime', 'ServiceInstance', 'ServiceInstance'));
    const old = faultOf(await time(PYVMOMI_6));
    expect(old).toMatchObject({ type: 'InvalidLogin', elementName: 'InvalidLoginFault', faultstring: 'expired' });
    expect(faultOf(await time(PYVMOMI_8))).toMatchObject({ type: 'PasswordExpired', elementName: 'PasswordExpiredFault' });
    expect(faultOf(await time(''))).toMatchObject({ type: 'PasswordExpired' });

    // InvalidScheduledTask is 8.0.2.0's, a RuntimeFault: 8.0.1.0 is sent the RuntimeFault.
    await controlPost('/faults', { method: 'CurrentTime', fault: { type: 'InvalidScheduledTask', message: 'no' }, count: 2 });
    expect(faultOf(await time('"urn:vim25/8.0.1.0"'))).toMatchObject({ type: 'RuntimeFault', elementName: 'RuntimeFaultFault' });
    expect(faultOf(await time(PYVMOMI_8))).toMatchObject({ type: 'InvalidScheduledTask' });
  });
});

describe('versionId attributes (pyVmomi 8 puts one on every request element)', () => {
  test('on nested data objects, references and primitives of a RetrievePropertiesEx: ignored, the read succeeds', async () => {
    const task = await createTask(admin);
    const v = 'versionId="8.0.2.0"';
    const body = envelope(
      `<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector" ${v}>propertyCollector</_this>` +
        `<specSet ${v}><propSet ${v}><type ${v}>Task</type><all ${v}>false</all><pathSet ${v}>info.state</pathSet></propSet>` +
        `<objectSet ${v}><obj type="Task" ${v}>${task}</obj><skip ${v}>false</skip></objectSet></specSet>` +
        `<options ${v}><maxObjects ${v}>10</maxObjects></options></RetrievePropertiesEx>`,
    );
    const res = await as(admin, PYVMOMI_8, () => admin.send(body));
    ok(res);
    const objects = ((res.result.RetrievePropertiesExResponse as Xml).returnval as Xml).objects as Xml;
    expect(objects.obj).toEqual(moref('Task', task));
    expect(objects.propSet).toEqual({ name: 'info.state', val: { _: 'queued', $: { 'xsi:type': 'TaskInfoState' } } });
  });
});
