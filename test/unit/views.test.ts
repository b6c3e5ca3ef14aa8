// ViewManager, list and container views, the containment walk and the SearchIndex, on a small
// tree of test-only entities (the server's root folder has no children of its own), and the
// PropertyCollector traversing a view the way govmomi's view package and pyVmomi scripts do.

import { beforeEach, describe, expect, test } from 'vitest';
import { loadCompiledSchema } from '../../src/soap/schema.js';
import { ContainerView } from '../../src/vim/ContainerView.js';
import { childrenOf, walkBelow } from '../../src/vim/containment.js';
import { ManagedObjectReference, TypedValue, type VimValue } from '../../src/vim/data.js';
import { MethodFault } from '../../src/vim/faults.js';
import { CollectorUsage, DEFAULT_STATE_LIMITS } from '../../src/vim/limits.js';
import type { CallContext, ManagedObject } from '../../src/vim/managed-object.js';
import { PropertyCollector } from '../../src/vim/PropertyCollector.js';
import { ObjectRegistry } from '../../src/vim/registry.js';
import { SearchIndex } from '../../src/vim/SearchIndex.js';
import type { Session } from '../../src/vim/session.js';
import { UpdateHub } from '../../src/vim/update-hub.js';
import { ViewManager } from '../../src/vim/ViewManager.js';
import type { UpdateSet } from '../../src/vim/vim-types.js';
import { testSession } from '../helpers/sessions.js';
import { buildTestTree, TestEntity, type TestTree } from '../helpers/test-inventory.js';

const types = loadCompiledSchema();
const ref = (type: string, value: string) => new ManagedObjectReference(type, value);
const values = (refs: unknown) => (refs as ManagedObjectReference[]).map((r) => r.value);

function ctx(session: Session | undefined): CallContext {
  return {
    session,
    types,
    connection: { ipAddress: '', userAgent: '', clientCertificate: undefined, sessionChanged: () => {} },
    lifetime: { whenClientGone: () => () => {} },
  };
}

/** Calls a method the way the dispatcher does, after its own visibility check. */
async function call(object: ManagedObject, op: string, session: Session | undefined, args: Record<string, VimValue | undefined> = {}): Promise<unknown> {
  if (!object.visibleTo(session)) throw new MethodFault('ManagedObjectNotFound', 'not visible to the caller');
  const method = object.method(op);
  if (!method) throw new Error(`${op} is not a method of ${object.ref.toString()}`);
  return method.call(object, ctx(session), args);
}

async function fault(promise: Promise<unknown>): Promise<MethodFault> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MethodFault) return error;
    throw error;
  }
  throw new Error('expected a fault');
}

let registry: ObjectRegistry;
let tree: TestTree;
let views: ViewManager;
let alice: Session;
let bob: Session;
beforeEach(() => {
  registry = new ObjectRegistry();
  tree = buildTestTree(registry);
  views = new ViewManager(registry, { ...DEFAULT_STATE_LIMITS, maxViewsPerSession: 3, maxListViewItems: 4 });
  registry.add(views);
  alice = testSession('alice');
  bob = testSession('bob');
});

const endSession = (session: Session) => {
  for (const cleanup of [...session.onEnd]) cleanup();
  session.onEnd.clear();
};

async function containerView(session: Session, container: ManagedObjectReference, type: string[] | undefined, recursive: boolean): Promise<ContainerView> {
  const made = (await call(views, 'CreateContainerView', session, { container, type, recursive })) as ManagedObjectReference;
  const view = registry.get(made);
  if (!(view instanceof ContainerView)) throw new Error('no container view registered');
  return view;
}

describe('the containment walk', () => {
  test("a datacenter's children are its four folders, in the vim25 order", () => {
    expect(childrenOf(tree.dc, registry, alice).map((c) => c.getProperty('name', alice))).toEqual(['vm', 'host', 'datastore', 'network']);
    expect(childrenOf(tree.cluster, registry, alice).map((c) => c.ref.value)).toEqual(['host-1', 'resgroup-1']);
    expect(childrenOf(tree.vm, registry, alice)).toEqual([]);
  });

  test('visits every entity below the root once, though web-01 is named three times', () => {
    const seen: string[] = [];
    walkBelow(tree.root, registry, alice, true, (e) => {
      seen.push(e.ref.value);
      return true;
    });
    expect(seen.sort()).toEqual(
      ['datacenter-1', 'group-v1', 'group-h1', 'group-s1', 'group-n1', 'vm-1', 'domain-c1', 'datastore-1', 'network-1', 'host-1', 'resgroup-1'].sort(),
    );
  });

  test('ends on a cycle, and reads each containment property once per entity', () => {
    const a = new TestEntity(ref('Folder', 'group-a'), registry, { name: 'a', childEntity: [ref('Folder', 'group-b')] });
    const b = new TestEntity(ref('Folder', 'group-b'), registry, { name: 'b', childEntity: [ref('Folder', 'group-a'), ref('Folder', 'group-b')] });
    registry.add(a);
    registry.add(b);
    let reads = 0;
    for (const folder of [a, b]) {
      const read = folder.getProperty.bind(folder);
      folder.getProperty = (name: string) => {
        reads++;
        return read(name);
      };
    }
    const seen: string[] = [];
    walkBelow(a, registry, alice, true, (e) => {
      seen.push(e.ref.value);
      return true;
    });
    expect(seen).toEqual(['group-b']);
    expect(reads).toBe(2);
  });
});

