// Every managed object the server knows, by reference. Objects report their own changes here;
// whoever watches (the PropertyCollector) subscribes. Objects never call the watchers directly.

import type { ManagedObjectReference } from './data.js';
import type { ManagedObject } from './managed-object.js';

export type ChangeListener = (object: ManagedObject, properties: readonly string[]) => void;
export type RemoveListener = (ref: ManagedObjectReference) => void;

export class ObjectRegistry {
  /**
   * By type, then by value: a "type:value" key would be a new string per object kept and per
   * lookup (one on every SOAP call), where the ref's own value string serves as the key. A
   * type's map stays when it empties, since the types are the server's own few classes.
   */
  private readonly byType = new Map<string, Map<string, ManagedObject>>();
  private readonly changeListeners = new Set<ChangeListener>();
  private readonly removeListeners = new Set<RemoveListener>();

  get(ref: ManagedObjectReference): ManagedObject | undefined {
    return this.byType.get(ref.type)?.get(ref.value);
  }

  /** Registers an object; watchers hear of it as a change of all its properties. */
  add(object: ManagedObject): void {
    const { type, value } = object.ref;
    let objects = this.byType.get(type);
    if (!objects) this.byType.set(type, (objects = new Map()));
    objects.set(value, object);
    if (this.changeListeners.size) this.changed(object, Object.keys(object.propertyTypes));
  }

  remove(ref: ManagedObjectReference): void {
    if (!this.byType.get(ref.type)?.delete(ref.value)) return;
    for (const listener of this.removeListeners) listener(ref);
  }

  /** Announces that properties of an object changed (e.g. ['info']). */
  changed(object: ManagedObject, properties: readonly string[]): void {
    for (const listener of this.changeListeners) listener(object, properties);
  }

  onChange(listener: ChangeListener): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  onRemove(listener: RemoveListener): () => void {
    this.removeListeners.add(listener);
    return () => this.removeListeners.delete(listener);
  }

  /** Whether objects of exactly this type have been registered (a type the emulator implements). */
  hasType(type: string): boolean {
    return this.byType.has(type);
  }

  /** The one object whose reference has this value, whatever its type; undefined if none or several. */
  findByValue(value: string): ManagedObject | undefined {
    let found: ManagedObject | undefined;
    for (const objects of this.byType.values()) {
      const object = objects.get(value);
      if (!object) continue;
      if (found) return undefined;
      found = object;
    }
    return found;
  }

  /** Every registered object (for the control API's and the tests' overviews; not on any call path). */
  *objects(): IterableIterator<ManagedObject> {
    for (const objects of this.byType.values()) yield* objects.values();
  }

  get size(): number {
    let size = 0;
    for (const objects of this.byType.values()) size += objects.size;
    return size;
  }
}
