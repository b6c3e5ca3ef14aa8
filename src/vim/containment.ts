// The inventory tree as vim25 shapes it: which property of which entity type holds an entity's
// children, and which entity is its parent. Views, the SearchIndex and event filters walk the tree
// only through here, reading those properties
// from whatever objects the registry holds, so entity types added later need nothing of their own.

import { ManagedObjectReference, type VimValue } from './data.js';
import type { ManagedObject } from './managed-object.js';
import type { ObjectRegistry } from './registry.js';
import type { Session } from './session.js';

/**
 * The containment properties, by the type that declares them (subtypes inherit them: a
 * ClusterComputeResource is a ComputeResource, a VirtualApp a ResourcePool, a StoragePod a
 * Folder). Datastores, networks and virtual machines contain nothing.
 */
const CONTAINMENT: ReadonlyArray<readonly [type: string, properties: readonly string[]]> = [
  ['Folder', ['childEntity']],
  ['Datacenter', ['vmFolder', 'hostFolder', 'datastoreFolder', 'networkFolder']],
  ['ComputeResource', ['host', 'resourcePool']],
  ['ResourcePool', ['resourcePool', 'vm']],
  ['HostSystem', ['vm']],
];

/** Properties whose change can move an entity in the tree (`parent` too: an entity added or moved names it). */
export const CONTAINMENT_PROPERTIES: ReadonlySet<string> = new Set([...CONTAINMENT.flatMap(([, properties]) => properties), 'parent']);

/**
 * vim25's ManagedEntity and its subtypes: the names a ContainerView's `type` may list, and the
 * types whose removal can change a view of the tree.
 */
export const ENTITY_TYPES: ReadonlySet<string> = new Set([
  'ManagedEntity',
  'Folder',
  'StoragePod',
  'Datacenter',
  'ComputeResource',
  'ClusterComputeResource',
  'HostSystem',
  'ResourcePool',
  'VirtualApp',
  'VirtualMachine',
  'Datastore',
  'Network',
  'OpaqueNetwork',
  'DistributedVirtualPortgroup',
  'DistributedVirtualSwitch',
  'VmwareDistributedVirtualSwitch',
]);

/** Whether an object is of a type that can hold children (a ContainerView's container). */
export function isContainer(object: ManagedObject): boolean {
  return CONTAINMENT.some(([type]) => object.isA(type));
}

/**
 * An entity's children, in the order its containment properties list them: the objects the
 * registry holds and the session may see (a reference to something gone is passed over).
 */
export function childrenOf(entity: ManagedObject, registry: ObjectRegistry, session: Session | undefined): ManagedObject[] {
  const children: ManagedObject[] = [];
  for (const [type, properties] of CONTAINMENT) {
    if (!entity.isA(type)) continue;
    for (const property of properties) {
      if (!(property in entity.propertyTypes)) continue;
      for (const ref of references(entity.getProperty(property, session))) {
        const child = registry.get(ref);
        if (child?.visibleTo(session)) children.push(child);
      }
    }
  }
  return children;
}

function references(value: VimValue | undefined): ManagedObjectReference[] {
  if (value instanceof ManagedObjectReference) return [value];
  if (!Array.isArray(value)) return [];
  const items: readonly VimValue[] = value;
  return items.filter((item): item is ManagedObjectReference => item instanceof ManagedObjectReference);
}

/**
 * Calls `visit` once for each entity below `root` (not root itself): its children, and with
 * `recursive` theirs, breadth first. Each entity is visited and expanded once, however many
 * properties name it (a VM is both its host's and its resource pool's), so the walk is linear
 * in the tree and ends on a cycle. `visit` returning false stops the walk.
 */
export function walkBelow(
  root: ManagedObject,
  registry: ObjectRegistry,
  session: Session | undefined,
  recursive: boolean,
  visit: (entity: ManagedObject) => boolean | undefined,
): void {
  const seen = new Set<ManagedObject>([root]);
  const queue: ManagedObject[] = [root];
  for (let i = 0; i < queue.length; i++) {
    for (const child of childrenOf(queue[i], registry, session)) {
      if (seen.has(child)) continue;
      seen.add(child);
      if (visit(child) === false) return;
      if (recursive) queue.push(child);
    }
  }
}

// Upward: where an entity sits, by ManagedEntity.parent. An entity that is not registered, or
// reports no parent, counts as a child of the root folder (the flat rule task-filter.ts applies),
// so "children" and "all" from the root folder reach every entity a task or event names.

/**
 * No chain of parents is longer than the inventory's entity bound (10,000); a longer walk means a
 * parent loop, which ends the walk.
 */
const MAX_DEPTH = 10_001;

export class Containment {
  constructor(
    private readonly registry: ObjectRegistry,
    readonly rootFolder: ManagedObjectReference,
  ) {}

  parentOf(entity: ManagedObjectReference): ManagedObjectReference | undefined {
    if (entity.equals(this.rootFolder)) return undefined;
    const parent = this.registry.get(entity)?.getProperty('parent', undefined);
    return parent instanceof ManagedObjectReference ? parent : this.rootFolder;
  }

  /** Whether `entity` is `ancestor` or lies within it at most `depth` levels down (1: its children). */
  within(entity: ManagedObjectReference, ancestor: ManagedObjectReference, depth: number): boolean {
    let at: ManagedObjectReference | undefined = entity;
    for (let level = 0; at && level <= Math.min(depth, MAX_DEPTH); level++) {
      if (at.equals(ancestor)) return true;
      at = this.parentOf(at);
    }
    return false;
  }

  /** The nearest ancestor (or the entity itself) of a managed type, e.g. the Datacenter an entity is in. */
  nearest(entity: ManagedObjectReference, type: string): ManagedObjectReference | undefined {
    let at: ManagedObjectReference | undefined = entity;
    for (let level = 0; at && level <= MAX_DEPTH; level++) {
      if (this.registry.get(at)?.isA(type)) return at;
      at = this.parentOf(at);
    }
    return undefined;
  }
}