describe('large and deep trees', () => {
  test('a chain 10,000 folders deep: one read of each childEntity per view read, and a path down all of it', async () => {
    const depth = 10_000;
    let reads = 0;
    const folders: TestEntity[] = [];
    for (let i = 0; i < depth; i++) {
      const folder = new TestEntity(ref('Folder', `group-deep${i}`), registry, {
        name: `f${i}`,
        childEntity: i + 1 < depth ? [ref('Folder', `group-deep${i + 1}`)] : [],
      });
      const read = folder.getProperty.bind(folder);
      folder.getProperty = (name: string) => {
        if (name === 'childEntity') reads++;
        return read(name);
      };
      registry.add(folder);
      folders.push(folder);
    }
    tree.root.set('childEntity', [tree.dc.ref, folders[0].ref]);
    const view = await containerView(alice, tree.root.ref, ['Folder'], true);
    reads = 0;
    const members = values(view.getProperty('view', alice));
    expect(members).toHaveLength(depth + 4); // the chain and the datacenter's four folders
    expect(reads).toBe(depth);
    const search = new SearchIndex(registry, tree.root.ref);
    const path = `/${folders.map((f) => f.getProperty('name')).join('/')}`;
    reads = 0;
    expect(((await call(search, 'FindByInventoryPath', alice, { inventoryPath: path })) as ManagedObjectReference).value).toBe(`group-deep${depth - 1}`);
    expect(reads).toBe(depth - 1);
  });
});

describe('ContainerView', () => {
  test('recursive from the root: every entity once; by type, subtypes included', async () => {
    const all = await containerView(alice, tree.root.ref, undefined, true);
    expect(values(all.getProperty('view', alice)).sort()).toEqual(
      ['datacenter-1', 'group-v1', 'group-h1', 'group-s1', 'group-n1', 'vm-1', 'domain-c1', 'datastore-1', 'network-1', 'host-1', 'resgroup-1'].sort(),
    );
    expect(values((await containerView(alice, tree.root.ref, ['VirtualMachine'], true)).getProperty('view', alice))).toEqual(['vm-1']);
    expect(values((await containerView(alice, tree.root.ref, ['ComputeResource', 'Datastore'], true)).getProperty('view', alice))).toEqual([
      'domain-c1',
      'datastore-1',
    ]);
  });

  test('not recursive: only the immediate children', async () => {
    expect(values((await containerView(alice, tree.root.ref, [], false)).getProperty('view', alice))).toEqual(['datacenter-1']);
    expect(values((await containerView(alice, tree.dc.ref, ['Folder'], false)).getProperty('view', alice))).toEqual([
      'group-v1',
      'group-h1',
      'group-s1',
      'group-n1',
    ]);
    expect(values((await containerView(alice, tree.host.ref, [], false)).getProperty('view', alice))).toEqual(['vm-1']);
  });

  test('reports container, type and recursive as created, repeats of a type once', async () => {
    const view = await containerView(alice, tree.dc.ref, ['VirtualMachine', 'VirtualMachine'], true);
    expect(view.getProperty('container', alice)).toEqual(tree.dc.ref);
    expect(view.getProperty('type', alice)).toEqual(['VirtualMachine']);
    expect(view.getProperty('recursive', alice)).toBe(true);
  });

  test('is the live inventory: a VM added later is in the next read', async () => {
    const view = await containerView(alice, tree.root.ref, ['VirtualMachine'], true);
    tree.addVm('vm-2', 'web-02');
    expect(values(view.getProperty('view', alice))).toEqual(['vm-1', 'vm-2']);
  });

  test('bad containers and types get the vim25 faults', async () => {
    expect((await fault(call(views, 'CreateContainerView', alice, { container: ref('Folder', 'group-nope'), recursive: true }))).fields).toEqual({
      obj: ref('Folder', 'group-nope'),
    });
    const notContainer = await fault(call(views, 'CreateContainerView', alice, { container: tree.vm.ref, recursive: true }));
    expect([notContainer.faultType, notContainer.fields]).toEqual(['InvalidArgument', { invalidProperty: 'container' }]);
    for (const type of ['Bogus', 'Task', '']) {
      const bad = await fault(call(views, 'CreateContainerView', alice, { container: tree.root.ref, type: ['VirtualMachine', type], recursive: true }));
      expect([bad.faultType, bad.fields]).toEqual(['InvalidArgument', { invalidProperty: 'type' }]);
    }
    expect(views.getProperty('viewList', alice)).toBeUndefined();
  });
});

