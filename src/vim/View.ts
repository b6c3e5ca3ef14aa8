// What every view (vim.view.View) shares: it belongs to the session that made it, is invisible
// to every other, and ends at DestroyView or with its session. The ViewManager keeps the count.

import type { ManagedObjectReference, VimValue } from './data.js';
import { ManagedObject } from './managed-object.js';
import type { ObjectRegistry } from './registry.js';
import type { Session } from './session.js';

/** What a view needs from the ViewManager that made it. */
export interface ViewHost {
  readonly registry: ObjectRegistry;
  /** The view is gone: forget it (and the members it listed). */
  viewDestroyed(view: View): void;
}

export abstract class View extends ManagedObject {
  private destroyed = false;

  constructor(
    readonly ref: ManagedObjectReference,
    readonly owner: Session,
    protected readonly host: ViewHost,
  ) {
    super();
  }

  /** The objects in the view now (the `view` property). */
  abstract members(): ManagedObjectReference[];

  /** Another session's view does not exist for the caller, as in vCenter. */
  override visibleTo(session: Session | undefined): boolean {
    return session === this.owner && !this.destroyed;
  }

  override getProperty(name: string, _session: Session | undefined): VimValue | undefined {
    return name === 'view' ? this.members() : undefined;
  }

  /** DestroyView, or the end of the session. Watchers of the view see it leave. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.host.viewDestroyed(this);
    this.host.registry.remove(this.ref);
  }
}
