// Every managed object the server knows, by reference. Objects report their own changes here;
// whoever watches (the PropertyCollector) subscribes. Objects never call the watchers directly.

import type { ManagedObjectReference } from './data.js';
import type { ManagedObject } from './managed-object.js';

export type ChangeListener = (object: ManagedObject, properties: readonly string[]) => void;
export type RemoveListener = (ref: ManagedObjectReference) => void;

export class ObjectRegistry {
  private readonly objects = new Map<string, ManagedObject>();
  private readonly changeListeners = new Set<ChangeListener>();
  private readonly removeListeners = new Set<RemoveListener>();

  private static key(ref: ManagedObjectReference): string {
    return `${ref.type}:${ref.value}`;
  }

  get(ref: ManagedObjectReference): ManagedObject | undefined {
    return this.objects.get(ObjectRegistry.key(ref));
  }

  /** Registers an object; watchers hear of it as a change of all its properties. */
  add(object: ManagedObject): void {
    this.objects.set(ObjectRegistry.key(object.ref), object);
    if (this.changeListeners.size) this.changed(object, Object.keys(object.propertyTypes));
  }

  remove(ref: ManagedObjectReference): void {
    if (!this.objects.delete(ObjectRegistry.key(ref))) return;
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

  get size(): number {
    return this.objects.size;
  }
}
