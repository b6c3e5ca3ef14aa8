// vim.ComputeResource: hosts and the root resource pool their VMs run in. A standalone host is
// one of these with a single host; ClusterComputeResource extends it.

import type { ManagedObjectReference, VimValue } from './data.js';
import { ENTITY_PROPERTY_TYPES, ManagedEntity, entityChain, refs, type EntityHost } from './entity.js';
import type { HostSystem } from './HostSystem.js';
import type { ResourcePool } from './ResourcePool.js';

const TYPE_CHAIN = entityChain('ComputeResource');
const PROPERTY_TYPES = {
  ...ENTITY_PROPERTY_TYPES,
  host: 'ArrayOfManagedObjectReference',
  resourcePool: 'ManagedObjectReference',
  datastore: 'ArrayOfManagedObjectReference',
  network: 'ArrayOfManagedObjectReference',
} as const;

export class ComputeResource extends ManagedEntity {
  get typeChain(): readonly string[] {
    return TYPE_CHAIN;
  }
  readonly propertyTypes: Readonly<Record<string, string>> = PROPERTY_TYPES;
  readonly methods = {};
  readonly hosts: HostSystem[] = [];
  /** Set once, right after construction (the pool names its owner). */
  resourcePool: ResourcePool | undefined;

  constructor(ref: ManagedObjectReference, host: EntityHost, name: string) {
    super(ref, host, name);
  }

  addHost(host: HostSystem): void {
    host.parent = this;
    this.hosts.push(host);
    this.changed(['host', 'datastore', 'network']);
  }

  children(): readonly ManagedEntity[] {
    return this.resourcePool ? [...this.hosts, this.resourcePool] : [...this.hosts];
  }

  detach(child: ManagedEntity): void {
    // biome-ignore lint/complexity/useIndexOf: the hosts are HostSystems and the child any entity, which indexOf does not take
    const at = this.hosts.findIndex((h) => h === child);
    if (at !== -1) this.hosts.splice(at, 1);
    if (child === this.resourcePool) this.resourcePool = undefined;
    this.changed(['host', 'resourcePool', 'datastore', 'network']);
  }

  protected ownProperty(name: string): VimValue | undefined {
    switch (name) {
      case 'host':
        return refs(this.hosts);
      case 'resourcePool':
        return this.resourcePool?.ref;
      case 'datastore':
        return refs(new Set(this.hosts.flatMap((h) => h.datastores)));
      case 'network':
        return refs(new Set(this.hosts.flatMap((h) => h.networks)));
      default:
        return undefined;
    }
  }
}
