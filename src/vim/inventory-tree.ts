// The inventory under the root folder: built from a declaration (the default, a seed file or the
// control API), bounded in size, and changed only through the few operations task effects need
// (add a VM or a snapshot, remove an entity and what it contains). Every change goes through the
// registry, so PropertyCollector filters and waiters see it.

import { ManagedObjectReference } from './data.js';
import { Datacenter } from './Datacenter.js';
import { ClusterComputeResource } from './ClusterComputeResource.js';
import { ComputeResource } from './ComputeResource.js';
import { Datastore } from './Datastore.js';
import type { EntityHost, ManagedEntity, TaskMethodHandler } from './entity.js';
import { LimitExceeded, NotSupported } from './faults.js';
import { Folder, type FolderKind } from './Folder.js';
import { HostSystem } from './HostSystem.js';
import { Network } from './Network.js';
import type { ObjectRegistry } from './registry.js';
import { ResourcePool } from './ResourcePool.js';
import type { Task } from './Task.js';
import { VirtualMachine, type Placement } from './VirtualMachine.js';
import { VirtualMachineSnapshot, type SnapshotSettings } from './VirtualMachineSnapshot.js';
import type { VirtualMachinePowerState } from './vim-types.js';
import { checkInventoryState, type EntityState, type InventoryState, type SnapshotState } from './inventory-state.js';

/** The most entities (snapshots included) an inventory may hold; declarations and clones beyond it are refused. */
export const MAX_INVENTORY_ENTITIES = 10_000;

export interface VmSpec {
  readonly name: string;
  /** A host of the datacenter, by name (default: the first host). */
  readonly host?: string;
  /** A resource pool of the host's cluster, by name (default: the cluster's root pool). */
  readonly resourcePool?: string;
  /** A folder path under the datacenter's vm folder, e.g. "web/prod" (created as needed). */
  readonly folder?: string;
  readonly powerState?: VirtualMachinePowerState;
  readonly numCPU?: number;
  readonly memoryMB?: number;
  /** A datastore / network of the datacenter, by name (default: the first). */
  readonly datastore?: string;
  readonly network?: string;
}

export interface ClusterSpec {
  readonly name: string;
  readonly hosts?: readonly string[];
  /** Resource pools under the cluster's root pool. */
  readonly resourcePools?: readonly string[];
}

export interface DatacenterSpec {
  readonly name: string;
  readonly clusters?: readonly ClusterSpec[];
  /** Standalone hosts: each gets a ComputeResource of its own name. */
  readonly hosts?: readonly string[];
  readonly datastores?: readonly string[];
  readonly networks?: readonly string[];
  readonly vms?: readonly VmSpec[];
}

export interface InventorySpec {
  readonly datacenters: readonly DatacenterSpec[];
}

/** The inventory a server starts with when nothing else is declared (docs/contract.md). */
export const DEFAULT_INVENTORY: InventorySpec = {
  datacenters: [
    {
      name: 'DC0',
      clusters: [{ name: 'C0', hosts: ['esx-01', 'esx-02'], resourcePools: ['pool-a'] }],
      datastores: ['datastore1'],
      networks: ['VM Network'],
      vms: [
        { name: 'web-01', host: 'esx-01', powerState: 'poweredOff' },
        { name: 'web-02', host: 'esx-02', powerState: 'poweredOn' },
        { name: 'db-01', host: 'esx-01', resourcePool: 'pool-a', powerState: 'poweredOn' },
      ],
    },
  ],
};

/** A declaration that names something it does not declare, or is too large. */
export class InventoryError extends Error {}

export interface InventoryTreeOptions {
  readonly registry: ObjectRegistry;
  readonly rootRef: ManagedObjectReference;
  readonly maxEntities?: number;
  readonly taskMethod: (name: string) => TaskMethodHandler | undefined;
  readonly isRecentTask: (task: Task) => boolean;
  readonly timestamp: () => string;
  /** The task of a key, while the task manager holds it (recentTask lists in the state document). */
  readonly task: (key: string) => Task | undefined;
}

