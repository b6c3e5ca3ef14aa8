// vim.PropertyCollector: reads (RetrieveProperties[Ex] with paging tokens) and change
// notification (filters, WaitForUpdates[Ex], CheckForUpdates, CancelWaitForUpdates). The
// default collector keeps separate filters per session; created collectors belong to one.
// Waiting is event-driven: a waiter sleeps until the UpdateHub marks one of its filters dirty.

import { randomUUID } from 'node:crypto';
import { ManagedObjectReference, type VimValue } from './data.js';
import { InvalidArgument, InvalidCollectorVersion, NotAuthenticated, NotSupported, RequestCanceled } from './faults.js';
import type { CollectorUsage } from './limits.js';
import { ManagedObject, type CallContext, type CallLifetime, type Methods } from './managed-object.js';
import { PropertyFilter, type ReportedObject } from './PropertyFilter.js';
import { readPath, selectObjects, type QueryContext } from './property-query.js';
import type { ObjectRegistry } from './registry.js';
import type { Session } from './session.js';
import type { UpdateHub } from './update-hub.js';
import { valuesEqual } from './values-equal.js';
import type {
  CreateFilterArgs,
  DynamicProperty,
  ObjectContent,
  ObjectUpdate,
  PropertyChange,
  PropertyFilterSpec,
  PropertyFilterUpdate,
  RetrieveResult,
  UpdateSet,
  WaitOptions,
} from './vim-types.js';

type WakeReason = 'changed' | 'timeout';

/** What a filter watches: the objects it selects, and those it traversed to reach them. */
function watchKeys(selected: readonly { readonly object: ManagedObject }[], traversed: readonly ManagedObject[]): Set<string> {
  const keys = new Set(selected.map((s) => s.object.ref.toString()));
  for (const object of traversed) keys.add(object.ref.toString());
  return keys;
}

function sameKeys(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const key of a) if (!b.has(key)) return false;
  return true;
}

/** The longest delay setTimeout honours; a longer one fires after 1 ms, so longer waits sleep in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * One blocked WaitForUpdates call. A class rather than a bundle of closures: when one change
 * wakes a thousand of them, what each pending call holds is what the garbage collector copies.
 */
class Waiter {
  timer: NodeJS.Timeout | undefined;
  forgetClient: (() => void) | undefined;

  constructor(
    private readonly waiters: Set<Waiter>,
    private readonly resolve: (reason: WakeReason) => void,
    private readonly reject: (error: Error) => void,
  ) {}

  wake(reason: WakeReason): void {
    this.done();
    this.resolve(reason);
  }

  fail(error: Error): void {
    this.done();
    this.reject(error);
  }

  readonly clientGone = (): void => this.fail(new RequestCanceled('The request was canceled.'));

  private done(): void {
    this.waiters.delete(this);
    if (this.timer) clearTimeout(this.timer);
    this.forgetClient?.();
  }
}

function wakeOnTimeout(waiter: Waiter): void {
  waiter.wake('timeout');
}

/** What RetrievePropertiesEx has not yet returned under a token, and the page size to return it in. */
interface PendingRetrieve {
  readonly rest: readonly ObjectContent[];
  readonly pageSize: number;
  /** When the token is forgotten if not continued (Date.now() time). */
  readonly expires: number;
}

/** The filters, version and waiters of one collector as one session sees it. */
class CollectorState {
  constructor(readonly session: Session) {}

  readonly filters = new Map<string, PropertyFilter>();
  readonly tokens = new Map<string, PendingRetrieve>();
  version = 0;
  /** Set when the session or collector ends: later waits fail at once instead of sleeping forever. */
  ended = false;
  private readonly waiters = new Set<Waiter>();

  wake(): void {
    for (const waiter of this.waiters) waiter.wake('changed');
  }

  cancelWaiters(message = 'The wait for updates was canceled.'): void {
    for (const waiter of this.waiters) waiter.fail(new RequestCanceled(message));
  }

