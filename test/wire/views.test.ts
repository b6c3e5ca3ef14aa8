// ViewManager, views and SearchIndex over raw SOAP, on what the server holds by itself (the root
// folder, with no children, and tasks), and one container view over test-only entities put in
// the server's registry in-process. Views of a whole tree are covered by test/unit/views.test.ts.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EXAMPLE_USERS, startLoggedIn, type Running, type SoapConnection } from '../helpers/emulator.js';
import type { SoapResponse, SoapSession } from '../helpers/soap-client.js';
import { createTask, expectFault, moref, ok, setState, type Xml } from '../helpers/tasks.js';

let emulator: Running<SoapConnection>;
let admin: SoapSession;
beforeAll(async () => {
  emulator = await startLoggedIn({ usersFile: EXAMPLE_USERS, maxViewsPerSession: 5, maxListViewItems: 50 });
  admin = emulator.session;
});
afterAll(async () => {
  await emulator.close();
});

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const returnval = (res: SoapResponse, method: string): unknown => {
  ok(res);
  const body = res.result[`${method}Response`];
  return typeof body === 'object' && body !== null ? (body as Xml).returnval : undefined;
};
const refValue = (res: SoapResponse, method: string) => (returnval(res, method) as Xml)._ as string;
const vm = (s: SoapSession, method: string, args: string) => s.call(method, 'ViewManager', 'ViewManager', args);
const objs = (type: string, values: string[], tag = 'obj') => values.map((v) => `<${tag} type="${type}">${v}</${tag}>`).join('');

async function listView(s: SoapSession, tasks: string[]): Promise<string> {
  return refValue(await vm(s, 'CreateListView', objs('Task', tasks)), 'CreateListView');
}
async function fetchView(s: SoapSession, type: string, view: string): Promise<string[]> {
  const val = returnval(await s.call('Fetch', type, view, '<prop>view</prop>'), 'Fetch') as Xml | undefined;
  return list(val?.ManagedObjectReference as Xml | Xml[] | undefined).map((r) => r._ as string);
}
const viewSpec = (type: string, view: string, propType: string, path: string) =>
  `<propSet><type>${propType}</type><pathSet>${path}</pathSet></propSet>` +
  `<objectSet><obj type="${type}">${view}</obj><skip>true</skip><selectSet xsi:type="TraversalSpec"><name>traverseView</name><type>${type}</type><path>view</path><skip>false</skip></selectSet></objectSet>`;

describe('ServiceContent', () => {
  test('names the ViewManager and the SearchIndex, and both answer', async () => {
    const content = returnval(await admin.call('RetrieveServiceContent', 'ServiceInstance', 'ServiceInstance'), 'RetrieveServiceContent') as Xml;
    expect(content.viewManager).toEqual(moref('ViewManager', 'ViewManager'));
    expect(content.searchIndex).toEqual(moref('SearchIndex', 'SearchIndex'));
    const root = returnval(await admin.call('Fetch', 'Folder', 'group-d1', '<prop>childEntity</prop>'), 'Fetch') as Xml;
    expect(root.$?.['xsi:type']).toBe('ArrayOfManagedObjectReference');
  });
});

