// Routes registry change notifications to the property filters that watch the changed object.
// The index makes a change cost O(filters watching that object), so a thousand waiting
// clients on one task are woken without scanning every collector.

import type { PropertyFilter } from './PropertyFilter.js';
import type { ObjectRegistry } from './registry.js';

export class UpdateHub {
  private readonly watchers = new Map<string, Set<PropertyFilter>>();

  constructor(registry: ObjectRegistry) {
    registry.onChange((object) => this.notify(object.ref.toString()));
    registry.onRemove((ref) => this.notify(ref.toString()));
  }

  private notify(key: string): void {
    const filters = this.watchers.get(key);
    if (!filters) return;
    for (const filter of filters) {
      filter.dirty = true;
      filter.onChange();
    }
  }

  /** Replaces the set of objects a filter watches. */
  watch(filter: PropertyFilter, keys: ReadonlySet<string>): void {
    for (const key of filter.watched) if (!keys.has(key)) this.unwatchKey(filter, key);
    for (const key of keys) {
      let set = this.watchers.get(key);
      if (!set) this.watchers.set(key, (set = new Set()));
      set.add(filter);
    }
    filter.watched = keys;
  }

  unwatch(filter: PropertyFilter): void {
    for (const key of filter.watched) this.unwatchKey(filter, key);
    filter.watched = new Set();
  }

  private unwatchKey(filter: PropertyFilter, key: string): void {
    const set = this.watchers.get(key);
    if (!set) return;
    set.delete(filter);
    if (!set.size) this.watchers.delete(key);
  }
}
