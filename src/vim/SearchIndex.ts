// vim.SearchIndex: finds entities by inventory path, by name under a parent, and by UUID,
// answering for the live inventory. It walks the tree through the containment properties only
// (src/vim/containment.ts), reading names as the entities report them.

import { isDataObject, ManagedObjectReference, type VimValue } from './data.js';
import { childrenOf, walkBelow } from './containment.js';
import { ManagedObjectNotFound } from './faults.js';
import { ManagedObject, type Methods } from './managed-object.js';
import type { ObjectRegistry } from './registry.js';
import type { Session } from './session.js';
import type { FindByUuidArgs } from './vim-types.js';

/** Where each entity type keeps the UUIDs FindByUuid matches (BIOS UUID, then vCenter's instance UUID). */
const VM_UUID = ['config', 'uuid'] as const;
const VM_INSTANCE_UUID = ['config', 'instanceUuid'] as const;
const VM_SUMMARY_UUID = ['summary', 'config', 'uuid'] as const;
const VM_SUMMARY_INSTANCE_UUID = ['summary', 'config', 'instanceUuid'] as const;
const HOST_UUID = ['hardware', 'systemInfo', 'uuid'] as const;
const HOST_SUMMARY_UUID = ['summary', 'hardware', 'uuid'] as const;

export class SearchIndex extends ManagedObject {
  readonly ref = new ManagedObjectReference('SearchIndex', 'SearchIndex');
  readonly typeChain = ['SearchIndex', 'ManagedObject'];
  readonly propertyTypes = {};

  constructor(
    private readonly registry: ObjectRegistry,
    private readonly rootFolder: ManagedObjectReference,
  ) {
    super();
  }

  readonly methods: Methods<'FindByInventoryPath' | 'FindChild' | 'FindByUuid', SearchIndex> = {
    FindByInventoryPath: (ctx, args) => this.findByInventoryPath(args.inventoryPath, ctx.session),
    FindChild: (ctx, args) => this.findChild(args.entity, args.name, ctx.session),
    FindByUuid: (ctx, args) => this.findByUuid(args, ctx.session),
  };

  getProperty(): VimValue | undefined {
    return undefined;
  }

  /**
   * "/DC0/vm/web-01" or "DC0/vm/web-01": a name per level from the root folder (a datacenter's
   * folders are named vm, host, datastore and network). Empty segments are passed over, so "/"
   * is the root folder itself.
   */
  findByInventoryPath(path: string, session: Session | undefined): ManagedObjectReference | undefined {
    let entity = this.registry.get(this.rootFolder);
    for (const name of path.split('/')) {
      if (!entity) return undefined;
      if (name === '') continue;
      entity = this.childNamed(entity, name, session);
    }
    return entity?.ref;
  }

  /** The immediate child of `entity` with this name; nothing when there is none. */
  findChild(ref: ManagedObjectReference, name: string, session: Session | undefined): ManagedObjectReference | undefined {
    const entity = this.registry.get(ref);
    if (!entity?.visibleTo(session)) throw new ManagedObjectNotFound(ref);
    return this.childNamed(entity, name, session)?.ref;
  }

  /**
   * The first virtual machine (vmSearch) or host below the datacenter (the whole inventory
   * without one) whose UUID is `uuid`, compared without regard to case; nothing when none has it.
   */
  findByUuid(args: FindByUuidArgs, session: Session | undefined): ManagedObjectReference | undefined {
    const root = this.registry.get(args.datacenter ?? this.rootFolder);
    if (args.datacenter && !root?.visibleTo(session)) throw new ManagedObjectNotFound(args.datacenter);
    if (!root) return undefined;
    const wanted = args.uuid.toLowerCase();
    const type = args.vmSearch ? 'VirtualMachine' : 'HostSystem';
    const paths = args.vmSearch
      ? args.instanceUuid
        ? [VM_INSTANCE_UUID, VM_SUMMARY_INSTANCE_UUID]
        : [VM_UUID, VM_SUMMARY_UUID]
      : [HOST_UUID, HOST_SUMMARY_UUID];
    let found: ManagedObjectReference | undefined;
    walkBelow(root, this.registry, session, true, (entity) => {
      if (!entity.isA(type)) return true;
      if (!paths.some((path) => valueAt(entity, path, session)?.toLowerCase() === wanted)) return true;
      found = entity.ref;
      return false;
    });
    return found;
  }

  private childNamed(entity: ManagedObject, name: string, session: Session | undefined): ManagedObject | undefined {
    return childrenOf(entity, this.registry, session).find((child) => 'name' in child.propertyTypes && child.getProperty('name', session) === name);
  }
}

/** A string at a property path of data objects, if the entity has the property and it is set. */
function valueAt(entity: ManagedObject, path: readonly string[], session: Session | undefined): string | undefined {
  if (!(path[0] in entity.propertyTypes)) return undefined;
  let value: VimValue | undefined = entity.getProperty(path[0], session);
  for (let i = 1; i < path.length; i++) value = isDataObject(value) ? value[path[i]] : undefined;
  return typeof value === 'string' ? value : undefined;
}