describe('ListView', () => {
  test("lists the tasks it is given, answers back the ones it cannot find, and reports its 'view'", async () => {
    const [a, b, c] = [await createTask(admin), await createTask(admin), await createTask(admin)];
    const view = await listView(admin, [a, 'task-999999', b]);
    expect(view).toMatch(/^session\[[0-9a-f-]{36}\][0-9a-f-]{36}$/);
    expect(await fetchView(admin, 'ListView', view)).toEqual([a, b]);
    const modified = await admin.call('ModifyListView', 'ListView', view, objs('Task', [c, 'task-888888'], 'add') + objs('Task', [a], 'remove'));
    expect(list(returnval(modified, 'ModifyListView') as Xml | Xml[])).toEqual([moref('Task', 'task-888888')]);
    expect(await fetchView(admin, 'ListView', view)).toEqual([b, c]);
    expect(returnval(await admin.call('ResetListView', 'ListView', view, objs('Task', [a])), 'ResetListView')).toBeUndefined();
    expect(await fetchView(admin, 'ListView', view)).toEqual([a]);
    const copy = refValue(await vm(admin, 'CreateListViewFromView', `<view type="ListView">${view}</view>`), 'CreateListViewFromView');
    expect(await fetchView(admin, 'ListView', copy)).toEqual([a]);
    const viewList = returnval(await admin.call('Fetch', 'ViewManager', 'ViewManager', '<prop>viewList</prop>'), 'Fetch') as Xml;
    expect(list(viewList.ManagedObjectReference as Xml[]).map((r) => r._)).toEqual(expect.arrayContaining([view, copy]));
    ok(await admin.call('DestroyView', 'ListView', view));
    ok(await admin.call('DestroyView', 'ListView', copy));
    expectFault(await admin.call('Fetch', 'ListView', view, '<prop>view</prop>'), 'ManagedObjectNotFound', { obj: moref('ListView', view) });
  });

  test('RetrievePropertiesEx through a list view returns the tasks, skipping the view', async () => {
    const [a, b] = [await createTask(admin), await createTask(admin)];
    const view = await listView(admin, [a, b]);
    const result = returnval(
      await admin.call(
        'RetrievePropertiesEx',
        'PropertyCollector',
        'propertyCollector',
        `<specSet>${viewSpec('ListView', view, 'Task', 'info.state')}</specSet><options/>`,
      ),
      'RetrievePropertiesEx',
    ) as Xml;
    expect(list(result.objects as Xml | Xml[]).map((o) => (o.obj as Xml)._)).toEqual([a, b]);
    ok(await admin.call('DestroyView', 'ListView', view));
  });

  test("govmomi's TaskView: a waiting filter through the view wakes when ModifyListView adds a task, and sees it finish", async () => {
    const s = await emulator.login('admin');
    const view = await listView(s, []);
    ok(
      await s.call(
        'CreateFilter',
        'PropertyCollector',
        'propertyCollector',
        `<spec>${viewSpec('ListView', view, 'Task', 'info.state')}</spec><partialUpdates>false</partialUpdates>`,
      ),
    );
    const first = returnval(await s.call('WaitForUpdatesEx', 'PropertyCollector', 'propertyCollector', ''), 'WaitForUpdatesEx') as Xml;
    const task = await createTask(s);
    const waiting = s.call(
      'WaitForUpdatesEx',
      'PropertyCollector',
      'propertyCollector',
      `<version>${first.version as string}</version><options><maxWaitSeconds>20</maxWaitSeconds></options>`,
    );
    await new Promise((r) => setTimeout(r, 50));
    ok(await s.call('ModifyListView', 'ListView', view, objs('Task', [task], 'add')));
    const entered = returnval(await waiting, 'WaitForUpdatesEx') as Xml;
    const update = (entered.filterSet as Xml).objectSet as Xml;
    expect([update.kind, (update.obj as Xml)._, ((update.changeSet as Xml).val as Xml)._]).toEqual(['enter', task, 'queued']);
    ok(await setState(s, task, 'success'));
    const finished = returnval(
      await s.call(
        'WaitForUpdatesEx',
        'PropertyCollector',
        'propertyCollector',
        `<version>${entered.version as string}</version><options><maxWaitSeconds>20</maxWaitSeconds></options>`,
      ),
      'WaitForUpdatesEx',
    ) as Xml;
    const modified = (finished.filterSet as Xml).objectSet as Xml;
    expect([modified.kind, ((modified.changeSet as Xml).val as Xml)._]).toEqual(['modify', 'success']);
    ok(await s.call('DestroyView', 'ListView', view));
    const left = returnval(
      await s.call(
        'WaitForUpdatesEx',
        'PropertyCollector',
        'propertyCollector',
        `<version>${finished.version as string}</version><options><maxWaitSeconds>20</maxWaitSeconds></options>`,
      ),
      'WaitForUpdatesEx',
    ) as Xml;
    expect(((left.filterSet as Xml).objectSet as Xml).kind).toBe('leave');
  });
});

