// vim.PropertyFilter: one CreateFilter spec, what it last reported per object, and which
// objects it watches. It is told about changes by the UpdateHub, never by the objects.

import { ManagedObjectReference, type DataObject, type VimValue } from './data.js';
import { ManagedObject, type MethodHandler } from './managed-object.js';
import type { Session } from './session.js';

export interface FilterOwner {
  destroyFilter(filter: PropertyFilter): void;
}

export class PropertyFilter extends ManagedObject {
  readonly typeChain = ['PropertyFilter', 'ManagedObject'];
  readonly propertyTypes = { spec: 'PropertyFilterSpec', partialUpdates: 'xsd:boolean' };
  /** Object key → (path → value) as last reported to the client. */
  readonly reported = new Map<string, Map<string, VimValue | undefined>>();
  /** Objects whose changes concern this filter (set by the hub). */
  watched: ReadonlySet<string> = new Set();
  /** Something it watches changed since its last report. */
  dirty = true;

  constructor(
    readonly ref: ManagedObjectReference,
    readonly spec: DataObject,
    readonly partialUpdates: boolean,
    private readonly owner: FilterOwner,
    private readonly session: Session,
    readonly onChange: () => void,
  ) {
    super();
  }

  readonly methods: Record<string, MethodHandler> = {
    DestroyPropertyFilter: () => {
      this.owner.destroyFilter(this);
      return undefined;
    },
  };

  /** Another session's filter does not exist for the caller, as in vCenter. */
  override visibleTo(session: Session | undefined): boolean {
    return session === this.session;
  }

  getProperty(name: string): VimValue | undefined {
    if (name === 'spec') return this.spec;
    if (name === 'partialUpdates') return this.partialUpdates;
    return undefined;
  }
}