  nextChange(timeoutMs: number | undefined, lifetime: CallLifetime): Promise<WakeReason> {
    return new Promise<WakeReason>((resolve, reject) => {
      if (this.ended) return reject(new RequestCanceled('The property collector was destroyed.'));
      const waiter = new Waiter(this.waiters, resolve, reject);
      this.waiters.add(waiter);
      waiter.forgetClient = lifetime.whenClientGone(waiter.clientGone);
      if (timeoutMs !== undefined && this.waiters.has(waiter)) waiter.timer = setTimeout(wakeOnTimeout, Math.min(timeoutMs, MAX_TIMER_MS), waiter);
    });
  }
}

const NO_WAIT_OPTIONS: WaitOptions = { _type: 'WaitOptions' };
/** CheckForUpdates: what WaitForUpdatesEx does with maxWaitSeconds 0. */
const CHECK_ONLY: WaitOptions = { _type: 'WaitOptions', maxWaitSeconds: 0 };

export interface CollectorServices {
  readonly registry: ObjectRegistry;
  readonly hub: UpdateHub;
  readonly usage: CollectorUsage;
}

export class PropertyCollector extends ManagedObject {
  readonly typeChain = ['PropertyCollector', 'ManagedObject'];
  readonly propertyTypes = { filter: 'ArrayOfManagedObjectReference' };
  private readonly perSession = new Map<string, CollectorState>();
  private readonly ownState: CollectorState | undefined;

  /** `owner` undefined: the default collector, shared by reference, with per-session state. */
  constructor(
    readonly ref: ManagedObjectReference,
    private readonly services: CollectorServices,
    private readonly owner: Session | undefined,
  ) {
    super();
    this.ownState = owner ? new CollectorState(owner) : undefined;
  }

  readonly methods: Methods<
    | 'RetrieveProperties'
    | 'RetrievePropertiesEx'
    | 'ContinueRetrievePropertiesEx'
    | 'CancelRetrievePropertiesEx'
    | 'CreateFilter'
    | 'WaitForUpdates'
    | 'WaitForUpdatesEx'
    | 'CheckForUpdates'
    | 'CancelWaitForUpdates'
    | 'CreatePropertyCollector'
    | 'DestroyPropertyCollector',
    PropertyCollector
  > = {
    RetrieveProperties: (ctx, args) => this.retrieve(ctx, args.specSet),
    RetrievePropertiesEx: (ctx, args) => this.retrieveEx(ctx, args.specSet, args.options.maxObjects),
    ContinueRetrievePropertiesEx: (ctx, args) => this.continueRetrieve(ctx, args.token),
    CancelRetrievePropertiesEx: (ctx, args) => this.cancelRetrieve(ctx, args.token),
    CreateFilter: (ctx, args) => this.createFilter(ctx, args),
    // WaitForUpdates has no timeout: it answers only with a change (the UpdateSet is never undefined then).
    WaitForUpdates: (ctx, args) => this.waitForUpdates(ctx, args.version, undefined),
    WaitForUpdatesEx: (ctx, args) => this.waitForUpdates(ctx, args.version, args.options ?? NO_WAIT_OPTIONS),
    CheckForUpdates: (ctx, args) => this.waitForUpdates(ctx, args.version, CHECK_ONLY),
    CancelWaitForUpdates: (ctx) => this.state(ctx).cancelWaiters(),
    CreatePropertyCollector: (ctx) => this.createCollector(ctx),
    DestroyPropertyCollector: (ctx) => this.destroy(ctx),
  };

  override visibleTo(session: Session | undefined): boolean {
    return this.owner === undefined || session === this.owner;
  }

  getProperty(name: string, session: Session | undefined): VimValue | undefined {
    if (name !== 'filter' || !session) return undefined;
    const state = this.owner ? this.ownState : this.perSession.get(session.key);
    return state ? [...state.filters.values()].map((f) => f.ref) : [];
  }

