// The inventory as data, for the state document: every entity in tree order (the root folder
// first, each entity after its parent) with what task effects can change, and the counter new
// references continue from. checkInventoryState refuses data a restore could not rebuild exactly,
// naming the entry, before anything is replaced.

import type { VimValue } from './data.js';
import type { FolderKind } from './Folder.js';
import type { VirtualMachinePowerState } from './vim-types.js';

export interface SnapshotState<Config = VimValue | undefined> {
  readonly ref: string;
  /** The parent snapshot's reference; absent for a root snapshot. */
  readonly parent?: string;
  readonly name: string;
  readonly description: string;
  readonly id: number;
  readonly createTime: string;
  readonly quiesced: boolean;
  /** The VM's power state when the snapshot was taken. */
  readonly state: VirtualMachinePowerState;
  /** The VM's configuration when the snapshot was taken (VirtualMachineConfigInfo). */
  readonly config?: Config;
}

interface Base {
  readonly ref: string;
  readonly name: string;
  /** Absent for the root folder only. */
  readonly parent?: string;
  /** Keys of the tasks started on the entity that still exist (absent: none). */
  readonly recentTask?: readonly string[];
}

export type EntityState<Config = VimValue | undefined> =
  | (Base & { readonly type: 'Folder'; readonly kind: FolderKind })
  | (Base & { readonly type: 'Datacenter' | 'ComputeResource' | 'ClusterComputeResource' })
  /** `vms`: the VMs placed there, in the order its `vm` property lists them. */
  | (Base & { readonly type: 'ResourcePool' | 'Datastore' | 'Network'; readonly vms: readonly string[] })
  | (Base & { readonly type: 'HostSystem'; readonly datastores: readonly string[]; readonly networks: readonly string[]; readonly vms: readonly string[] })
  | (Base & {
      readonly type: 'VirtualMachine';
      readonly host?: string;
      readonly resourcePool?: string;
      readonly datastores: readonly string[];
      readonly networks: readonly string[];
      readonly powerState: VirtualMachinePowerState;
      readonly numCPU: number;
      readonly memoryMB: number;
      readonly uuid: string;
      readonly createTime: string;
      /** Parents before children, siblings oldest first (absent: none). */
      readonly snapshots?: ReadonlyArray<SnapshotState<Config>>;
      readonly currentSnapshot?: string;
    });

export interface InventoryState<Config = VimValue | undefined> {
  /** New references and snapshot ids continue from this number. */
  readonly nextId: number;
  readonly entities: ReadonlyArray<EntityState<Config>>;
}

export type EntityType = EntityState['type'];

/** The members each entry of a type may have (besides type, ref, name, parent, recentTask), and must. */
export const ENTITY_FIELDS: { readonly [T in EntityType]: { readonly allowed: readonly string[]; readonly required: readonly string[] } } = {
  Folder: { allowed: ['kind'], required: ['kind'] },
  Datacenter: { allowed: [], required: [] },
  ComputeResource: { allowed: [], required: [] },
  ClusterComputeResource: { allowed: [], required: [] },
  ResourcePool: { allowed: ['vms'], required: ['vms'] },
  Datastore: { allowed: ['vms'], required: ['vms'] },
  Network: { allowed: ['vms'], required: ['vms'] },
  HostSystem: { allowed: ['datastores', 'networks', 'vms'], required: ['datastores', 'networks', 'vms'] },
  VirtualMachine: {
    allowed: ['host', 'resourcePool', 'datastores', 'networks', 'powerState', 'numCPU', 'memoryMB', 'uuid', 'createTime', 'snapshots', 'currentSnapshot'],
    required: ['datastores', 'networks', 'powerState', 'numCPU', 'memoryMB', 'uuid', 'createTime'],
  },
};

const COMMON_FIELDS = ['type', 'ref', 'name', 'parent', 'recentTask'];

/** Data a restore cannot rebuild; the message names the entry. */
export class InventoryStateError extends Error {}

/** Which parents an entity type may have (by type, and for folders by kind). */
function parentAllowed(child: EntityState<unknown>, parent: EntityState<unknown>): boolean {
  const folderOf = (kind: FolderKind) => parent.type === 'Folder' && parent.kind === kind;
  switch (child.type) {
    case 'Folder':
      return child.kind !== 'root' && (parent.type === 'Datacenter' || folderOf(child.kind));
    case 'Datacenter':
      return folderOf('root');
    case 'ComputeResource':
    case 'ClusterComputeResource':
      return folderOf('host');
    case 'HostSystem':
      return parent.type === 'ComputeResource' || parent.type === 'ClusterComputeResource';
    case 'ResourcePool':
      return parent.type === 'ComputeResource' || parent.type === 'ClusterComputeResource' || parent.type === 'ResourcePool';
    case 'Datastore':
      return folderOf('datastore');
    case 'Network':
      return folderOf('network');
    case 'VirtualMachine':
      return folderOf('vm');
  }
}

const DATACENTER_FOLDERS: readonly FolderKind[] = ['vm', 'host', 'datastore', 'network'];

/**
 * Refuses inventory data that is not a tree a restore can rebuild: the root folder first, each
 * parent before its children and of a type that may hold them, references unique and below
 * nextId, links naming entities of the right type, at most `max` entities and snapshots.
 */
