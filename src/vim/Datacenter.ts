// vim.Datacenter: the four folders that hold its VMs, compute resources, datastores and
// networks; `datastore` and `network` list every one found under those folders.

import type { VimValue } from './data.js';
import { ENTITY_PROPERTY_TYPES, ManagedEntity, entityChain, refs, type EntityHost } from './entity.js';
import type { Folder } from './Folder.js';
import type { ManagedObjectReference } from './data.js';

const TYPE_CHAIN = entityChain('Datacenter');
const PROPERTY_TYPES = {
  ...ENTITY_PROPERTY_TYPES,
  vmFolder: 'ManagedObjectReference',
  hostFolder: 'ManagedObjectReference',
  datastoreFolder: 'ManagedObjectReference',
  networkFolder: 'ManagedObjectReference',
  datastore: 'ArrayOfManagedObjectReference',
  network: 'ArrayOfManagedObjectReference',
} as const;

export interface DatacenterFolders {
  readonly vmFolder: Folder;
  readonly hostFolder: Folder;
  readonly datastoreFolder: Folder;
  readonly networkFolder: Folder;
}

/** Every entity under a folder and its sub-folders that is not itself a folder. */
function leaves(folder: ManagedEntity): ManagedEntity[] {
  const out: ManagedEntity[] = [];
  for (const child of folder.children()) {
    if (child.isA('Folder')) out.push(...leaves(child));
    else out.push(child);
  }
  return out;
}

export class Datacenter extends ManagedEntity {
  readonly typeChain = TYPE_CHAIN;
  readonly propertyTypes = PROPERTY_TYPES;
  readonly methods = {};

  constructor(
    ref: ManagedObjectReference,
    host: EntityHost,
    name: string,
    readonly folders: DatacenterFolders,
  ) {
    super(ref, host, name);
    for (const folder of this.children()) folder.parent = this;
  }

  children(): readonly ManagedEntity[] {
    const { vmFolder, hostFolder, datastoreFolder, networkFolder } = this.folders;
    return [vmFolder, hostFolder, datastoreFolder, networkFolder];
  }

  /** A datacenter's folders go only with it. */
  detach(): void {}

  protected ownProperty(name: string): VimValue | undefined {
    switch (name) {
      case 'vmFolder':
      case 'hostFolder':
      case 'datastoreFolder':
      case 'networkFolder':
        return this.folders[name].ref;
      case 'datastore':
        return refs(leaves(this.folders.datastoreFolder));
      case 'network':
        return refs(leaves(this.folders.networkFolder));
      default:
        return undefined;
    }
  }
}
