// PropertyCollector over raw SOAP: reads (paths, nested paths, traversal, paging tokens) and
// event-driven waiting (filters, WaitForUpdates[Ex], CheckForUpdates, CancelWaitForUpdates).

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EXAMPLE_USERS, startLoggedIn, type Running, type SoapConnection } from '../helpers/emulator.js';
import { envelope, SoapSession, type SoapResponse } from '../helpers/soap-client.js';
import { createTask, expectFault, moref, ok, setState, taskCall, type Xml } from '../helpers/tasks.js';

let emulator: Running<SoapConnection>;
let admin: SoapSession;
beforeAll(async () => {
  emulator = await startLoggedIn({ usersFile: EXAMPLE_USERS });
  admin = emulator.session;
});
afterAll(async () => {
  await emulator.close();
});

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const pc = (s: SoapSession, method: string, args: string, collector = 'propertyCollector') => s.call(method, 'PropertyCollector', collector, args);
const taskSpec = (tasks: string[], paths: string[] | 'all') =>
  `<propSet><type>Task</type>${paths === 'all' ? '<all>true</all>' : paths.map((p) => `<pathSet>${p}</pathSet>`).join('')}</propSet>` +
  tasks.map((t) => `<objectSet><obj type="Task">${t}</obj></objectSet>`).join('');

function objectsOf(res: SoapResponse, method: 'RetrieveProperties' | 'RetrievePropertiesEx'): Xml[] {
  const returnval = (res.result[`${method}Response`] as Xml).returnval;
  return method === 'RetrieveProperties' ? list(returnval as Xml | Xml[]) : list((returnval as Xml).objects as Xml | Xml[]);
}