describe('ContainerView', () => {
  test("the root folder's recursive view is every entity of the inventory, and a traversal reads their names", async () => {
    const view = refValue(
      await vm(admin, 'CreateContainerView', '<container type="Folder">group-d1</container><type>ManagedEntity</type><recursive>true</recursive>'),
      'CreateContainerView',
    );
    const entities = emulator.emulator.control.inventory().filter((entity) => entity.ref !== 'group-d1');
    expect(entities.length).toBeGreaterThan(5);
    expect((await fetchView(admin, 'ContainerView', view)).sort()).toEqual(entities.map((entity) => entity.ref).sort());
    expect(returnval(await admin.call('Fetch', 'ContainerView', view, '<prop>container</prop>'), 'Fetch')).toEqual({
      _: 'group-d1',
      $: { type: 'Folder', 'xsi:type': 'ManagedObjectReference' },
    });
    const result = returnval(
      await admin.call(
        'RetrievePropertiesEx',
        'PropertyCollector',
        'propertyCollector',
        `<specSet>${viewSpec('ContainerView', view, 'VirtualMachine', 'name')}</specSet><options/>`,
      ),
      'RetrievePropertiesEx',
    ) as Xml;
    const names = list(result.objects as Xml | Xml[]).map((object) => ((object.propSet as Xml).val as Xml)._);
    expect(names.sort()).toEqual(['db-01', 'web-01', 'web-02']);
    ok(await admin.call('DestroyView', 'ContainerView', view));
  });

  test('a waiting filter through a container view sees a cloned VM enter and a destroyed one leave', async () => {
    const s = await emulator.login('admin');
    const inventory = emulator.emulator.control.inventory();
    const vms = inventory.filter((entity) => entity.type === 'VirtualMachine').map((entity) => entity.ref);
    const web01 = inventory.find((entity) => entity.path === '/DC0/vm/web-01')?.ref ?? '';
    const vmFolder = inventory.find((entity) => entity.path === '/DC0/vm')?.ref ?? '';
    const view = refValue(
      await vm(s, 'CreateContainerView', '<container type="Folder">group-d1</container><type>VirtualMachine</type><recursive>true</recursive>'),
      'CreateContainerView',
    );
    expect((await fetchView(s, 'ContainerView', view)).sort()).toEqual([...vms].sort());
    ok(
      await s.call(
        'CreateFilter',
        'PropertyCollector',
        'propertyCollector',
        `<spec>${viewSpec('ContainerView', view, 'VirtualMachine', 'name')}</spec><partialUpdates>false</partialUpdates>`,
      ),
    );
    const first = returnval(await s.call('WaitForUpdatesEx', 'PropertyCollector', 'propertyCollector', ''), 'WaitForUpdatesEx') as Xml;
    expect(list((first.filterSet as Xml).objectSet as Xml | Xml[]).length).toBe(vms.length);
    const wait = (version: unknown) =>
      s.call(
        'WaitForUpdatesEx',
        'PropertyCollector',
        'propertyCollector',
        `<version>${version as string}</version><options><maxWaitSeconds>20</maxWaitSeconds></options>`,
      );
    const waiting = wait(first.version);
    await new Promise((r) => setTimeout(r, 50));
    ok(
      await s.call(
        'CloneVM_Task',
        'VirtualMachine',
        web01,
        `<folder type="Folder">${vmFolder}</folder><name>web-clone</name><spec><location/><template>false</template><powerOn>false</powerOn></spec>`,
      ),
    );
    const entered = returnval(await waiting, 'WaitForUpdatesEx') as Xml;
    const enter = list((entered.filterSet as Xml).objectSet as Xml | Xml[]).find((object) => object.kind === 'enter') as Xml;
    expect(((enter.changeSet as Xml).val as Xml)._).toBe('web-clone');
    const clone = (enter.obj as Xml)._ as string;
    ok(await s.call('Destroy_Task', 'VirtualMachine', clone));
    const left = returnval(await wait(entered.version), 'WaitForUpdatesEx') as Xml;
    expect(list((left.filterSet as Xml).objectSet as Xml | Xml[]).map((object) => [object.kind, (object.obj as Xml)._])).toEqual([['leave', clone]]);
    expect((await fetchView(s, 'ContainerView', view)).sort()).toEqual([...vms].sort());
    ok(await s.call('Logout', 'SessionManager', 'SessionManager'));
  });

  test('a container that is not one, an unknown one, or an unknown type: the vim25 faults', async () => {
    const task = await createTask(admin);
    expectFault(await vm(admin, 'CreateContainerView', `<container type="Task">${task}</container><recursive>true</recursive>`), 'InvalidArgument', {
      invalidProperty: 'container',
    });
    expectFault(await vm(admin, 'CreateContainerView', '<container type="Folder">group-nope</container><recursive>true</recursive>'), 'ManagedObjectNotFound', {
      obj: moref('Folder', 'group-nope'),
    });
    expectFault(
      await vm(
        admin,
        'CreateContainerView',
        '<container type="Folder">group-d1</container><type>Folder</type><type>NoSuchType</type><recursive>false</recursive>',
      ),
      'InvalidArgument',
      {
        invalidProperty: 'type',
      },
    );
  });
});

