// vim.Folder: only the root folder, so that tasks have an entity clients can name.

import type { ManagedObjectReference, VimValue } from './data.js';
import { ManagedObject } from './managed-object.js';

export class Folder extends ManagedObject {
  readonly typeChain = ['Folder', 'ManagedEntity', 'ExtensibleManagedObject', 'ManagedObject'];
  /** `parent` is declared (and unset: the root has none) because clients walk up through it (govmomi's mo.Ancestors). */
  readonly propertyTypes = { name: 'xsd:string', parent: 'ManagedObjectReference', childEntity: 'ArrayOfManagedObjectReference', childType: 'ArrayOfString' };
  readonly methods = {};

  constructor(
    readonly ref: ManagedObjectReference,
    private readonly name: string,
  ) {
    super();
  }

  getProperty(name: string): VimValue | undefined {
    switch (name) {
      case 'name':
        return this.name;
      case 'childEntity':
        return [];
      case 'childType':
        return ['Folder', 'Datacenter'];
      default:
        return undefined;
    }
  }
}
