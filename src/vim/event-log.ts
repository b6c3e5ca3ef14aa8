// The events an EventManager keeps: a ring of at most `capacity` events, keyed by numbers that
// grow by one per event and are never reused, so an event is found by key in O(1) and the
// oldest is forgotten in O(1) when a new one arrives at a full ring. Events never change once
// kept; who watches (the history collectors) hears of each one kept and each one forgotten.

import type { ManagedObjectReference } from './data.js';
import type { Event } from './vim-types.js';

/** One kept event and what the filters test, worked out once when it is kept. */
export interface StoredEvent {
  readonly key: number;
  readonly event: Event;
  /** createdTime in milliseconds. */
  readonly time: number;
  /** The entities the event is about (never empty: an event about none belongs to the root folder). */
  readonly entities: readonly ManagedObjectReference[];
  /** What EventFilterSpec.eventTypeId matches: the eventTypeId of an ExtendedEvent or EventEx, else the type name. */
  readonly typeId: string;
  /** EventDescription category: info, warning, error or user. */
  readonly category: string;
}

export interface EventLogListener {
  kept(event: StoredEvent): void;
  forgotten(event: StoredEvent): void;
}

export class EventLog {
  private readonly ring: Array<StoredEvent | undefined>;
  /** Ring index of the oldest event kept. */
  private head = 0;
  private count = 0;
  private nextKeyValue = 1;
  /**
   * A chain starts with the event whose key is its id (a task's TaskEvent, or an event posted on
   * its own), so a chain's first event is found by key. Only the events that join a chain later
   * (posted against a task) are listed here, by chain, oldest first: the index costs nothing for
   * the one-event chains most tasks have.
   */
  private readonly joined = new Map<number, number[]>();
  private readonly listeners = new Set<EventLogListener>();

  constructor(readonly capacity: number) {
    this.ring = new Array(Math.max(1, capacity));
  }

  /** The key the next event kept will get. */
  get nextKey(): number {
    return this.nextKeyValue;
  }

  get size(): number {
    return this.count;
  }

  /** Keeps an event whose key is `nextKey`, forgetting the oldest if the ring is full. */
  keep(stored: StoredEvent): void {
    if (stored.key !== this.nextKeyValue) throw new Error(`event log: key ${stored.key} kept where ${this.nextKeyValue} was next`);
    this.nextKeyValue++;
    if (this.capacity < 1) return;
    if (this.count === this.ring.length) this.forgetOldest();
    this.ring[(this.head + this.count) % this.ring.length] = stored;
    this.count++;
    const chainId = stored.event.chainId;
    if (chainId !== stored.key) {
      const chain = this.joined.get(chainId);
      if (chain) chain.push(stored.key);
      else this.joined.set(chainId, [stored.key]);
    }
    for (const listener of this.listeners) listener.kept(stored);
  }

  private forgetOldest(): void {
    const oldest = this.ring[this.head];
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) % this.ring.length;
    this.count--;
    if (!oldest) return;
    const chainId = oldest.event.chainId;
    if (chainId !== oldest.key) {
      const chain = this.joined.get(chainId);
      // The oldest event of the log is the oldest of those listed for its chain.
      if (chain && chain[0] === oldest.key) chain.shift();
      if (chain && !chain.length) this.joined.delete(chainId);
    }
    for (const listener of this.listeners) listener.forgotten(oldest);
  }

  /**
   * Forgets every event and continues numbering from `nextKey` (never going back, so no key is
   * reused): a state restore replaces the tasks the events were about.
   */
  restart(nextKey: number): void {
    while (this.count) this.forgetOldest();
    this.head = 0;
    this.nextKeyValue = Math.max(this.nextKeyValue, nextKey);
  }

  get(key: number): StoredEvent | undefined {
    const oldest = this.oldestKey();
    if (oldest === undefined || key < oldest || key >= oldest + this.count || !Number.isInteger(key)) return undefined;
    return this.ring[(this.head + (key - oldest)) % this.ring.length];
  }

  oldestKey(): number | undefined {
    return this.count ? this.ring[this.head]?.key : undefined;
  }

  newest(): StoredEvent | undefined {
    return this.count ? this.ring[(this.head + this.count - 1) % this.ring.length] : undefined;
  }

  /** Every event kept, newest first. */
  *newestFirst(): IterableIterator<StoredEvent> {
    for (let i = this.count - 1; i >= 0; i--) {
      const event = this.ring[(this.head + i) % this.ring.length];
      if (event) yield event;
    }
  }

  /** The events of one chain still kept, newest first. */
  *chainNewestFirst(chainId: number): IterableIterator<StoredEvent> {
    const joined = this.joined.get(chainId) ?? [];
    for (let i = joined.length - 1; i >= 0; i--) {
      const event = this.get(joined[i]);
      if (event) yield event;
    }
    const first = this.get(chainId);
    if (first && first.event.chainId === chainId) yield first;
  }

  listen(listener: EventLogListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