function count(spec: InventorySpec): number {
  let n = 0;
  for (const dc of spec.datacenters) {
    n += 5 + (dc.datastores?.length ?? 0) + (dc.networks?.length ?? 0) + (dc.vms?.length ?? 0) + 3 * (dc.hosts?.length ?? 0);
    for (const c of dc.clusters ?? []) n += 2 + (c.hosts?.length ?? 0) + (c.resourcePools?.length ?? 0);
    // Folders a VM's folder path may create.
    for (const vm of dc.vms ?? []) n += vm.folder?.split('/').length ?? 0;
  }
  return n;
}

export class InventoryTree implements EntityHost {
  readonly registry: ObjectRegistry;
  readonly root: Folder;
  readonly maxEntities: number;
  private nextId = 1;
  private entities = 0;

  constructor(private readonly options: InventoryTreeOptions) {
    this.registry = options.registry;
    this.maxEntities = options.maxEntities ?? MAX_INVENTORY_ENTITIES;
    this.root = new Folder(options.rootRef, this, 'Datacenters', 'root');
    this.registry.add(this.root);
  }

  taskMethod(name: string): TaskMethodHandler | undefined {
    return this.options.taskMethod(name);
  }

  isRecentTask(task: Task): boolean {
    return this.options.isRecentTask(task);
  }

  get size(): number {
    return this.entities;
  }

  /** Replaces everything under the root folder with the declared inventory (checked whole first). */
  load(spec: InventorySpec): void {
    check(spec, this.maxEntities);
    for (const child of [...this.root.children()]) this.remove(child);
    this.nextId = 1;
    for (const dc of spec.datacenters) this.buildDatacenter(dc);
  }

  /** The whole tree as data (the state document's inventory): entities in tree order. */
  snapshot(): InventoryState {
    const entities: EntityState[] = [];
    const walk = (entity: ManagedEntity) => {
      entities.push(this.entityState(entity));
      for (const child of entity.children()) walk(child);
    };
    walk(this.root);
    return { nextId: this.nextId, entities };
  }

  private entityState(entity: ManagedEntity): EntityState {
    const tasks = entity.startedTasks().filter((t) => this.options.task(t.key) === t);
    const base = {
      ref: entity.ref.value,
      name: entity.name,
      ...(entity.parent ? { parent: entity.parent.ref.value } : {}),
      ...(tasks.length > 0 ? { recentTask: tasks.map((t) => t.key) } : {}),
    };
    if (entity instanceof Folder) return { type: 'Folder', ...base, kind: entity.kind };
    if (entity instanceof HostSystem) {
      return {
        type: 'HostSystem',
        ...base,
        datastores: entity.datastores.map((d) => d.ref.value),
        networks: entity.networks.map((n) => n.ref.value),
        vms: refValues(entity.vms),
      };
    }
    if (entity instanceof ResourcePool) return { type: 'ResourcePool', ...base, vms: refValues(entity.vms) };
    if (entity instanceof Datastore) return { type: 'Datastore', ...base, vms: refValues(entity.vms) };
    if (entity instanceof Network) return { type: 'Network', ...base, vms: refValues(entity.vms) };
    if (entity instanceof VirtualMachine) {
      const snapshots: SnapshotState[] = [];
      const walk = (s: VirtualMachineSnapshot) => {
        snapshots.push({
          ref: s.ref.value,
          ...(s.parentSnapshot ? { parent: s.parentSnapshot.ref.value } : {}),
          name: s.name,
          description: s.description,
          id: s.id,
          createTime: s.createTime,
          quiesced: s.quiesced,
          state: s.state,
          ...(s.config === undefined ? {} : { config: s.config }),
        });
        for (const child of s.children) walk(child);
      };
      for (const root of entity.rootSnapshots) walk(root);
      return {
        type: 'VirtualMachine',
        ...base,
        ...(entity.host ? { host: entity.host.ref.value } : {}),
        ...(entity.resourcePool ? { resourcePool: entity.resourcePool.ref.value } : {}),
        datastores: entity.datastores.map((d) => d.ref.value),
        networks: entity.networks.map((n) => n.ref.value),
        powerState: entity.powerState,
        numCPU: entity.numCPU,
        memoryMB: entity.memoryMB,
        uuid: entity.uuid,
        createTime: entity.createTime,
        ...(snapshots.length > 0 ? { snapshots } : {}),
        ...(entity.currentSnapshot ? { currentSnapshot: entity.currentSnapshot.ref.value } : {}),
      };
    }
    const type = entity.typeChain[0];
    switch (type) {
      case 'Datacenter':
      case 'ComputeResource':
      case 'ClusterComputeResource':
        return { type, ...base };
      default:
        throw new Error(`no state for the entity type ${String(type)}`);
    }
  }