describe('RetrieveProperties / RetrievePropertiesEx', () => {
  test('nested paths return the typed sub-value', async () => {
    const task = await createTask(admin);
    ok(await setState(admin, task, 'running'));
    ok(await taskCall(admin, task, 'UpdateProgress', '<percentDone>7</percentDone>'));
    const res = await pc(admin, 'RetrieveProperties', `<specSet>${taskSpec([task], ['info.state', 'info.progress', 'info.reason', 'info.result'])}</specSet>`);
    ok(res);
    const props = list(objectsOf(res, 'RetrieveProperties')[0].propSet as Xml | Xml[]);
    const byName = Object.fromEntries(props.map((p) => [p.name as string, p.val]));
    expect(byName['info.state']).toEqual({ _: 'running', $: { 'xsi:type': 'TaskInfoState' } });
    expect(byName['info.progress']).toEqual({ _: '7', $: { 'xsi:type': 'xsd:int' } });
    expect(byName['info.reason']).toEqual({ $: { 'xsi:type': 'TaskReasonUser' }, userName: 'admin' });
    expect('info.result' in byName).toBe(false); // unset values are left out
  });

  test('an invalid path is InvalidProperty; an unknown object is ManagedObjectNotFound', async () => {
    const task = await createTask(admin);
    expectFault(await pc(admin, 'RetrieveProperties', `<specSet>${taskSpec([task], ['info.nope'])}</specSet>`), 'InvalidProperty', { name: 'info.nope' });
    expectFault(await pc(admin, 'RetrieveProperties', `<specSet>${taskSpec([task], ['nope'])}</specSet>`), 'InvalidProperty');
    expectFault(await pc(admin, 'RetrievePropertiesEx', `<specSet>${taskSpec(['task-999999'], ['info'])}</specSet><options/>`), 'ManagedObjectNotFound', {
      obj: moref('Task', 'task-999999'),
    });
  });

  test('all=true returns every property of the type', async () => {
    const task = await createTask(admin);
    const res = await pc(admin, 'RetrieveProperties', `<specSet>${taskSpec([task], 'all')}</specSet>`);
    ok(res);
    const names = list(objectsOf(res, 'RetrieveProperties')[0].propSet as Xml | Xml[]).map((p) => p.name);
    expect(names.sort()).toEqual(['availableField', 'info', 'value']);
  });

  test('TraversalSpec from TaskManager.recentTask with skip selects the tasks only', async () => {
    const a = await createTask(admin);
    const b = await createTask(admin);
    const spec =
      '<specSet><propSet><type>Task</type><pathSet>info.key</pathSet></propSet>' +
      '<objectSet><obj type="TaskManager">TaskManager</obj><skip>true</skip>' +
      '<selectSet xsi:type="TraversalSpec"><name>recent</name><type>TaskManager</type><path>recentTask</path><skip>false</skip></selectSet></objectSet></specSet>';
    const res = await pc(admin, 'RetrieveProperties', spec);
    ok(res);
    const keys = objectsOf(res, 'RetrieveProperties').map((o) => ((o.propSet as Xml).val as Xml)._);
    expect(keys).toContain(a);
    expect(keys).toContain(b);
    expect(objectsOf(res, 'RetrieveProperties').every((o) => (o.obj as Xml).$!.type === 'Task')).toBe(true);
  });

  test('maxObjects pages with a token; ContinueRetrievePropertiesEx walks it; CancelRetrievePropertiesEx ends it', async () => {
    const tasks = [await createTask(admin), await createTask(admin), await createTask(admin), await createTask(admin), await createTask(admin)];
    const first = await pc(admin, 'RetrievePropertiesEx', `<specSet>${taskSpec(tasks, ['info.key'])}</specSet><options><maxObjects>2</maxObjects></options>`);
    ok(first);
    let result = (first.result.RetrievePropertiesExResponse as Xml).returnval as Xml;
    const seen = list(result.objects as Xml[]).map((o) => (o.obj as Xml)._);
    while (result.token) {
      const next = await pc(admin, 'ContinueRetrievePropertiesEx', `<token>${result.token as string}</token>`);
      ok(next);
      result = (next.result.ContinueRetrievePropertiesExResponse as Xml).returnval as Xml;
      const page = list(result.objects as Xml[]);
      expect(page.length).toBeLessThanOrEqual(2);
      seen.push(...page.map((o) => (o.obj as Xml)._));
    }
    expect(seen).toEqual(tasks);

    const again = await pc(admin, 'RetrievePropertiesEx', `<specSet>${taskSpec(tasks, ['info.key'])}</specSet><options><maxObjects>2</maxObjects></options>`);
    const token = ((again.result.RetrievePropertiesExResponse as Xml).returnval as Xml).token as string;
    ok(await pc(admin, 'CancelRetrievePropertiesEx', `<token>${token}</token>`));
    expectFault(await pc(admin, 'ContinueRetrievePropertiesEx', `<token>${token}</token>`), 'InvalidArgument', { invalidProperty: 'token' });
  });
});

function updateSetOf(res: SoapResponse, method: string): Xml | undefined {
  return (res.result[`${method}Response`] as Xml | '').valueOf() === '' ? undefined : ((res.result[`${method}Response`] as Xml).returnval as Xml | undefined);
}

