// vim.Network: a name, and the hosts and VMs connected to it.

import type { ManagedObjectReference } from './data.js';
import { ENTITY_PROPERTY_TYPES, entityChain, type EntityHost } from './entity.js';
import { HostAttachedEntity } from './host-attached.js';
import type { HostSystem } from './HostSystem.js';
import type { VirtualMachine } from './VirtualMachine.js';

const TYPE_CHAIN = entityChain('Network');
const PROPERTY_TYPES = { ...ENTITY_PROPERTY_TYPES, host: 'ArrayOfManagedObjectReference', vm: 'ArrayOfManagedObjectReference' } as const;

export class Network extends HostAttachedEntity {
  readonly typeChain = TYPE_CHAIN;
  readonly propertyTypes = PROPERTY_TYPES;
  readonly methods = {};
  protected readonly hostProperty = 'network';

  constructor(ref: ManagedObjectReference, host: EntityHost, name: string) {
    super(ref, host, name);
  }

  protected listOn(host: HostSystem): HostAttachedEntity[] {
    return host.networks;
  }

  protected leave(vm: VirtualMachine): void {
    vm.place({ networks: vm.networks.filter((n) => n !== this) });
  }
}
