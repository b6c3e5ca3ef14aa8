// Routes registry change notifications to the property filters that watch the changed object.
// The index makes a change cost O(filters watching that object), so a thousand waiting
// clients on one task are woken without scanning every collector.

import type { PropertyFilter } from './PropertyFilter.js';
import type { ObjectRegistry } from './registry.js';

const WAKE_SLICE = 64;

export class UpdateHub {
  private readonly watchers = new Map<string, Set<PropertyFilter>>();
  /** Filters marked dirty whose waiters have not been woken yet, oldest first. */
  private readonly toWake: PropertyFilter[] = [];
  /** How many of toWake have been woken (the list is emptied once all have). */
  private woken = 0;
  private wakeScheduled = false;

  constructor(registry: ObjectRegistry) {
    registry.onChange((object) => this.notify(object.ref.toString()));
    registry.onRemove((ref) => this.notify(ref.toString()));
  }

  private notify(key: string): void {
    const filters = this.watchers.get(key);
    if (!filters) return;
    // Dirty at once, so any read from now on sees the change; the waiters are woken in slices.
    for (const filter of filters) {
      filter.dirty = true;
      this.toWake.push(filter);
    }
    if (!this.wakeScheduled) {
      this.wakeScheduled = true;
      queueMicrotask(this.wakeSlice);
    }
  }

  /**
   * Wakes at most WAKE_SLICE filters' waiters, then yields to the event loop before the next
   * slice. Each woken waiter builds and writes its answer in the microtasks that follow, so the
   * first answers are on the wire while later ones are still being built, instead of a thousand
   * answers being built before the first is written.
   */
  private readonly wakeSlice = (): void => {
    const end = Math.min(this.toWake.length, this.woken + WAKE_SLICE);
    while (this.woken < end) {
      const filter = this.toWake[this.woken++];
      try {
        filter.onChange();
      } catch {
        // One filter's failure to wake must not leave the others, and every later change, asleep.
      }
    }
    if (this.woken < this.toWake.length) {
      setImmediate(this.wakeSlice);
      return;
    }
    this.toWake.length = 0;
    this.woken = 0;
    this.wakeScheduled = false;
  };

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
