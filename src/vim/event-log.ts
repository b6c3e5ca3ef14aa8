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
  /** Keys of each event chain still kept, oldest first (QueryEvents by eventChainId reads this, not the ring). */
  private readonly chains = new Map<number, number[]>();
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

  /** Keeps the event `make` builds with its key and chain id, forgetting the oldest if the ring is full. */
  keep(make: (key: number) => StoredEvent): StoredEvent {
    const stored = make(this.nextKeyValue++);
    if (this.capacity < 1) return stored;
    if (this.count === this.ring.length) this.forgetOldest();
    this.ring[(this.head + this.count) % this.ring.length] = stored;
    this.count++;
    const chain = this.chains.get(stored.event.chainId);
    if (chain) chain.push(stored.key);
    else this.chains.set(stored.event.chainId, [stored.key]);
    for (const listener of this.listeners) listener.kept(stored);
    return stored;
  }

  private forgetOldest(): void {
    const oldest = this.ring[this.head];
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) % this.ring.length;
    this.count--;
    if (!oldest) return;
    const chain = this.chains.get(oldest.event.chainId);
    // The oldest event of the log is the oldest of its chain.
    if (chain && chain[0] === oldest.key) chain.shift();
    if (chain && !chain.length) this.chains.delete(oldest.event.chainId);
    for (const listener of this.listeners) listener.forgotten(oldest);
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

  /** The keys of one chain still kept, oldest first. */
  chain(chainId: number): readonly number[] {
    return this.chains.get(chainId) ?? [];
  }

  listen(listener: EventLogListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