describe('views belong to their session', () => {
  test("another session's view is not found; viewList lists only the caller's", async () => {
    const view = await containerView(alice, tree.root.ref, [], true);
    expect(view.visibleTo(bob)).toBe(false);
    expect((await fault(call(views, 'CreateListViewFromView', bob, { view: view.ref }))).faultType).toBe('ManagedObjectNotFound');
    expect((await fault(call(view, 'DestroyView', bob))).faultType).toBe('ManagedObjectNotFound');
    expect(views.getProperty('viewList', alice)).toEqual([view.ref]);
    expect(views.getProperty('viewList', bob)).toBeUndefined();
    expect(view.ref.value).toMatch(/^session\[alice\][0-9a-f-]{36}$/);
  });

  test('the session holds at most maxViewsPerSession; DestroyView makes room; the end of the session destroys them', async () => {
    const made = [
      await containerView(alice, tree.root.ref, [], true),
      await containerView(alice, tree.dc.ref, [], true),
      await containerView(alice, tree.dc.ref, [], false),
    ];
    const limit = await fault(call(views, 'CreateListView', alice, { obj: [] }));
    expect([limit.faultType, limit.fields]).toEqual(['LimitExceeded', { property: 'maxViewsPerSession', limit: 3 }]);
    await call(views, 'CreateListView', bob, { obj: [] }); // others are not counted
    await call(made[0], 'DestroyView', alice);
    expect(registry.get(made[0].ref)).toBeUndefined();
    const list = (await call(views, 'CreateListView', alice, { obj: [tree.vm.ref] })) as ManagedObjectReference;
    endSession(alice);
    for (const gone of [made[1].ref, made[2].ref, list]) expect(registry.get(gone)).toBeUndefined();
    expect(views.getProperty('viewList', bob)).toHaveLength(1);
  });
});

describe('ListView', () => {
  test('create, modify, reset: unknown references are answered back and never listed', async () => {
    const made = (await call(views, 'CreateListView', alice, { obj: [tree.vm.ref, ref('Task', 'task-404'), tree.vm.ref] })) as ManagedObjectReference;
    const list = registry.get(made);
    if (!list) throw new Error('no list view');
    expect(values(list.getProperty('view', alice))).toEqual(['vm-1']);
    const unresolved = await call(list, 'ModifyListView', alice, { add: [tree.host.ref, ref('Task', 'task-405')], remove: [tree.vm.ref] });
    expect(values(unresolved)).toEqual(['task-405']);
    expect(values(list.getProperty('view', alice))).toEqual(['host-1']);
    expect(values(await call(list, 'ResetListView', alice, { obj: [tree.dc.ref, tree.pool.ref] }))).toEqual([]);
    expect(values(list.getProperty('view', alice))).toEqual(['datacenter-1', 'resgroup-1']);
    // The copy of a view holds what the view held when copied.
    const copy = registry.get((await call(views, 'CreateListViewFromView', alice, { view: made })) as ManagedObjectReference);
    expect(values(copy?.getProperty('view', alice))).toEqual(['datacenter-1', 'resgroup-1']);
  });

  test('holds at most maxListViewItems; a change past it is refused whole', async () => {
    const list = registry.get((await call(views, 'CreateListView', alice, { obj: [tree.vm.ref, tree.host.ref, tree.dc.ref] })) as ManagedObjectReference);
    if (!list) throw new Error('no list view');
    const limit = await fault(call(list, 'ModifyListView', alice, { add: [tree.pool.ref, tree.cluster.ref] }));
    expect([limit.faultType, limit.fields]).toEqual(['LimitExceeded', { property: 'maxListViewItems', limit: 4 }]);
    expect(values(list.getProperty('view', alice))).toEqual(['vm-1', 'host-1', 'datacenter-1']);
    // Removing as many as are added keeps it within the bound.
    await call(list, 'ModifyListView', alice, { add: [tree.pool.ref, tree.cluster.ref], remove: [tree.vm.ref] });
    expect(values(list.getProperty('view', alice))).toEqual(['host-1', 'datacenter-1', 'resgroup-1', 'domain-c1']);
    expect(
      (await fault(call(views, 'CreateListView', alice, { obj: [tree.vm.ref, tree.host.ref, tree.dc.ref, tree.pool.ref, tree.cluster.ref] }))).faultType,
    ).toBe('LimitExceeded');
  });

  test('an object that leaves the registry leaves every list, and the lists announce it', async () => {
    const first = registry.get((await call(views, 'CreateListView', alice, { obj: [tree.vm.ref, tree.host.ref] })) as ManagedObjectReference);
    const second = registry.get((await call(views, 'CreateListView', bob, { obj: [tree.vm.ref] })) as ManagedObjectReference);
    const announced: string[] = [];
    registry.onChange((object, properties) => announced.push(`${object.ref.value.slice(0, 12)}:${properties.join()}`));
    registry.remove(tree.vm.ref);
    expect(values(first?.getProperty('view', alice))).toEqual(['host-1']);
    expect(values(second?.getProperty('view', bob))).toEqual([]);
    expect(announced.sort()).toEqual(['session[alic:view', 'session[bob]:view']);
  });
});

