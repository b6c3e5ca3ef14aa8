// vim.HostSystem: a host, the VMs registered on it and the datastores and networks it sees.

import type { ManagedObjectReference, VimValue } from './data.js';
import type { Datastore } from './Datastore.js';
import { ENTITY_PROPERTY_TYPES, ManagedEntity, entityChain, refs, type EntityHost } from './entity.js';
import type { Network } from './Network.js';
import type { VirtualMachine } from './VirtualMachine.js';

const TYPE_CHAIN = entityChain('HostSystem');
const PROPERTY_TYPES = {
  ...ENTITY_PROPERTY_TYPES,
  vm: 'ArrayOfManagedObjectReference',
  datastore: 'ArrayOfManagedObjectReference',
  network: 'ArrayOfManagedObjectReference',
} as const;

export class HostSystem extends ManagedEntity {
  readonly typeChain = TYPE_CHAIN;
  readonly propertyTypes = PROPERTY_TYPES;
  readonly methods = {};
  readonly vms = new Set<VirtualMachine>();
  readonly datastores: Datastore[] = [];
  readonly networks: Network[] = [];

  constructor(ref: ManagedObjectReference, host: EntityHost, name: string) {
    super(ref, host, name);
  }

  children(): readonly ManagedEntity[] {
    return [];
  }

  detach(): void {}

  override unlink(): void {
    for (const vm of [...this.vms]) vm.place({ host: undefined });
    for (const datastore of this.datastores) datastore.hosts.delete(this);
    for (const network of this.networks) network.hosts.delete(this);
  }

  protected ownProperty(name: string): VimValue | undefined {
    switch (name) {
      case 'vm':
        return refs(this.vms);
      case 'datastore':
        return refs(this.datastores);
      case 'network':
        return refs(this.networks);
      default:
        return undefined;
    }
  }
}