  private state(ctx: CallContext): CollectorState {
    const session = ctx.session;
    if (!session) throw new NotAuthenticated(this.ref);
    if (this.ownState) return this.ownState;
    let state = this.perSession.get(session.key);
    if (!state) {
      const created = new CollectorState(session);
      this.perSession.set(session.key, created);
      session.onEnd.add(() => this.endState(created, () => this.perSession.delete(session.key)));
      state = created;
    }
    return state;
  }

  private query(ctx: CallContext): QueryContext {
    return { registry: this.services.registry, types: ctx.types, session: ctx.session };
  }

  private retrieve(ctx: CallContext, specSet: readonly PropertyFilterSpec[]): ObjectContent[] {
    const query = this.query(ctx);
    const byObject = new Map<string, { ref: ManagedObjectReference; props: Map<string, VimValue> }>();
    for (const spec of specSet) {
      for (const { object, paths } of selectObjects(spec, query, 'fault')) {
        const key = object.ref.toString();
        let entry = byObject.get(key);
        if (!entry) byObject.set(key, (entry = { ref: object.ref, props: new Map() }));
        for (const path of paths) {
          const value = readPath(object, path, query);
          if (value !== undefined) entry.props.set(path, value);
        }
      }
    }
    return [...byObject.values()].map(({ ref, props }) => ({
      _type: 'ObjectContent',
      obj: ref,
      propSet: [...props].map(([name, val]): DynamicProperty => ({ _type: 'DynamicProperty', name, val })),
    }));
  }

  private retrieveEx(ctx: CallContext, specSet: readonly PropertyFilterSpec[], maxObjects: number | undefined): RetrieveResult | undefined {
    const objects = this.retrieve(ctx, specSet);
    if (!objects.length) return undefined;
    if (maxObjects === undefined || maxObjects <= 0 || objects.length <= maxObjects || !ctx.session) {
      return { _type: 'RetrieveResult', objects };
    }
    return this.page(this.state(ctx), objects, maxObjects);
  }

  /** The next page of a retrieval; the rest stays under a new token, counted against the session's limit. */
  private page(state: CollectorState, rest: readonly ObjectContent[], pageSize: number): RetrieveResult {
    if (rest.length <= pageSize) return { _type: 'RetrieveResult', objects: rest };
    this.forgetExpiredTokens(state);
    this.services.usage.addToken(state.session);
    const token = randomUUID();
    state.tokens.set(token, { rest: rest.slice(pageSize), pageSize, expires: Date.now() + this.services.usage.limits.retrieveTokenIdleMs });
    return { _type: 'RetrieveResult', token, objects: rest.slice(0, pageSize) };
  }

  /** Tokens are kept in the order they were made, each with the same idle time: the expired ones are first. */
  private forgetExpiredTokens(state: CollectorState): void {
    const now = Date.now();
    for (const [token, pending] of state.tokens) {
      if (pending.expires > now) break;
      this.dropToken(state, token);
    }
  }

  private dropToken(state: CollectorState, token: string): boolean {
    if (!state.tokens.delete(token)) return false;
    this.services.usage.removeToken(state.session);
    return true;
  }

  /** The pending retrieval under `token`, taken out; an expired one is as good as unknown. */
  private takeToken(state: CollectorState, token: string): PendingRetrieve {
    this.forgetExpiredTokens(state);
    const pending = state.tokens.get(token);
    if (!pending || !this.dropToken(state, token))
      throw new InvalidArgument('token', `The retrieve token '${token}' is not valid (unknown, finished, canceled or expired).`);
    return pending;
  }

  private continueRetrieve(ctx: CallContext, token: string): RetrieveResult {
    const state = this.state(ctx);
    const pending = this.takeToken(state, token);
    return this.page(state, pending.rest, pending.pageSize);
  }

  private cancelRetrieve(ctx: CallContext, token: string): void {
    this.takeToken(this.state(ctx), token);
  }

