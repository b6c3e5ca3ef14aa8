// vim.PropertyFilter: one CreateFilter spec, what it last reported per object, and which
// objects it watches. It is told about changes by the UpdateHub, never by the objects.

import type { ManagedObjectReference, VimValue } from './data.js';
import { ManagedObject, type Methods } from './managed-object.js';
import type { Session } from './session.js';
import type { PropertyFilterSpec } from './vim-types.js';

/** An object as a filter last reported it: its reference (for its 'leave') and path → value. */
export interface ReportedObject {
  readonly ref: ManagedObjectReference;
  readonly values: Map<string, VimValue | undefined>;
}

export interface FilterOwner {
  destroyFilter(filter: PropertyFilter): void;
}

export class PropertyFilter extends ManagedObject {
  readonly typeChain = ['PropertyFilter', 'ManagedObject'];
  readonly propertyTypes = { spec: 'PropertyFilterSpec', partialUpdates: 'xsd:boolean' };
  /** Object key ("Type:value") → what was last reported to the client about it. */
  readonly reported = new Map<string, ReportedObject>();
  /** Objects whose changes concern this filter (set by the hub). */
  watched: ReadonlySet<string> = new Set();
  /** Something it watches changed since its last report. */
  dirty = true;

  constructor(
    readonly ref: ManagedObjectReference,
    readonly spec: PropertyFilterSpec,
    readonly partialUpdates: boolean,
    private readonly owner: FilterOwner,
    private readonly session: Session,
    readonly onChange: () => void,
  ) {
    super();
  }

  readonly methods: Methods<'DestroyPropertyFilter', PropertyFilter> = {
    DestroyPropertyFilter: () => this.owner.destroyFilter(this),
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
