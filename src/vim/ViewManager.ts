// vim.view.ViewManager: makes list and container views for the calling session, and keeps
// them current. It is the one listener on the registry for views: an object that leaves is
// taken off every list that names it (through an index, not a scan), and any change that can
// move the tree is announced as a change of every container view's `view`, so property
// filters that watch a view, or traverse one, are woken like for any other change.

import { randomUUID } from 'node:crypto';
import { ManagedObjectReference, type VimValue } from './data.js';
import { CONTAINMENT_PROPERTIES, ENTITY_TYPES, isContainer } from './containment.js';
import { ContainerView } from './ContainerView.js';
import { InvalidArgument, LimitExceeded, ManagedObjectNotFound, NotAuthenticated } from './faults.js';
import { ListView, type ListViewHost } from './ListView.js';
import { ManagedObject, type CallContext, type Methods } from './managed-object.js';
import type { ObjectRegistry } from './registry.js';
import type { Session } from './session.js';
import type { CreateContainerViewArgs } from './vim-types.js';
import { View } from './View.js';

export interface ViewLimits {
  readonly maxViewsPerSession: number;
  readonly maxListViewItems: number;
}

export class ViewManager extends ManagedObject implements ListViewHost {
  readonly ref = new ManagedObjectReference('ViewManager', 'ViewManager');
  readonly typeChain = ['ViewManager', 'ManagedObject'];
  readonly propertyTypes = { viewList: 'ArrayOfManagedObjectReference' };
  private readonly bySession = new Map<Session, Set<View>>();
  private readonly containerViews = new Set<ContainerView>();
  /** Object key ("Type:value") → the list views that hold it. */
  private readonly listedBy = new Map<string, Set<ListView>>();
  private readonly unsubscribe: Array<() => void>;

  constructor(
    readonly registry: ObjectRegistry,
    private readonly limits: ViewLimits,
  ) {
    super();
    this.unsubscribe = [registry.onChange((object, properties) => this.objectChanged(object, properties)), registry.onRemove((ref) => this.objectRemoved(ref))];
  }

  readonly methods: Methods<'CreateContainerView' | 'CreateListView' | 'CreateListViewFromView', ViewManager> = {
    CreateContainerView: (ctx, args) => this.createContainerView(ctx, args),
    CreateListView: (ctx, args) => this.createListView(ctx, args.obj ?? []),
    CreateListViewFromView: (ctx, args) => this.createListView(ctx, this.viewOf(ctx, args.view).members()),
  };

  get maxItems(): number {
    return this.limits.maxListViewItems;
  }

  /** The caller's own views (another session's do not exist for it); unset when it has none. */
  getProperty(name: string, session: Session | undefined): VimValue | undefined {
    if (name !== 'viewList') return undefined;
    const views = session && this.bySession.get(session);
    return views?.size ? [...views].map((view) => view.ref) : undefined;
  }

  resolve(ref: ManagedObjectReference, session: Session): ManagedObjectReference | undefined {
    const object = this.registry.get(ref);
    return object?.visibleTo(session) ? object.ref : undefined;
  }

  listed(view: ListView, key: string, present: boolean): void {
    let views = this.listedBy.get(key);
    if (present) {
      if (!views) this.listedBy.set(key, (views = new Set()));
      views.add(view);
      return;
    }
    if (!views?.delete(view)) return;
    if (!views.size) this.listedBy.delete(key);
  }

  viewDestroyed(view: View): void {
    const views = this.bySession.get(view.owner);
    if (!views?.delete(view)) return;
    if (view instanceof ContainerView) this.containerViews.delete(view);
    this.registry.changed(this, ['viewList']);
  }

  /** Ends every view (the server is going away). */
  dispose(): void {
    for (const stop of this.unsubscribe) stop();
    for (const views of [...this.bySession.values()]) for (const view of [...views]) view.destroy();
  }

  private createContainerView(ctx: CallContext, args: CreateContainerViewArgs): ManagedObjectReference {
    const session = this.sessionOf(ctx);
    const container = this.registry.get(args.container);
    if (!container?.visibleTo(session)) throw new ManagedObjectNotFound(args.container);
    if (!isContainer(container))
      throw new InvalidArgument('container', `${args.container.toString()} is not a folder, datacenter, compute resource, resource pool or host`);
    // Checked against the entity types, then kept once each: ten thousand repeats of a name
    // must not make every read of the view ten thousand times dearer.
    const types = new Set<string>();
    for (const type of args.type ?? []) {
      if (!ENTITY_TYPES.has(type)) throw new InvalidArgument('type', `'${type}' is not a managed entity type`);
      types.add(type);
    }
    const owned = this.room(session);
    const view = new ContainerView(this.newRef('ContainerView', session), session, this, container.ref, [...types], args.recursive);
    this.containerViews.add(view);
    return this.adopt(owned, view);
  }

  private createListView(ctx: CallContext, objects: readonly ManagedObjectReference[]): ManagedObjectReference {
    const session = this.sessionOf(ctx);
    const owned = this.room(session);
    const view = new ListView(this.newRef('ListView', session), session, this);
    // References that resolve to nothing are left out, as ResetListView leaves them out.
    view.reset(objects);
    return this.adopt(owned, view);
  }

  /** The caller's view named by `ref`; anything else is not found (or not a view). */
  private viewOf(ctx: CallContext, ref: ManagedObjectReference): View {
    const object = this.registry.get(ref);
    if (!object?.visibleTo(ctx.session)) throw new ManagedObjectNotFound(ref);
    if (!(object instanceof View)) throw new InvalidArgument('view', `${ref.toString()} is not a view`);
    return object;
  }

  private sessionOf(ctx: CallContext): Session {
    if (!ctx.session) throw new NotAuthenticated(this.ref);
    return ctx.session;
  }

  /** The session's set of views, when it may hold one more. */
  private room(session: Session): Set<View> {
    let owned = this.bySession.get(session);
    if (!owned) {
      const created = new Set<View>();
      this.bySession.set(session, (owned = created));
      session.onEnd.add(() => {
        for (const view of [...created]) view.destroy();
        this.bySession.delete(session);
      });
    }
    const max = this.limits.maxViewsPerSession;
    if (owned.size >= max) throw new LimitExceeded('maxViewsPerSession', max, `This session already holds ${owned.size} views; destroy one first`);
    return owned;
  }

  private newRef(type: string, session: Session): ManagedObjectReference {
    // The form vCenter gives views: session[<session key>]<uuid>.
    return new ManagedObjectReference(type, `session[${session.key}]${randomUUID()}`);
  }

  private adopt(owned: Set<View>, view: View): ManagedObjectReference {
    owned.add(view);
    this.registry.add(view);
    this.registry.changed(this, ['viewList']);
    return view.ref;
  }

  private objectChanged(object: ManagedObject, properties: readonly string[]): void {
    if (!this.containerViews.size || object instanceof View) return;
    if (properties.some((name) => CONTAINMENT_PROPERTIES.has(name))) this.containersMayHaveChanged();
  }

  private objectRemoved(ref: ManagedObjectReference): void {
    const key = ref.toString();
    const lists = this.listedBy.get(key);
    if (lists) for (const view of [...lists]) view.forget(key);
    if (this.containerViews.size && ENTITY_TYPES.has(ref.type)) this.containersMayHaveChanged();
  }

  /**
   * Each container view's `view` is announced as changed; the filters that watch one read it
   * again and report only what really moved. One announcement per container view, however
   * large the tree: the walk itself is paid only by the filters that read the view.
   */
  private containersMayHaveChanged(): void {
    for (const view of this.containerViews) this.registry.changed(view, ['view']);
  }
}