  private createFilter(ctx: CallContext, args: CreateFilterArgs): ManagedObjectReference {
    const state = this.state(ctx);
    const session = ctx.session;
    if (!session) throw new NotAuthenticated(this.ref);
    const { spec } = args;
    const query = this.query(ctx);
    // Validates the spec now (unknown objects, invalid paths) so mistakes surface at CreateFilter.
    const traversed: ManagedObject[] = [];
    const selected = selectObjects(spec, query, 'fault', traversed);
    for (const { object, paths } of selected) for (const path of paths) readPath(object, path, query);
    this.services.usage.addFilter(session);
    const ref = new ManagedObjectReference('PropertyFilter', `session[${session.key}]${randomUUID()}`);
    const filter = new PropertyFilter(ref, spec, args.partialUpdates, { destroyFilter: (f) => this.removeFilter(state, f) }, session, () => state.wake());
    state.filters.set(ref.value, filter);
    this.services.registry.add(filter);
    this.services.hub.watch(filter, watchKeys(selected, traversed));
    state.wake();
    return ref;
  }

  private removeFilter(state: CollectorState, filter: PropertyFilter): void {
    if (!state.filters.delete(filter.ref.value)) return;
    this.services.usage.removeFilter(state.session);
    this.services.hub.unwatch(filter);
    this.services.registry.remove(filter.ref);
  }

  /**
   * WaitForUpdates (options undefined: wait for as long as it takes), WaitForUpdatesEx and
   * CheckForUpdates (maxWaitSeconds 0). Undefined when the wait ended without a change.
   */
  private waitForUpdates(ctx: CallContext, version: string | undefined, options: WaitOptions): Promise<UpdateSet | undefined>;
  private waitForUpdates(ctx: CallContext, version: string | undefined, options: undefined): Promise<UpdateSet>;
  private async waitForUpdates(ctx: CallContext, version: string | undefined, options: WaitOptions | undefined): Promise<UpdateSet | undefined> {
    const state = this.state(ctx);
    const full = version === undefined || version === '';
    if (!full && version !== String(state.version)) throw new InvalidCollectorVersion();
    const maxWaitSeconds = options?.maxWaitSeconds;
    const maxObjectUpdates = options?.maxObjectUpdates;
    if (maxWaitSeconds !== undefined && maxWaitSeconds < 0) throw new InvalidArgument('maxWaitSeconds');
    if (maxObjectUpdates !== undefined && maxObjectUpdates < 0) throw new InvalidArgument('maxObjectUpdates');
    // One wait per collector and session at a time: a newer call replaces an earlier one, which
    // ends with RequestCanceled rather than sleeping on a version the newer call moves past.
    state.cancelWaiters('The wait for updates was canceled by a newer WaitForUpdates call on the same property collector.');
    const deadline = maxWaitSeconds === undefined ? undefined : Date.now() + maxWaitSeconds * 1000;
    let admitted = false;
    try {
      for (;;) {
        const update = this.collectUpdates(ctx, state, full, maxObjectUpdates);
        if (update) return update;
        if (deadline !== undefined && Date.now() >= deadline) return undefined;
        if (!admitted) {
          this.services.usage.beginWait();
          admitted = true;
        }
        // A 'timeout' wake before the deadline is one step of a wait longer than a timer allows.
        await state.nextChange(deadline === undefined ? undefined : Math.max(0, deadline - Date.now()), ctx.lifetime);
      }
    } finally {
      if (admitted) this.services.usage.endWait();
    }
  }