describe('PropertyCollector through a view', () => {
  let collector: PropertyCollector;
  beforeEach(() => {
    const hub = new UpdateHub(registry);
    collector = new PropertyCollector(
      ref('PropertyCollector', 'propertyCollector'),
      { registry, hub, usage: new CollectorUsage(DEFAULT_STATE_LIMITS) },
      undefined,
    );
    registry.add(collector);
  });

  const viewSpec = (view: ManagedObjectReference, type: string, pathSet: string[]) => ({
    _type: 'PropertyFilterSpec',
    propSet: [{ _type: 'PropertySpec', type, pathSet }],
    objectSet: [
      { _type: 'ObjectSpec', obj: view, skip: true, selectSet: [{ _type: 'TraversalSpec', name: 'traverseView', type: view.type, path: 'view', skip: false }] },
    ],
  });

  const wait = async (version: string) =>
    (await call(collector, 'WaitForUpdatesEx', alice, { version, options: { _type: 'WaitOptions', maxWaitSeconds: 0 } })) as UpdateSet | undefined;
  const updates = (set: UpdateSet | undefined) =>
    (set?.filterSet ?? []).flatMap((f) =>
      (f.objectSet ?? []).map((o) =>
        `${o.kind} ${o.obj.value} ${(o.changeSet ?? []).map((c) => `${c.name}=${String(c.val instanceof TypedValue ? c.val.value : c.val)}`).join(',')}`.trim(),
      ),
    );

  test('RetrieveProperties through a container view returns the entities, not the view', async () => {
    const view = await containerView(alice, tree.root.ref, ['ManagedEntity'], true);
    const contents = (await call(collector, 'RetrieveProperties', alice, { specSet: [viewSpec(view.ref, 'VirtualMachine', ['name'])] })) as Array<{
      obj: ManagedObjectReference;
    }>;
    expect(contents.map((c) => c.obj.value)).toEqual(['vm-1']);
  });

  test('a filter through a container view sees entities enter and leave as the tree changes', async () => {
    const view = await containerView(alice, tree.root.ref, ['VirtualMachine'], true);
    await call(collector, 'CreateFilter', alice, { spec: viewSpec(view.ref, 'VirtualMachine', ['name']), partialUpdates: false });
    const first = await wait('');
    expect(updates(first)).toEqual(['enter vm-1 name=web-01']);
    expect(await wait(first?.version ?? '')).toBeUndefined();
    tree.addVm('vm-2', 'web-02');
    const second = await wait(first?.version ?? '');
    expect(updates(second)).toEqual(['enter vm-2 name=web-02']);
    tree.vmFolder.set('childEntity', [ref('VirtualMachine', 'vm-2')]);
    tree.host.set('vm', []);
    tree.pool.set('vm', []);
    const third = await wait(second?.version ?? '');
    expect(updates(third)).toEqual(['leave vm-1']);
    await call(view, 'DestroyView', alice);
    expect(updates(await wait(third?.version ?? ''))).toEqual(['leave vm-2']);
  });

  test("a filter through a list view (govmomi's TaskView) follows ModifyListView and ResetListView", async () => {
    const list = (await call(views, 'CreateListView', alice, {})) as ManagedObjectReference;
    await call(collector, 'CreateFilter', alice, { spec: viewSpec(list, 'ManagedEntity', ['name']), partialUpdates: false });
    const first = await wait('');
    expect(updates(first)).toEqual([]);
    await call(registry.get(list) as ManagedObject, 'ModifyListView', alice, { add: [tree.vm.ref, tree.host.ref] });
    const second = await wait(first?.version ?? '');
    expect(updates(second)).toEqual(['enter vm-1 name=web-01', 'enter host-1 name=esx-1']);
    await call(registry.get(list) as ManagedObject, 'ResetListView', alice, { obj: [tree.host.ref] });
    expect(updates(await wait(second?.version ?? ''))).toEqual(['leave vm-1']);
  });

  test("another session's view cannot be traversed", async () => {
    const view = await containerView(alice, tree.root.ref, [], true);
    expect((await fault(call(collector, 'RetrieveProperties', bob, { specSet: [viewSpec(view.ref, 'ManagedEntity', ['name'])] }))).faultType).toBe(
      'ManagedObjectNotFound',
    );
  });
});