describe('filters and waiting', () => {
  test('govmomi flow: CreatePropertyCollector, CreateFilter(info), WaitForUpdatesEx enter then modify with the whole info', async () => {
    const task = await createTask(admin);
    const created = await pc(admin, 'CreatePropertyCollector', '');
    ok(created);
    const collector = ((created.result.CreatePropertyCollectorResponse as Xml).returnval as Xml)._ as string;
    ok(await pc(admin, 'CreateFilter', `<spec>${taskSpec([task], ['info'])}</spec><partialUpdates>false</partialUpdates>`, collector));
    const first = await pc(admin, 'WaitForUpdatesEx', '', collector);
    ok(first);
    const set1 = updateSetOf(first, 'WaitForUpdatesEx')!;
    const update1 = (set1.filterSet as Xml).objectSet as Xml;
    expect(update1.kind).toBe('enter');
    expect(((update1.changeSet as Xml).val as Xml).$!['xsi:type']).toBe('TaskInfo');

    const waiting = pc(admin, 'WaitForUpdatesEx', `<version>${set1.version as string}</version>`, collector);
    await new Promise((r) => setTimeout(r, 50));
    const finished = Date.now();
    ok(await setState(admin, task, 'success'));
    const second = await waiting;
    const latency = Date.now() - finished;
    ok(second);
    expect(latency).toBeLessThan(50);
    const update2 = (updateSetOf(second, 'WaitForUpdatesEx')!.filterSet as Xml).objectSet as Xml;
    expect(update2.kind).toBe('modify');
    const change = update2.changeSet as Xml;
    expect(change.name).toBe('info');
    expect(change.op).toBe('assign');
    expect((change.val as Xml).state).toBe('success');
    ok(await pc(admin, 'DestroyPropertyCollector', '', collector));
    expectFault(await pc(admin, 'WaitForUpdatesEx', '', collector), 'ManagedObjectNotFound');
  });

  test('a client that hangs up while waiting leaves no waiter behind to swallow the next update', async () => {
    const s = await emulator.login('admin');
    const task = await createTask(s);
    ok(await pc(s, 'CreateFilter', `<spec>${taskSpec([task], ['info.state'])}</spec><partialUpdates>false</partialUpdates>`));
    const version = updateSetOf(await pc(s, 'WaitForUpdatesEx', ''), 'WaitForUpdatesEx')!.version as string;

    // The same wait on a connection of its own, which goes away while the server holds it.
    const { request } = await import('node:http');
    const body = envelope(
      `<WaitForUpdatesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><version>${version}</version></WaitForUpdatesEx>`,
    );
    const abandoned = request(`${emulator.url()}/sdk`, { method: 'POST', agent: false, headers: { 'content-type': 'text/xml', cookie: s.cookie! } });
    abandoned.on('error', () => {});
    abandoned.end(body);
    await new Promise((r) => setTimeout(r, 100));
    abandoned.destroy();
    await new Promise((r) => setTimeout(r, 100));

    // A waiter still registered would take this change, advance the collector's version and
    // answer a dead socket; the session's next wait would then be refused as out of date.
    ok(await setState(s, task, 'running'));
    const next = await pc(s, 'WaitForUpdatesEx', `<version>${version}</version><options><maxWaitSeconds>5</maxWaitSeconds></options>`);
    ok(next);
    const change = ((updateSetOf(next, 'WaitForUpdatesEx')!.filterSet as Xml).objectSet as Xml).changeSet as Xml;
    expect(change).toMatchObject({ name: 'info.state', val: { _: 'running' } });
  });

  test('pyVim flow: CreateFilter(all) on the default collector, WaitForUpdates blocks until the change, DestroyPropertyFilter', async () => {
    const s = await emulator.login('admin');
    const task = await createTask(s);
    const filterRes = await pc(s, 'CreateFilter', `<spec>${taskSpec([task], 'all')}</spec><partialUpdates>true</partialUpdates>`);
    ok(filterRes);
    const filter = ((filterRes.result.CreateFilterResponse as Xml).returnval as Xml)._ as string;
    const first = updateSetOf(await pc(s, 'WaitForUpdates', ''), 'WaitForUpdates')!;
    let settled = false;
    const waiting = pc(s, 'WaitForUpdates', `<version>${first.version as string}</version>`).then((r) => {
      settled = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(settled).toBe(false); // it really blocks
    ok(await setState(s, task, 'running'));
    const set2 = updateSetOf(await waiting, 'WaitForUpdates')!;
    const objectSet = (set2.filterSet as Xml).objectSet as Xml;
    expect(objectSet.kind).toBe('modify');
    expect(((objectSet.changeSet as Xml).val as Xml).state).toBe('running');
    ok(await s.call('DestroyPropertyFilter', 'PropertyFilter', filter));
    expectFault(await s.call('DestroyPropertyFilter', 'PropertyFilter', filter), 'ManagedObjectNotFound');
  });

  test('WaitForUpdatesEx with maxWaitSeconds returns empty when nothing changes; CheckForUpdates never blocks', async () => {
    const s = await emulator.login('admin');
    const task = await createTask(s);
    ok(await pc(s, 'CreateFilter', `<spec>${taskSpec([task], ['info.state'])}</spec><partialUpdates>false</partialUpdates>`));
    const first = updateSetOf(await pc(s, 'WaitForUpdatesEx', '<options><maxWaitSeconds>0</maxWaitSeconds></options>'), 'WaitForUpdatesEx')!;
    const started = Date.now();
    const timedOut = await pc(s, 'WaitForUpdatesEx', `<version>${first.version as string}</version><options><maxWaitSeconds>1</maxWaitSeconds></options>`);
    ok(timedOut);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(updateSetOf(timedOut, 'WaitForUpdatesEx')).toBeUndefined();
    const checked = await pc(s, 'CheckForUpdates', `<version>${first.version as string}</version>`);
    ok(checked);
    expect(updateSetOf(checked, 'CheckForUpdates')).toBeUndefined();
    ok(await setState(s, task, 'running'));
    const changed = updateSetOf(await pc(s, 'CheckForUpdates', `<version>${first.version as string}</version>`), 'CheckForUpdates')!;
    const change = ((changed.filterSet as Xml).objectSet as Xml).changeSet as Xml;
    expect(change).toEqual({ name: 'info.state', op: 'assign', val: { _: 'running', $: { 'xsi:type': 'TaskInfoState' } } });
    expectFault(await pc(s, 'WaitForUpdatesEx', '<version>bogus</version>'), 'InvalidCollectorVersion');
  });

  test('CancelWaitForUpdates ends a blocked WaitForUpdatesEx with RequestCanceled; other calls are not blocked meanwhile', async () => {
    const s = await emulator.login('admin');
    const task = await createTask(s);
    ok(await pc(s, 'CreateFilter', `<spec>${taskSpec([task], ['info'])}</spec><partialUpdates>false</partialUpdates>`));
    const first = updateSetOf(await pc(s, 'WaitForUpdatesEx', ''), 'WaitForUpdatesEx')!;
    const waiting = pc(s, 'WaitForUpdatesEx', `<version>${first.version as string}</version>`);
    await new Promise((r) => setTimeout(r, 50));
    ok(await taskCall(s, await createTask(s), 'SetTaskDescription', '<description><key>k</key><message>m</message></description>'));
    ok(await pc(s, 'CancelWaitForUpdates', ''));
    expectFault(await waiting, 'RequestCanceled');
  });

  test('maxObjectUpdates truncates and the rest follows in the next call', async () => {
    const s = await emulator.login('admin');
    const tasks = [await createTask(s), await createTask(s), await createTask(s)];
    ok(await pc(s, 'CreateFilter', `<spec>${taskSpec(tasks, ['info.state'])}</spec><partialUpdates>false</partialUpdates>`));
    const first = updateSetOf(await pc(s, 'WaitForUpdatesEx', '<options><maxObjectUpdates>2</maxObjectUpdates></options>'), 'WaitForUpdatesEx')!;
    expect(first.truncated).toBe('true');
    expect(list((first.filterSet as Xml).objectSet as Xml[])).toHaveLength(2);
    const second = updateSetOf(
      await pc(s, 'WaitForUpdatesEx', `<version>${first.version as string}</version><options><maxObjectUpdates>2</maxObjectUpdates></options>`),
      'WaitForUpdatesEx',
    )!;
    expect(second.truncated).toBeUndefined();
    expect(list((second.filterSet as Xml).objectSet as Xml[])).toHaveLength(1);
  });

  test('filters die with their session: Logout cancels a blocked wait', async () => {
    const s = await emulator.login('admin');
    const task = await createTask(s);
    ok(await pc(s, 'CreateFilter', `<spec>${taskSpec([task], ['info'])}</spec><partialUpdates>false</partialUpdates>`));
    const first = updateSetOf(await pc(s, 'WaitForUpdatesEx', ''), 'WaitForUpdatesEx')!;
    const other = new SoapSession(emulator.url());
    other.cookie = s.cookie;
    const waiting = pc(other, 'WaitForUpdatesEx', `<version>${first.version as string}</version>`);
    await new Promise((r) => setTimeout(r, 50));
    ok(await s.call('Logout', 'SessionManager', 'SessionManager'));
    expectFault(await waiting, 'RequestCanceled');
  });
});
