// vim.view.ListView: a list of managed objects the client picks (govmomi's TaskView is one,
// filled with the tasks it follows). Objects that leave the registry leave the list too (the
// ViewManager tells it), so the list never names something gone.

import type { ManagedObjectReference } from './data.js';
import { LimitExceeded } from './faults.js';
import type { Methods } from './managed-object.js';
import type { Session } from './session.js';
import { View, type ViewHost } from './View.js';

/** What a list view needs besides a view's: resolving references, and the index of who lists what. */
export interface ListViewHost extends ViewHost {
  /** The object's own reference if it exists and the session may see it. */
  resolve(ref: ManagedObjectReference, session: Session): ManagedObjectReference | undefined;
  listed(view: ListView, key: string, present: boolean): void;
  /** The most objects one list may hold. */
  readonly maxItems: number;
}

export class ListView extends View {
  readonly typeChain = ['ListView', 'ManagedObjectView', 'View', 'ManagedObject'];
  readonly propertyTypes = { view: 'ArrayOfManagedObjectReference' };
  /** "Type:value" → reference, in the order added. */
  private readonly items = new Map<string, ManagedObjectReference>();

  constructor(
    ref: ManagedObjectReference,
    owner: Session,
    protected override readonly host: ListViewHost,
  ) {
    super(ref, owner, host);
  }

  readonly methods: Methods<'ModifyListView' | 'ResetListView' | 'DestroyView', ListView> = {
    ModifyListView: (_ctx, args) => this.modify(args.add ?? [], args.remove ?? []),
    ResetListView: (_ctx, args) => this.reset(args.obj ?? []),
    DestroyView: () => this.destroy(),
  };

  members(): ManagedObjectReference[] {
    return [...this.items.values()];
  }

  /**
   * Adds and removes; answers the references that could not be added (unknown, or not visible
   * to the owner). Refused whole, before any change, when the list would grow past the bound.
   */
  modify(add: readonly ManagedObjectReference[], remove: readonly ManagedObjectReference[]): ManagedObjectReference[] {
    const { found, unresolved } = this.resolveAll(add);
    const removed = new Set(remove.map((ref) => ref.toString()));
    let size = this.items.size;
    for (const key of removed) if (this.items.has(key)) size--;
    for (const [key] of found) if (!this.items.has(key) || removed.has(key)) size++;
    this.checkSize(size);
    let changed = false;
    for (const key of removed) changed = this.drop(key) || changed;
    for (const [key, ref] of found) changed = this.put(key, ref) || changed;
    if (changed) this.announce();
    return unresolved;
  }

  /** Replaces the whole list; answers the references that could not be resolved. */
  reset(objects: readonly ManagedObjectReference[]): ManagedObjectReference[] {
    const { found, unresolved } = this.resolveAll(objects);
    this.checkSize(found.size);
    for (const key of [...this.items.keys()]) if (!found.has(key)) this.drop(key);
    for (const [key, ref] of found) this.put(key, ref);
    this.announce();
    return unresolved;
  }

  /** An object left the registry: it leaves the list (called by the ViewManager's index). */
  forget(key: string): void {
    if (this.drop(key)) this.announce();
  }

  override destroy(): void {
    for (const key of this.items.keys()) this.host.listed(this, key, false);
    this.items.clear();
    super.destroy();
  }

  private resolveAll(refs: readonly ManagedObjectReference[]): { found: Map<string, ManagedObjectReference>; unresolved: ManagedObjectReference[] } {
    const found = new Map<string, ManagedObjectReference>();
    const unresolved: ManagedObjectReference[] = [];
    for (const ref of refs) {
      const resolved = this.host.resolve(ref, this.owner);
      if (resolved) found.set(resolved.toString(), resolved);
      else unresolved.push(ref);
    }
    return { found, unresolved };
  }

  private checkSize(size: number): void {
    const max = this.host.maxItems;
    if (size > max) throw new LimitExceeded('maxListViewItems', max, `A list view holds at most ${max} objects; this change would leave ${size}`);
  }

  private put(key: string, ref: ManagedObjectReference): boolean {
    if (this.items.has(key)) return false;
    this.items.set(key, ref);
    this.host.listed(this, key, true);
    return true;
  }

  private drop(key: string): boolean {
    if (!this.items.delete(key)) return false;
    this.host.listed(this, key, false);
    return true;
  }

  private announce(): void {
    this.host.registry.changed(this, ['view']);
  }
}
