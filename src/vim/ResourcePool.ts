// vim.ResourcePool: where a compute resource's VMs run. A pool's parent is its compute resource
// (the root pool) or another pool; `owner` is always the compute resource.

import type { ManagedObjectReference, VimValue } from './data.js';
import type { ComputeResource } from './ComputeResource.js';
import { ENTITY_PROPERTY_TYPES, ManagedEntity, entityChain, refs, type EntityHost } from './entity.js';
import type { VirtualMachine } from './VirtualMachine.js';

const TYPE_CHAIN = entityChain('ResourcePool');
const PROPERTY_TYPES = {
  ...ENTITY_PROPERTY_TYPES,
  owner: 'ManagedObjectReference',
  resourcePool: 'ArrayOfManagedObjectReference',
  vm: 'ArrayOfManagedObjectReference',
} as const;

export class ResourcePool extends ManagedEntity {
  readonly typeChain = TYPE_CHAIN;
  readonly propertyTypes = PROPERTY_TYPES;
  readonly methods = {};
  readonly pools: ResourcePool[] = [];
  readonly vms = new Set<VirtualMachine>();

  constructor(
    ref: ManagedObjectReference,
    host: EntityHost,
    name: string,
    readonly owner: ComputeResource,
  ) {
    super(ref, host, name);
  }

  addPool(pool: ResourcePool): void {
    pool.parent = this;
    this.pools.push(pool);
    this.changed(['resourcePool']);
  }

  children(): readonly ManagedEntity[] {
    return this.pools;
  }

  detach(child: ManagedEntity): void {
    // biome-ignore lint/complexity/useIndexOf: the pools are ResourcePools and the child any entity, which indexOf does not take
    const at = this.pools.findIndex((p) => p === child);
    if (at === -1) return;
    this.pools.splice(at, 1);
    this.changed(['resourcePool']);
  }

  /** The VMs of a removed pool run in the pool above it, as vCenter moves them. */
  override unlink(): void {
    const above = this.parent instanceof ResourcePool ? this.parent : undefined;
    for (const vm of [...this.vms]) vm.place({ resourcePool: above });
  }

  protected ownProperty(name: string): VimValue | undefined {
    switch (name) {
      case 'owner':
        return this.owner.ref;
      case 'resourcePool':
        return refs(this.pools);
      case 'vm':
        return refs(this.vms);
      default:
        return undefined;
    }
  }
}