describe('views belong to their session', () => {
  test("another session's view is ManagedObjectNotFound, to use, copy or traverse", async () => {
    const other = await emulator.login('viewer');
    const view = await listView(admin, [await createTask(admin)]);
    const notFound = { obj: moref('ListView', view) };
    expectFault(await other.call('Fetch', 'ListView', view, '<prop>view</prop>'), 'ManagedObjectNotFound', notFound);
    expectFault(await other.call('DestroyView', 'ListView', view), 'ManagedObjectNotFound', notFound);
    expectFault(await other.call('ModifyListView', 'ListView', view, ''), 'ManagedObjectNotFound', notFound);
    expectFault(await vm(other, 'CreateListViewFromView', `<view type="ListView">${view}</view>`), 'ManagedObjectNotFound', { obj: moref('ListView', view) });
    expectFault(
      await other.call(
        'RetrievePropertiesEx',
        'PropertyCollector',
        'propertyCollector',
        `<specSet>${viewSpec('ListView', view, 'Task', 'info')}</specSet><options/>`,
      ),
      'ManagedObjectNotFound',
    );
    expect(returnval(await other.call('Fetch', 'ViewManager', 'ViewManager', '<prop>viewList</prop>'), 'Fetch')).toBeUndefined();
    ok(await admin.call('DestroyView', 'ListView', view));
  });

  test('a session holds at most --max-views views; its views end with it', async () => {
    const s = await emulator.login('admin');
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push(await listView(s, []));
    expectFault(await vm(s, 'CreateContainerView', '<container type="Folder">group-d1</container><recursive>true</recursive>'), 'LimitExceeded', {
      property: 'maxViewsPerSession',
      limit: '5',
    });
    ok(await s.call('DestroyView', 'ListView', made[0]));
    made[0] = await listView(s, []);
    const registry = emulator.emulator.inventory.registry;
    const held = () => made.filter((value) => registry.get({ type: 'ListView', value } as never)).length;
    expect(held()).toBe(5);
    ok(await s.call('Logout', 'SessionManager', 'SessionManager'));
    expect(held()).toBe(0);
  });

  test('a list view holds at most --max-list-view-items objects', async () => {
    const tasks: string[] = [];
    for (let i = 0; i < 51; i++) tasks.push(await createTask(admin));
    expectFault(await vm(admin, 'CreateListView', objs('Task', tasks)), 'LimitExceeded', { property: 'maxListViewItems' });
    const view = await listView(admin, tasks.slice(0, 50));
    expectFault(await admin.call('ModifyListView', 'ListView', view, objs('Task', tasks.slice(50), 'add')), 'LimitExceeded', { property: 'maxListViewItems' });
    expect(await fetchView(admin, 'ListView', view)).toHaveLength(50);
    ok(await admin.call('DestroyView', 'ListView', view));
  });
});

describe('SearchIndex', () => {
  const search = (method: string, args: string) => admin.call(method, 'SearchIndex', 'SearchIndex', args);

  test('FindByInventoryPath: "/" is the root folder, /DC0/vm/web-01 the VM; a path to nothing finds nothing', async () => {
    const web01 = emulator.emulator.control.inventory().find((entity) => entity.path === '/DC0/vm/web-01');
    expect(web01?.type).toBe('VirtualMachine');
    expect(returnval(await search('FindByInventoryPath', '<inventoryPath>/</inventoryPath>'), 'FindByInventoryPath')).toEqual(moref('Folder', 'group-d1'));
    expect(returnval(await search('FindByInventoryPath', '<inventoryPath>/DC0/vm/web-01</inventoryPath>'), 'FindByInventoryPath')).toEqual(
      moref('VirtualMachine', web01?.ref ?? ''),
    );
    expect(returnval(await search('FindByInventoryPath', '<inventoryPath>/DC0/vm/nope</inventoryPath>'), 'FindByInventoryPath')).toBeUndefined();
  });

  test('FindChild finds DC0 under the root folder; FindByUuid finds no unknown UUID; an unknown entity is ManagedObjectNotFound', async () => {
    const dc0 = emulator.emulator.control.inventory().find((entity) => entity.path === '/DC0');
    expect(returnval(await search('FindChild', '<entity type="Folder">group-d1</entity><name>DC0</name>'), 'FindChild')).toEqual(
      moref('Datacenter', dc0?.ref ?? ''),
    );
    expect(returnval(await search('FindChild', '<entity type="Folder">group-d1</entity><name>DC9</name>'), 'FindChild')).toBeUndefined();
    expectFault(await search('FindChild', '<entity type="Folder">group-nope</entity><name>DC0</name>'), 'ManagedObjectNotFound', {
      obj: moref('Folder', 'group-nope'),
    });
    expect(returnval(await search('FindByUuid', '<uuid>4210aaaa-0000-0000-0000-000000000001</uuid><vmSearch>true</vmSearch>'), 'FindByUuid')).toBeUndefined();
  });
});