describe('SearchIndex', () => {
  let search: SearchIndex;
  beforeEach(() => {
    search = new SearchIndex(registry, tree.root.ref);
  });

  test('FindByInventoryPath: a name per level from the root folder', async () => {
    const find = async (inventoryPath: string) =>
      ((await call(search, 'FindByInventoryPath', alice, { inventoryPath })) as ManagedObjectReference | undefined)?.value;
    expect(await find('/DC0/vm/web-01')).toBe('vm-1');
    expect(await find('DC0/vm/web-01')).toBe('vm-1');
    expect(await find('/DC0/host/cluster1/Resources')).toBe('resgroup-1');
    expect(await find('/DC0/host/cluster1/esx-1')).toBe('host-1');
    expect(await find('/DC0/datastore/ds1')).toBe('datastore-1');
    expect(await find('/DC0/network/net1/')).toBe('network-1');
    expect(await find('/')).toBe('group-test');
    expect(await find('')).toBe('group-test');
    expect(await find('/DC0/vm/web-99')).toBeUndefined();
    expect(await find('/DC0/vm/web-01/deeper')).toBeUndefined();
    expect(await find('/dc0/vm/web-01')).toBeUndefined(); // names are compared exactly
  });

  test('FindChild: immediate children only; an unknown entity is ManagedObjectNotFound', async () => {
    const child = async (entity: ManagedObjectReference, name: string) =>
      ((await call(search, 'FindChild', alice, { entity, name })) as ManagedObjectReference | undefined)?.value;
    expect(await child(tree.dc.ref, 'vm')).toBe('group-v1');
    expect(await child(tree.root.ref, 'DC0')).toBe('datacenter-1');
    expect(await child(tree.root.ref, 'web-01')).toBeUndefined();
    expect(await child(tree.vm.ref, 'anything')).toBeUndefined();
    expect((await fault(call(search, 'FindChild', alice, { entity: ref('Folder', 'group-nope'), name: 'x' }))).faultType).toBe('ManagedObjectNotFound');
  });

  test('FindByUuid: VMs by BIOS or instance UUID, hosts by theirs, case aside; nothing otherwise', async () => {
    const byUuid = async (args: Record<string, VimValue | undefined>) =>
      ((await call(search, 'FindByUuid', alice, args)) as ManagedObjectReference | undefined)?.value;
    expect(await byUuid({ uuid: '4210AAAA-0000-0000-0000-000000000001', vmSearch: true })).toBe('vm-1');
    expect(await byUuid({ uuid: '5010bbbb-0000-0000-0000-000000000001', vmSearch: true })).toBeUndefined();
    expect(await byUuid({ uuid: '5010bbbb-0000-0000-0000-000000000001', vmSearch: true, instanceUuid: true })).toBe('vm-1');
    expect(await byUuid({ uuid: 'aaaa-host-uuid', vmSearch: false })).toBe('host-1');
    expect(await byUuid({ uuid: 'aaaa-host-uuid', vmSearch: true })).toBeUndefined();
    expect(await byUuid({ datacenter: tree.dc.ref, uuid: '4210aaaa-0000-0000-0000-000000000001', vmSearch: true })).toBe('vm-1');
    expect((await fault(call(search, 'FindByUuid', alice, { datacenter: ref('Datacenter', 'nope'), uuid: 'x', vmSearch: true }))).faultType).toBe(
      'ManagedObjectNotFound',
    );
  });
});
