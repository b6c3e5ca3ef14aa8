// vim.Datastore: a name, and the VMs whose files are on it.

import type { ManagedObjectReference, VimValue } from './data.js';
import { ENTITY_PROPERTY_TYPES, ManagedEntity, entityChain, refs, type EntityHost } from './entity.js';
import type { HostSystem } from './HostSystem.js';
import type { VirtualMachine } from './VirtualMachine.js';

const TYPE_CHAIN = entityChain('Datastore');
const PROPERTY_TYPES = { ...ENTITY_PROPERTY_TYPES, vm: 'ArrayOfManagedObjectReference' } as const;

export class Datastore extends ManagedEntity {
  readonly typeChain = TYPE_CHAIN;
  readonly propertyTypes = PROPERTY_TYPES;
  readonly methods = {};
  readonly vms = new Set<VirtualMachine>();
  /** The hosts that mount it (vim25's `host` is DatastoreHostMount data, not emulated). */
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
      const at = host.datastores.indexOf(this);
      if (at !== -1) host.datastores.splice(at, 1);
      host.changed(['datastore']);
    }
    for (const vm of [...this.vms]) vm.place({ datastores: vm.datastores.filter((d) => d !== this) });
  }

  protected ownProperty(name: string): VimValue | undefined {
    return name === 'vm' ? refs(this.vms) : undefined;
  }
}
