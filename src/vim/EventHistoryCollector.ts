// vim.EventHistoryCollector: the kept events matching an EventFilterSpec, with a "viewable
// latest page" (latestPage, newest first as vCenter and govmomi's event follower expect) and
// the scrollable cursor the task history collectors use too (history-pages.ts).
//
// The matching keys are an ordered set kept event by event: a new event costs one filter test
// per open collector, a forgotten one a set delete. The page is the newest pageSize members, so
// reading it costs its length in set steps; only creating a collector reads the whole ring once.

import type { ManagedObjectReference, VimValue } from './data.js';
import type { EventLog, EventLogListener, StoredEvent } from './event-log.js';
import type { EventPredicate } from './event-filter.js';
import { checkPageSize, DEFAULT_PAGE_SIZE, HistoryCursor } from './history-pages.js';
import { ManagedObject, type Methods } from './managed-object.js';
import type { ObjectRegistry } from './registry.js';
import type { Session } from './session.js';
import { TaskNumberSet } from './task-number-set.js';
import type { Event, EventFilterSpec } from './vim-types.js';

/** The event as a reader sees it: without its message when the filter says disableFullMessage. */
export function eventView(event: Event, disableFullMessage: boolean | undefined): Event {
  if (!disableFullMessage || event.fullFormattedMessage === undefined) return event;
  const { fullFormattedMessage: _dropped, ...rest } = event;
  return rest;
}

export class EventHistoryCollector extends ManagedObject implements EventLogListener {
  readonly typeChain = ['EventHistoryCollector', 'HistoryCollector', 'ManagedObject'];
  readonly propertyTypes = { latestPage: 'ArrayOfEvent', filter: 'xsd:anyType' };
  private pageSize = DEFAULT_PAGE_SIZE;
  private readonly members = new TaskNumberSet();
  private readonly cursor = new HistoryCursor(this.members);
  private readonly stopListening: () => void;
  private destroyed = false;

  constructor(
    readonly ref: ManagedObjectReference,
    private readonly spec: EventFilterSpec,
    private readonly matches: EventPredicate,
    private readonly log: EventLog,
    private readonly registry: ObjectRegistry,
    readonly owner: Session,
    private readonly onDestroy: (collector: EventHistoryCollector) => void,
  ) {
    super();
    for (const event of log.newestFirst()) if (matches(event)) this.members.add(event.key);
    this.stopListening = log.listen(this);
  }

  readonly methods: Methods<
    'ReadNextEvents' | 'ReadPreviousEvents' | 'SetCollectorPageSize' | 'RewindCollector' | 'ResetCollector' | 'DestroyCollector',
    EventHistoryCollector
  > = {
    ReadNextEvents: (_ctx, args) => this.cursor.readNext(args.maxCount, this.eventOf),
    ReadPreviousEvents: (_ctx, args) => this.cursor.readPrevious(args.maxCount, this.eventOf),
    SetCollectorPageSize: (_ctx, args) => {
      this.pageSize = checkPageSize(args.maxCount);
      this.pageChanged();
    },
    RewindCollector: () => this.cursor.rewind(),
    ResetCollector: () => this.cursor.resetBefore(this.pageKeys().at(-1)),
    DestroyCollector: () => this.destroy(),
  };

  /** Another session's collector does not exist for the caller, as in vCenter. */
  override visibleTo(session: Session | undefined): boolean {
    return session === this.owner;
  }

  getProperty(name: string): VimValue | undefined {
    if (name === 'latestPage') return this.latestPage();
    if (name === 'filter') return this.spec;
    return undefined;
  }

  kept(event: StoredEvent): void {
    if (!this.matches(event)) return;
    this.members.add(event.key);
    // A new event is the newest member, so it is on any page that holds anything.
    if (this.pageSize > 0) this.pageChanged();
  }

  forgotten(event: StoredEvent): void {
    const before = this.members.size;
    if (!this.members.delete(event.key)) return;
    // The forgotten event was the oldest member: on the page only if the page held every member.
    if (before <= this.pageSize) this.pageChanged();
  }

  private readonly eventOf = (key: number): Event | undefined => {
    const stored = this.log.get(key);
    return stored && eventView(stored.event, this.spec.disableFullMessage);
  };

  /** The keys on the latest page, newest first. */
  private pageKeys(): number[] {
    const keys: number[] = [];
    for (let key = this.members.max(); key !== undefined && keys.length < this.pageSize; key = this.members.prev(key)) keys.push(key);
    return keys;
  }

  latestPage(): Event[] {
    const page: Event[] = [];
    for (const key of this.pageKeys()) {
      const event = this.eventOf(key);
      if (event) page.push(event);
    }
    return page;
  }

  private pageChanged(): void {
    this.registry.changed(this, ['latestPage']);
  }

  destroy(): void {
    if (!this.destroyed) this.stopListening();
    this.destroyed = true;
    this.registry.remove(this.ref);
    this.onDestroy(this);
  }
}
