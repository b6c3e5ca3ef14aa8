// vim.view.ContainerView: the entities below a container (a folder, datacenter, compute
// resource, resource pool or host), optionally only those of some types, optionally at every
// depth. Its `view` is worked out from the live inventory on every read; the ViewManager
// announces it as changed whenever the tree may have moved, so property filters see it change.

import type { ManagedObjectReference, VimValue } from './data.js';
import { walkBelow } from './containment.js';
import type { Methods } from './managed-object.js';
import type { Session } from './session.js';
import { View, type ViewHost } from './View.js';

export class ContainerView extends View {
  readonly typeChain = ['ContainerView', 'ManagedObjectView', 'View', 'ManagedObject'];
  readonly propertyTypes = {
    view: 'ArrayOfManagedObjectReference',
    container: 'ManagedObjectReference',
    type: 'ArrayOfString',
    recursive: 'xsd:boolean',
  };

  constructor(
    ref: ManagedObjectReference,
    owner: Session,
    host: ViewHost,
    private readonly container: ManagedObjectReference,
    /** The types selected; empty: every entity. */
    private readonly types: readonly string[],
    private readonly recursive: boolean,
  ) {
    super(ref, owner, host);
  }

  readonly methods: Methods<'DestroyView', ContainerView> = {
    DestroyView: () => this.destroy(),
  };

  override getProperty(name: string, session: Session | undefined): VimValue | undefined {
    switch (name) {
      case 'container':
        return this.container;
      case 'type':
        return this.types.length ? this.types : undefined;
      case 'recursive':
        return this.recursive;
      default:
        return super.getProperty(name, session);
    }
  }

  /** The entities below the container now, each once, in breadth-first order. */
  members(): ManagedObjectReference[] {
    const root = this.host.registry.get(this.container);
    if (!root) return [];
    const found: ManagedObjectReference[] = [];
    walkBelow(root, this.host.registry, this.owner, this.recursive, (entity) => {
      if (!this.types.length || this.types.some((type) => entity.isA(type))) found.push(entity.ref);
      return true;
    });
    return found;
  }
}
