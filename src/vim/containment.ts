// Where an entity sits in the inventory, by the standard containment property (ManagedEntity
// .parent). The emulator's inventory is the root folder plus whatever other objects are
// registered; an entity that is not registered, or reports no parent, counts as a child of the
// root folder (the same flat rule task-filter.ts applies), so "children" and "all" from the
// root folder reach every entity a task or event names.

import { ManagedObjectReference } from './data.js';
import type { ObjectRegistry } from './registry.js';

/** No inventory is this deep; a longer walk means a parent loop, which ends the walk. */
const MAX_DEPTH = 64;

export class Containment {
  constructor(
    private readonly registry: ObjectRegistry,
    readonly rootFolder: ManagedObjectReference,
  ) {}

  parentOf(entity: ManagedObjectReference): ManagedObjectReference | undefined {
    if (entity.equals(this.rootFolder)) return undefined;
    const parent = this.registry.get(entity)?.getProperty('parent', undefined);
    return parent instanceof ManagedObjectReference ? parent : this.rootFolder;
  }

  /** Whether `entity` is `ancestor` or lies within it at most `depth` levels down (1: its children). */
  within(entity: ManagedObjectReference, ancestor: ManagedObjectReference, depth: number): boolean {
    let at: ManagedObjectReference | undefined = entity;
    for (let level = 0; at && level <= Math.min(depth, MAX_DEPTH); level++) {
      if (at.equals(ancestor)) return true;
      at = this.parentOf(at);
    }
    return false;
  }

  /** The nearest ancestor (or the entity itself) of a managed type, e.g. the Datacenter an entity is in. */
  nearest(entity: ManagedObjectReference, type: string): ManagedObjectReference | undefined {
    let at: ManagedObjectReference | undefined = entity;
    for (let level = 0; at && level <= MAX_DEPTH; level++) {
      if (this.registry.get(at)?.isA(type)) return at;
      at = this.parentOf(at);
    }
    return undefined;
  }
}
