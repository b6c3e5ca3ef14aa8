// What a datastore and a network have in common: leaves of the tree that hosts mount or join and
// VMs use. Removing one takes it off every host's list and every VM's placement.

import type { VimValue } from './data.js';
import { ManagedEntity, refs } from './entity.js';
import type { HostSystem } from './HostSystem.js';
import type { VirtualMachine } from './VirtualMachine.js';

export abstract class HostAttachedEntity extends ManagedEntity {
  readonly vms = new Set<VirtualMachine>();
  /** The hosts that mount or join it. */
  readonly hosts = new Set<HostSystem>();

  /** The host property that lists it (`datastore` or `network`). */
  protected abstract readonly hostProperty: 'datastore' | 'network';
  /** The host's list of entities of this kind. */
  protected abstract listOn(host: HostSystem): HostAttachedEntity[];
  /** Takes this entity out of a VM's placement. */
  protected abstract leave(vm: VirtualMachine): void;

  children(): readonly ManagedEntity[] {
    return [];
  }

  detach(): void {}

  override unlink(): void {
    for (const host of this.hosts) {
      const list = this.listOn(host);
      const at = list.indexOf(this);
      if (at !== -1) list.splice(at, 1);
      host.changed([this.hostProperty]);
    }
    for (const vm of [...this.vms]) this.leave(vm);
  }

  protected ownProperty(name: string): VimValue | undefined {
    if (name === 'vm') return refs(this.vms);
    if (name === 'host' && 'host' in this.propertyTypes) return refs(this.hosts);
    return undefined;
  }
}