  /**
   * Refuses inventory data a restore could not rebuild (an InventoryStateError naming the entry),
   * without changing anything.
   */
  check(state: InventoryState<unknown>, where = 'inventory'): void {
    checkInventoryState(state, this.root.ref.value, this.maxEntities, where);
  }

  /**
   * Replaces the whole tree with saved data (checked first: a refusal changes nothing). Entities
   * are built and linked by the same constructors and link operations declarations use; the
   * tasks their recentTask lists name must already be the task manager's.
   */
  restore(state: InventoryState): void {
    this.check(state);
    for (const child of [...this.root.children()]) this.remove(child);
    const [rootState, ...rest] = state.entities;
    if (rootState && rootState.name !== this.root.name) this.root.rename(rootState.name);
    const byRef = new Map<string, ManagedEntity>([[this.root.ref.value, this.root]]);
    const made = (entity: ManagedEntity) => {
      this.register(entity);
      byRef.set(entity.ref.value, entity);
    };
    const get = <T extends ManagedEntity>(ref: string, cls: abstract new (...args: never[]) => T): T => {
      const entity = byRef.get(ref);
      if (!(entity instanceof cls)) throw new Error(`inventory restore: '${ref}' is not a ${cls.name}`);
      return entity;
    };
    const mor = (type: string, value: string) => new ManagedObjectReference(type, value);
    const dcFolders = new Map<string, EntityState>();
    for (const e of rest) if (e.type === 'Folder') dcFolders.set(`${e.parent}/${e.kind}`, e);
    for (const e of rest) {
      if (byRef.has(e.ref)) continue; // a datacenter's folder, made with its datacenter
      const parentRef = e.parent ?? this.root.ref.value;
      switch (e.type) {
        case 'Folder': {
          const folder = new Folder(mor('Folder', e.ref), this, e.name, e.kind);
          get(parentRef, Folder).adopt(folder);
          made(folder);
          break;
        }
        case 'Datacenter': {
          const folder = (kind: string): Folder => {
            const saved = dcFolders.get(`${e.ref}/${kind}`);
            if (saved?.type !== 'Folder') throw new Error(`inventory restore: the datacenter '${e.ref}' has no ${kind} folder`);
            return new Folder(mor('Folder', saved.ref), this, saved.name, saved.kind);
          };
          const folders = { vmFolder: folder('vm'), hostFolder: folder('host'), datastoreFolder: folder('datastore'), networkFolder: folder('network') };
          const dc = new Datacenter(mor('Datacenter', e.ref), this, e.name, folders);
          get(parentRef, Folder).adopt(dc);
          made(dc);
          for (const f of dc.children()) made(f);
          break;
        }
        case 'ComputeResource':
        case 'ClusterComputeResource': {
          const ref = mor(e.type, e.ref);
          const compute = e.type === 'ClusterComputeResource' ? new ClusterComputeResource(ref, this, e.name) : new ComputeResource(ref, this, e.name);
          get(parentRef, Folder).adopt(compute);
          made(compute);
          break;
        }
        case 'HostSystem': {
          const host = new HostSystem(mor('HostSystem', e.ref), this, e.name);
          get(parentRef, ComputeResource).addHost(host);
          made(host);
          break;
        }
        case 'ResourcePool': {
          const parent = byRef.get(parentRef);
          if (parent instanceof ComputeResource) {
            const pool = new ResourcePool(mor('ResourcePool', e.ref), this, e.name, parent);
            pool.parent = parent;
            parent.resourcePool = pool;
            made(pool);
          } else {
            const above = get(parentRef, ResourcePool);
            const pool = new ResourcePool(mor('ResourcePool', e.ref), this, e.name, above.owner);
            above.addPool(pool);
            made(pool);
          }
          break;
        }
        case 'Datastore':
        case 'Network': {
          const ref = mor(e.type, e.ref);
          const entity = e.type === 'Datastore' ? new Datastore(ref, this, e.name) : new Network(ref, this, e.name);
          get(parentRef, Folder).adopt(entity);
          made(entity);
          break;
        }
        case 'VirtualMachine': {
          const vm = new VirtualMachine(mor('VirtualMachine', e.ref), this, e.name, {
            powerState: e.powerState,
            numCPU: e.numCPU,
            memoryMB: e.memoryMB,
            uuid: e.uuid,
            createTime: e.createTime,
          });
          get(parentRef, Folder).adopt(vm);
          made(vm);
          break;
        }
      }
    }
    // Links between branches of the tree, once every entity exists.
    for (const e of state.entities) {
      if (e.recentTask) {
        const tasks = e.recentTask.flatMap((key) => this.options.task(key) ?? []);
        byRef.get(e.ref)?.restoreTasks(tasks);
      }
      if (e.type === 'HostSystem') {
        const host = get(e.ref, HostSystem);
        for (const ref of e.datastores) {
          const d = get(ref, Datastore);
          host.datastores.push(d);
          d.hosts.add(host);
        }
        for (const ref of e.networks) {
          const n = get(ref, Network);
          host.networks.push(n);
          n.hosts.add(host);
        }
      }
      if (e.type === 'VirtualMachine') {
        const vm = get(e.ref, VirtualMachine);
        vm.place({
          host: e.host === undefined ? undefined : get(e.host, HostSystem),
          resourcePool: e.resourcePool === undefined ? undefined : get(e.resourcePool, ResourcePool),
          datastores: e.datastores.map((ref) => get(ref, Datastore)),
          networks: e.networks.map((ref) => get(ref, Network)),
        });
        const snapshots = new Map<string, VirtualMachineSnapshot>();
        for (const s of e.snapshots ?? []) {
          const { ref, parent: parentRef, ...settings } = s;
          // The saved configuration, even when there is none: not the VM's now.
          const snapshot = new VirtualMachineSnapshot(mor('VirtualMachineSnapshot', ref), this, vm, { ...settings, config: settings.config });
          const parent = parentRef === undefined ? undefined : snapshots.get(parentRef);
          snapshot.parentSnapshot = parent;
          if (parent) parent.children.push(snapshot);
          else vm.rootSnapshots.push(snapshot);
          snapshots.set(ref, snapshot);
          this.register(snapshot);
        }
        vm.currentSnapshot = e.currentSnapshot === undefined ? undefined : snapshots.get(e.currentSnapshot);
        vm.snapshotsChanged();
      }
    }
    // The VMs' back links in their saved order (placing VMs in tree order may differ from it).
    for (const e of state.entities) {
      if (!('vms' in e)) continue;
      const entity = byRef.get(e.ref);
      const vms =
        entity instanceof HostSystem || entity instanceof ResourcePool || entity instanceof Datastore || entity instanceof Network ? entity.vms : undefined;
      if (!vms) continue;
      vms.clear();
      for (const ref of e.vms) vms.add(get(ref, VirtualMachine));
    }
    this.nextId = state.nextId;
  }

