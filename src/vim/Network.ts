// vim.Network: a name, and the hosts and VMs connected to it.

import type { ManagedObjectReference, VimValue } from './data.js';
import { ENTITY_PROPERTY_TYPES, ManagedEntity, entityChain, refs, type EntityHost } from './entity.js';
import type { HostSystem } from './HostSystem.js';
import type { VirtualMachine } from './VirtualMachine.js';

const TYPE_CHAIN = entityChain('Network');
const PROPERTY_TYPES = { ...ENTITY_PROPERTY_TYPES, host: 'ArrayOfManagedObjectReference', vm: 'ArrayOfManagedObjectReference' } as const;

export class Network extends ManagedEntity {
  readonly typeChain = TYPE_CHAIN;
  readonly propertyTypes = PROPERTY_TYPES;
  readonly methods = {};
  readonly vms = new Set<VirtualMachine>();
  readonly hosts = new Set<HostSystem>();

  constructor(ref: ManagedObjectReference, host: EntityHost, name: string) {
    super(ref, host, name);
  }

  children(): readonly ManagedEntity[] {
    return [];
  }

  detach(): void {}

  override unlink(): void {
    for (const host of this.hosts) {
      const at = host.networks.indexOf(this);
      if (at !== -1) host.networks.splice(at, 1);
      host.changed(['network']);
    }
    for (const vm of [...this.vms]) vm.place({ networks: vm.networks.filter((n) => n !== this) });
  }

  protected ownProperty(name: string): VimValue | undefined {
    switch (name) {
      case 'host':
        return refs(this.hosts);
      case 'vm':
        return refs(this.vms);
      default:
        return undefined;
    }
  }
}