export function checkInventoryState(state: InventoryState<unknown>, rootRef: string, max: number, where: string): void {
  const fail = (message: string): never => {
    throw new InventoryStateError(`${where}.${message}`);
  };
  const { entities, nextId } = state;
  const root = entities[0];
  if (root?.type !== 'Folder' || root.ref !== rootRef || root.kind !== 'root' || root.parent !== undefined)
    fail(`entities[0] must be the root folder '${rootRef}' (kind root, no parent)`);
  const byRef = new Map<string, EntityState<unknown>>();
  const snapshotRefs = new Set<string>();
  let size = 0;
  const belowNextId = (ref: string, at: string) => {
    const number = /([0-9]+)$/.exec(ref)?.[1];
    if (number !== undefined && Number(number) >= nextId) fail(`${at}: '${ref}' is not below nextId (${nextId}); new references would collide with it`);
  };
  const childFolders = new Map<string, FolderKind[]>();
  const rootPools = new Set<string>();
  for (const [i, entity] of entities.entries()) {
    const at = `entities[${i}]`;
    const fields = ENTITY_FIELDS[entity.type];
    for (const key of Object.keys(entity)) if (!COMMON_FIELDS.includes(key) && !fields.allowed.includes(key)) fail(`${at}: a ${entity.type} has no '${key}'`);
    for (const key of fields.required) if (!(key in entity)) fail(`${at}: a ${entity.type} needs '${key}'`);
    if (byRef.has(entity.ref) || snapshotRefs.has(entity.ref)) fail(`${at}.ref: a second entity '${entity.ref}'`);
    if (i > 0) {
      const parentRef = entity.parent ?? fail(`${at}.parent is required (only the root folder has none)`);
      const parent = byRef.get(parentRef);
      if (!parent) fail(`${at}.parent: no entity '${parentRef}' before it`);
      else if (!parentAllowed(entity, parent)) fail(`${at}.parent: a ${entity.type} cannot be in the ${parent.type} '${parent.ref}'`);
      else if (parent.type === 'Datacenter' && entity.type === 'Folder') {
        const kinds = childFolders.get(parent.ref) ?? [];
        if (kinds.includes(entity.kind)) fail(`${at}: a second ${entity.kind} folder of the datacenter '${parent.ref}'`);
        childFolders.set(parent.ref, [...kinds, entity.kind]);
      } else if (entity.type === 'ResourcePool' && parent.type !== 'ResourcePool') {
        if (rootPools.has(parent.ref)) fail(`${at}: a second root resource pool of '${parent.ref}'`);
        rootPools.add(parent.ref);
      }
      belowNextId(entity.ref, `${at}.ref`);
      size++;
    }
    byRef.set(entity.ref, entity);
    if (entity.type === 'VirtualMachine') {
      const own = new Set<string>();
      for (const [j, snapshot] of (entity.snapshots ?? []).entries()) {
        const sat = `${at}.snapshots[${j}]`;
        if (byRef.has(snapshot.ref) || snapshotRefs.has(snapshot.ref)) fail(`${sat}.ref: a second entity '${snapshot.ref}'`);
        if (snapshot.parent !== undefined && !own.has(snapshot.parent)) fail(`${sat}.parent: no snapshot '${snapshot.parent}' of this VM before it`);
        belowNextId(snapshot.ref, `${sat}.ref`);
        own.add(snapshot.ref);
        snapshotRefs.add(snapshot.ref);
        size++;
      }
      if (entity.currentSnapshot !== undefined && !own.has(entity.currentSnapshot))
        fail(`${at}.currentSnapshot: '${entity.currentSnapshot}' is not a snapshot of this VM`);
    }
  }
  if (size > max) fail(`entities: ${size} entities and snapshots; at most ${max} are allowed`);
  const link = (ref: string | undefined, types: readonly string[], at: string) => {
    if (ref === undefined) return;
    const target = byRef.get(ref);
    if (!target || !types.includes(target.type)) fail(`${at}: no ${types[0]} '${ref}'`);
  };
  for (const [i, entity] of entities.entries()) {
    const at = `entities[${i}]`;
    if (entity.type === 'Datacenter') {
      const kinds = childFolders.get(entity.ref) ?? [];
      for (const kind of DATACENTER_FOLDERS) if (!kinds.includes(kind)) fail(`${at}: the datacenter has no ${kind} folder`);
    }
    if (entity.type === 'HostSystem' || entity.type === 'VirtualMachine') {
      for (const [j, ref] of entity.datastores.entries()) link(ref, ['Datastore'], `${at}.datastores[${j}]`);
      for (const [j, ref] of entity.networks.entries()) link(ref, ['Network'], `${at}.networks[${j}]`);
    }
    if (entity.type === 'VirtualMachine') {
      link(entity.host, ['HostSystem'], `${at}.host`);
      link(entity.resourcePool, ['ResourcePool'], `${at}.resourcePool`);
    }
  }
  // The back links: each host, pool, datastore and network lists exactly the VMs placed there.
  const placed = new Map<string, Set<string>>();
  for (const entity of entities) {
    if (entity.type !== 'VirtualMachine') continue;
    for (const ref of [entity.host, entity.resourcePool, ...entity.datastores, ...entity.networks]) {
      if (ref === undefined) continue;
      const vms = placed.get(ref) ?? new Set<string>();
      vms.add(entity.ref);
      placed.set(ref, vms);
    }
  }
  for (const [i, entity] of entities.entries()) {
    if (!('vms' in entity)) continue;
    const at = `entities[${i}].vms`;
    const expected = placed.get(entity.ref) ?? new Set<string>();
    const seen = new Set<string>();
    for (const [j, ref] of entity.vms.entries()) {
      if (!expected.has(ref) || seen.has(ref)) fail(`${at}[${j}]: '${ref}' is not a VM placed there (or is listed twice)`);
      seen.add(ref);
    }
    for (const ref of expected) if (!seen.has(ref)) fail(`${at}: the VM '${ref}' is placed there but not listed`);
  }
}