  /**
   * Builds the next UpdateSet, or undefined when nothing changed (and this is not a full report).
   * One change can wake a thousand waiters at once, each running this for its own filter, so it
   * builds its result objects directly and leaves the hub's index alone when nothing moved.
   */
  private collectUpdates(ctx: CallContext, state: CollectorState, full: boolean, maxObjectUpdates: number | undefined): UpdateSet | undefined {
    const query = this.query(ctx);
    const filterSet: PropertyFilterUpdate[] = [];
    let budget = maxObjectUpdates && maxObjectUpdates > 0 ? maxObjectUpdates : Infinity;
    let truncated = false;
    for (const filter of state.filters.values()) {
      if (!full && !filter.dirty) continue;
      if (full) filter.reported.clear();
      const traversed: ManagedObject[] = [];
      const selected = selectObjects(filter.spec, query, 'skip', traversed);
      const watched = filter.watched;
      // Whether the selection is still exactly what the hub watches for this filter (nearly
      // always, for a filter that traverses nothing).
      let sameAsWatched = !traversed.length && selected.length === watched.size;
      const objectSet: ObjectUpdate[] = [];
      let complete = true;
      for (const { object, paths } of selected) {
        const key = object.ref.toString();
        if (sameAsWatched && !watched.has(key)) sameAsWatched = false;
        const previous = filter.reported.get(key);
        const changeSet: PropertyChange[] = [];
        for (const path of paths) {
          const value = readPath(object, path, query);
          if (previous ? valuesEqual(previous.values.get(path), value) : value === undefined) continue;
          changeSet.push({ _type: 'PropertyChange', name: path, op: 'assign', val: value });
        }
        if (previous && !changeSet.length) continue;
        if (budget <= 0) {
          complete = false;
          continue;
        }
        budget--;
        // What was reported is this filter's own record: it is updated in place, not copied.
        const reported: ReportedObject = previous ?? { ref: object.ref, values: new Map() };
        for (const change of changeSet) reported.values.set(change.name, change.val);
        if (!previous) filter.reported.set(key, reported);
        objectSet.push({ _type: 'ObjectUpdate', kind: previous ? 'modify' : 'enter', obj: object.ref, changeSet });
      }
      const present = sameAsWatched ? watched : new Set(selected.map((s) => s.object.ref.toString()));
      // Deleting the entry being visited is safe while iterating a Map.
      for (const [key, gone] of filter.reported) {
        if (present.has(key)) continue;
        if (budget <= 0) {
          complete = false;
          break;
        }
        budget--;
        filter.reported.delete(key);
        objectSet.push({ _type: 'ObjectUpdate', kind: 'leave', obj: gone.ref, changeSet: [] });
      }
      if (traversed.length) {
        const keys = watchKeys(selected, traversed);
        if (!sameKeys(keys, watched)) this.services.hub.watch(filter, keys);
      } else if (present !== watched) this.services.hub.watch(filter, present);
      filter.dirty = !complete;
      truncated ||= !complete;
      if (objectSet.length) filterSet.push({ _type: 'PropertyFilterUpdate', filter: filter.ref, objectSet });
    }
    if (!filterSet.length && !full) return undefined;
    state.version++;
    return { _type: 'UpdateSet', version: String(state.version), filterSet, truncated: truncated || undefined };
  }

  private createCollector(ctx: CallContext): ManagedObjectReference {
    const session = ctx.session;
    if (!session) throw new NotAuthenticated(this.ref);
    this.services.usage.addCollector(session);
    const ref = new ManagedObjectReference('PropertyCollector', `session[${session.key}]${randomUUID()}`);
    const collector = new PropertyCollector(ref, this.services, session);
    this.services.registry.add(collector);
    // Removed again when the collector is destroyed, so a session that churns collectors keeps nothing.
    const cleanup = () => collector.dispose();
    session.onEnd.add(cleanup);
    collector.detach = () => {
      session.onEnd.delete(cleanup);
    };
    return ref;
  }

  private destroy(ctx: CallContext): void {
    if (!this.owner) throw new NotSupported('The default property collector cannot be destroyed.');
    this.state(ctx);
    this.dispose();
  }

  private endState(state: CollectorState, forget: () => void): void {
    state.ended = true;
    state.cancelWaiters();
    for (const filter of [...state.filters.values()]) this.removeFilter(state, filter);
    for (const token of [...state.tokens.keys()]) this.dropToken(state, token);
    forget();
  }

  /** Ends a created collector: its waiters get RequestCanceled, its filters go away. */
  dispose(): void {
    if (!this.ownState || this.ownState.ended) return;
    this.services.usage.removeCollector(this.ownState.session);
    this.detach();
    this.endState(this.ownState, () => this.services.registry.remove(this.ref));
  }

  /** Unhooks a created collector from its session's cleanups (set when it is created). */
  private detach: () => void = () => {};
}
