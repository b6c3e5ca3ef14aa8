// vim.Datastore: a name, and the VMs whose files are on it.

import type { ManagedObjectReference } from './data.js';
import { ENTITY_PROPERTY_TYPES, entityChain, type EntityHost } from './entity.js';
import { HostAttachedEntity } from './host-attached.js';
import type { HostSystem } from './HostSystem.js';
import type { VirtualMachine } from './VirtualMachine.js';

const TYPE_CHAIN = entityChain('Datastore');
// vim25's `host` is DatastoreHostMount data, which is not emulated: only `vm` is listed.
const PROPERTY_TYPES = { ...ENTITY_PROPERTY_TYPES, vm: 'ArrayOfManagedObjectReference' } as const;

export class Datastore extends HostAttachedEntity {
  readonly typeChain = TYPE_CHAIN;
  readonly propertyTypes = PROPERTY_TYPES;
  readonly methods = {};
  protected readonly hostProperty = 'datastore';

  constructor(ref: ManagedObjectReference, host: EntityHost, name: string) {
    super(ref, host, name);
  }

  protected listOn(host: HostSystem): HostAttachedEntity[] {
    return host.datastores;
  }

  protected leave(vm: VirtualMachine): void {
    vm.place({ datastores: vm.datastores.filter((d) => d !== this) });
  }
}