  private ref(type: string, prefix: string): ManagedObjectReference {
    return new ManagedObjectReference(type, `${prefix}${this.nextId++}`);
  }

  private register<T extends ManagedEntity | VirtualMachineSnapshot>(object: T): T {
    this.entities++;
    this.registry.add(object);
    return object;
  }

  private folder(parent: Folder | undefined, name: string, kind: FolderKind, prefix: string): Folder {
    const folder = new Folder(this.ref('Folder', prefix), this, name, kind);
    if (parent) parent.adopt(folder);
    return this.register(folder);
  }

  private buildDatacenter(spec: DatacenterSpec): void {
    const folders = {
      vmFolder: this.folder(undefined, 'vm', 'vm', 'group-v'),
      hostFolder: this.folder(undefined, 'host', 'host', 'group-h'),
      datastoreFolder: this.folder(undefined, 'datastore', 'datastore', 'group-s'),
      networkFolder: this.folder(undefined, 'network', 'network', 'group-n'),
    };
    const dc = new Datacenter(this.ref('Datacenter', 'datacenter-'), this, spec.name, folders);
    this.root.adopt(dc);
    this.register(dc);
    const datastores = (spec.datastores ?? []).map((name) => {
      const ds = this.register(new Datastore(this.ref('Datastore', 'datastore-'), this, name));
      folders.datastoreFolder.adopt(ds);
      return ds;
    });
    const networks = (spec.networks ?? []).map((name) => {
      const net = this.register(new Network(this.ref('Network', 'network-'), this, name));
      folders.networkFolder.adopt(net);
      return net;
    });
    const hosts = new Map<string, HostSystem>();
    const pools = new Map<string, ResourcePool>();
    const addHost = (compute: ComputeResource, name: string) => {
      const host = this.register(new HostSystem(this.ref('HostSystem', 'host-'), this, name));
      host.datastores.push(...datastores);
      host.networks.push(...networks);
      for (const d of datastores) d.hosts.add(host);
      for (const n of networks) n.hosts.add(host);
      compute.addHost(host);
      hosts.set(name, host);
    };
    const addCompute = (compute: ComputeResource) => {
      folders.hostFolder.adopt(compute);
      this.register(compute);
      const pool = new ResourcePool(this.ref('ResourcePool', 'resgroup-'), this, 'Resources', compute);
      pool.parent = compute;
      compute.resourcePool = pool;
      this.register(pool);
      return pool;
    };
    for (const c of spec.clusters ?? []) {
      const cluster = new ClusterComputeResource(this.ref('ClusterComputeResource', 'domain-c'), this, c.name);
      const rootPool = addCompute(cluster);
      for (const name of c.hosts ?? []) addHost(cluster, name);
      for (const name of c.resourcePools ?? []) {
        const pool = this.register(new ResourcePool(this.ref('ResourcePool', 'resgroup-'), this, name, cluster));
        rootPool.addPool(pool);
        pools.set(`${c.name}/${name}`, pool);
      }
    }
    for (const name of spec.hosts ?? []) {
      const compute = new ComputeResource(this.ref('ComputeResource', 'domain-s'), this, name);
      addCompute(compute);
      addHost(compute, name);
    }
    const vmFolders = new Map<string, Folder>();
    for (const vmSpec of spec.vms ?? []) {
      const host = vmSpec.host === undefined ? hosts.values().next().value : hosts.get(vmSpec.host);
      const compute = host?.parent instanceof ComputeResource ? host.parent : undefined;
      const pool = vmSpec.resourcePool === undefined ? compute?.resourcePool : pools.get(`${compute?.name}/${vmSpec.resourcePool}`);
      let folder = folders.vmFolder;
      let path = '';
      for (const segment of vmSpec.folder?.split('/').filter(Boolean) ?? []) {
        path += `/${segment}`;
        // By path, not by scanning the folder's children: thousands of VMs share a few folders.
        let sub = vmFolders.get(path);
        if (!sub) vmFolders.set(path, (sub = this.folder(folder, segment, 'vm', 'group-v')));
        folder = sub;
      }
      const datastore = vmSpec.datastore === undefined ? datastores[0] : datastores.find((d) => d.name === vmSpec.datastore);
      const network = vmSpec.network === undefined ? networks[0] : networks.find((n) => n.name === vmSpec.network);
      this.addVm(folder, vmSpec.name, {
        powerState: vmSpec.powerState ?? 'poweredOff',
        numCPU: vmSpec.numCPU ?? 1,
        memoryMB: vmSpec.memoryMB ?? 1024,
        placement: { host, resourcePool: pool, datastores: datastore ? [datastore] : [], networks: network ? [network] : [] },
      });
    }
  }

