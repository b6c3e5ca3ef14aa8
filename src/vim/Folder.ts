// vim.Folder: a container of entities. Which kinds it holds (childType) depends on where it is:
// the root folder holds datacenters, a datacenter's vm folder VMs, and so on.

import type { VimValue } from './data.js';
import { ENTITY_PROPERTY_TYPES, ManagedEntity, entityChain, refs } from './entity.js';

const TYPE_CHAIN = entityChain('Folder');
const PROPERTY_TYPES = { ...ENTITY_PROPERTY_TYPES, childEntity: 'ArrayOfManagedObjectReference', childType: 'ArrayOfString' } as const;

/** The kinds of folder, by the child types vCenter gives each. */
export const FOLDER_CHILD_TYPES = {
  root: ['Folder', 'Datacenter'],
  vm: ['Folder', 'VirtualMachine', 'VirtualApp'],
  host: ['Folder', 'ComputeResource'],
  datastore: ['Folder', 'Datastore', 'StoragePod'],
  network: ['Folder', 'Network', 'DistributedVirtualSwitch'],
} as const;

export type FolderKind = keyof typeof FOLDER_CHILD_TYPES;

export class Folder extends ManagedEntity {
  readonly typeChain = TYPE_CHAIN;
  readonly propertyTypes = PROPERTY_TYPES;
  readonly methods = {};
  readonly kind: FolderKind;
  private readonly entities: ManagedEntity[] = [];

  constructor(ref: ConstructorParameters<typeof ManagedEntity>[0], host: ConstructorParameters<typeof ManagedEntity>[1], name: string, kind: FolderKind) {
    super(ref, host, name);
    this.kind = kind;
  }

  children(): readonly ManagedEntity[] {
    return this.entities;
  }

  /** Puts an entity in this folder (taking it out of its former parent's lists is the caller's job). */
  adopt(child: ManagedEntity): void {
    child.parent = this;
    this.entities.push(child);
    this.changed(['childEntity']);
  }

  detach(child: ManagedEntity): void {
    const at = this.entities.indexOf(child);
    if (at === -1) return;
    this.entities.splice(at, 1);
    this.changed(['childEntity']);
  }

  protected ownProperty(name: string): VimValue | undefined {
    switch (name) {
      case 'childEntity':
        return refs(this.entities);
      case 'childType':
        return [...FOLDER_CHILD_TYPES[this.kind]];
      default:
        return undefined;
    }
  }
}