  /** Adds a VM to a folder (seeds and CloneVM_Task). */
  addVm(
    folder: Folder,
    name: string,
    settings: { powerState: VirtualMachinePowerState; numCPU: number; memoryMB: number; placement: Placement },
  ): VirtualMachine {
    this.ensureRoom(1);
    const ref = this.ref('VirtualMachine', 'vm-');
    const vm = new VirtualMachine(ref, this, name, {
      powerState: settings.powerState,
      numCPU: settings.numCPU,
      memoryMB: settings.memoryMB,
      uuid: uuidOf(ref.value),
      createTime: this.options.timestamp(),
    });
    folder.adopt(vm);
    this.register(vm);
    vm.place(settings.placement);
    return vm;
  }

  /** Takes a snapshot of a VM: a child of its current snapshot, and then its current one. */
  addSnapshot(vm: VirtualMachine, settings: Omit<SnapshotSettings, 'id' | 'createTime'>): VirtualMachineSnapshot {
    this.ensureRoom(1);
    const ref = this.ref('VirtualMachineSnapshot', 'snapshot-');
    const snapshot = new VirtualMachineSnapshot(ref, this, vm, { ...settings, id: this.nextId, createTime: this.options.timestamp() });
    const parent = vm.currentSnapshot;
    snapshot.parentSnapshot = parent;
    if (parent) parent.children.push(snapshot);
    else vm.rootSnapshots.push(snapshot);
    vm.currentSnapshot = snapshot;
    this.register(snapshot);
    vm.snapshotsChanged();
    if (parent) this.registry.changed(parent, ['childSnapshot']);
    return snapshot;
  }

  /** Removes a snapshot; its children go with it, or move up to its parent. */
  removeSnapshot(snapshot: VirtualMachineSnapshot, removeChildren: boolean): void {
    const vm = snapshot.vm;
    const siblings = snapshot.parentSnapshot ? snapshot.parentSnapshot.children : vm.rootSnapshots;
    const at = siblings.indexOf(snapshot);
    if (at !== -1) siblings.splice(at, 1, ...(removeChildren ? [] : snapshot.children));
    for (const child of snapshot.children) child.parentSnapshot = snapshot.parentSnapshot;
    const gone = removeChildren ? subtreeOf(snapshot) : [snapshot];
    for (const s of gone) this.unregister(s.ref);
    if (vm.currentSnapshot && gone.includes(vm.currentSnapshot)) vm.currentSnapshot = snapshot.parentSnapshot;
    vm.snapshotsChanged();
    if (snapshot.parentSnapshot) this.registry.changed(snapshot.parentSnapshot, ['childSnapshot']);
  }

  /** Removes an entity and every entity it contains (Destroy_Task). */
  remove(entity: ManagedEntity): void {
    if (entity === this.root) throw new NotSupported('The root folder cannot be destroyed.');
    if (entity instanceof Folder && entity.parent instanceof Datacenter)
      throw new NotSupported(`The ${entity.name} folder of a datacenter cannot be destroyed.`);
    const gone: ManagedEntity[] = [];
    const collect = (e: ManagedEntity) => {
      for (const child of e.children()) collect(child);
      gone.push(e);
    };
    collect(entity);
    entity.parent?.detach(entity);
    for (const e of gone) {
      e.unlink();
      if (e instanceof VirtualMachine) for (const root of e.rootSnapshots) for (const s of subtreeOf(root)) this.unregister(s.ref);
      this.unregister(e.ref);
      e.parent = undefined;
    }
  }

  private unregister(ref: ManagedObjectReference): void {
    if (!this.registry.get(ref)) return;
    this.entities--;
    this.registry.remove(ref);
  }

  private ensureRoom(more: number): void {
    if (this.entities + more > this.maxEntities) throw new LimitExceeded('maxInventoryEntities', this.maxEntities, 'The inventory is full');
  }

  /** The inventory path of an entity: its and its ancestors' names below the root, e.g. /DC0/vm/web-01. */
  pathOf(entity: ManagedEntity): string {
    const names: string[] = [];
    for (let e: ManagedEntity | undefined = entity; e && e !== this.root; e = e.parent) names.push(e.name);
    return `/${names.reverse().join('/')}`;
  }

  /** The entity at an inventory path, or undefined. */
  find(path: string): ManagedEntity | undefined {
    let at: ManagedEntity | undefined = this.root;
    for (const name of path.split('/').filter(Boolean)) {
      at = at.children().find((c) => c.name === name);
      if (!at) return undefined;
    }
    return at;
  }
}

function refValues(entities: Iterable<{ readonly ref: ManagedObjectReference }>): string[] {
  return Array.from(entities, (e) => e.ref.value);
}

function subtreeOf(snapshot: VirtualMachineSnapshot): VirtualMachineSnapshot[] {
  return [snapshot, ...snapshot.children.flatMap(subtreeOf)];
}

/** A stable, well-formed UUID per VM reference, so seeded inventories read the same every run. */
function uuidOf(value: string): string {
  const hex = Buffer.from(value).toString('hex').padEnd(32, '0').slice(-32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Refuses a declaration that names what it does not declare, repeats a name, or is too large. */
function check(spec: InventorySpec, max: number): void {
  const size = count(spec);
  if (size > max) throw new InventoryError(`the inventory declares about ${size} entities; at most ${max} are allowed`);
  const unique = (names: readonly string[], what: string) => {
    const seen = new Set<string>();
    for (const name of names) {
      if (name === '' || name.includes('/')) throw new InventoryError(`${what} name '${name}' must be non-empty and have no '/'`);
      if (seen.has(name)) throw new InventoryError(`${what} '${name}' is declared twice`);
      seen.add(name);
    }
  };
  unique(
    spec.datacenters.map((d) => d.name),
    'datacenter',
  );
  for (const dc of spec.datacenters) {
    const clusters = dc.clusters ?? [];
    const hostNames = [...clusters.flatMap((c) => c.hosts ?? []), ...(dc.hosts ?? [])];
    unique(hostNames, `datacenter '${dc.name}': host`);
    unique([...clusters.map((c) => c.name), ...(dc.hosts ?? [])], `datacenter '${dc.name}': cluster or standalone host`);
    unique(dc.datastores ?? [], `datacenter '${dc.name}': datastore`);
    unique(dc.networks ?? [], `datacenter '${dc.name}': network`);
    for (const vm of dc.vms ?? []) {
      const where = `datacenter '${dc.name}': vm '${vm.name}'`;
      if (vm.name === '') throw new InventoryError(`${where}: the name must not be empty`);
      if (hostNames.length === 0) throw new InventoryError(`${where}: the datacenter has no host to run it`);
      const host = vm.host ?? hostNames[0];
      if (!hostNames.includes(host)) throw new InventoryError(`${where}: no host '${host}'`);
      if (vm.resourcePool !== undefined) {
        const cluster = clusters.find((c) => c.hosts?.includes(host));
        if (!cluster?.resourcePools?.includes(vm.resourcePool))
          throw new InventoryError(`${where}: no resource pool '${vm.resourcePool}' in the cluster of host '${host}'`);
      }
      if (vm.datastore !== undefined && !dc.datastores?.includes(vm.datastore)) throw new InventoryError(`${where}: no datastore '${vm.datastore}'`);
      if (vm.network !== undefined && !dc.networks?.includes(vm.network)) throw new InventoryError(`${where}: no network '${vm.network}'`);
    }
  }
}
