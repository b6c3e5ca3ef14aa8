// What the task and event history collectors share: the bounds on page and read sizes, the
// scrollable cursor over an ordered set of item numbers (task numbers, event keys), and which
// session owns which collectors. The cursor is a number, not an index, so items added or
// forgotten while a client pages never make it skip or repeat one.

import { InvalidArgument, InvalidState, NotAuthenticated } from './faults.js';
import type { ManagedObjectReference } from './data.js';
import type { Session } from './session.js';

export const DEFAULT_PAGE_SIZE = 10;
/** The largest latest page and the most items one ReadNext/ReadPrevious call returns. */
export const MAX_PAGE_SIZE = 1000;

/** Item numbers in order: what a cursor steps along (TaskNumberSet is one). */
export interface OrderedNumbers {
  /** The smallest member greater than n. */
  next(n: number): number | undefined;
  /** The largest member smaller than n. */
  prev(n: number): number | undefined;
  max(): number | undefined;
}

export function checkReadCount(maxCount: number): number {
  if (maxCount < 1 || maxCount > MAX_PAGE_SIZE) throw new InvalidArgument('maxCount', `maxCount must be between 1 and ${MAX_PAGE_SIZE}.`);
  return maxCount;
}

export function checkPageSize(maxCount: number): number {
  if (maxCount < 0 || maxCount > MAX_PAGE_SIZE) throw new InvalidArgument('maxCount', `maxCount must be between 0 and ${MAX_PAGE_SIZE}.`);
  return maxCount;
}

/**
 * The "scrollable view" of a history collector. It starts at the oldest end; ReadNext returns
 * newer items oldest first, ReadPrevious older ones newest first, so reading back to the start
 * sees every item once. Each read costs its length in set steps, whatever the set holds.
 */
export class HistoryCursor {
  /** The cursor sits after every member numbered ≤ this. */
  private position = 0;

  constructor(private readonly numbers: OrderedNumbers) {}

  /** At most `maxCount` items newer than the cursor, oldest first; `itemAt` skips numbers it has nothing for. */
  readNext<T>(maxCount: number, itemAt: (n: number) => T | undefined): T[] {
    const count = checkReadCount(maxCount);
    const page: T[] = [];
    for (let n = this.numbers.next(this.position); n !== undefined && page.length < count; n = this.numbers.next(n)) {
      this.position = n;
      const item = itemAt(n);
      if (item !== undefined) page.push(item);
    }
    return page;
  }

  /** At most `maxCount` items older than the cursor, newest first. */
  readPrevious<T>(maxCount: number, itemAt: (n: number) => T | undefined): T[] {
    const count = checkReadCount(maxCount);
    const page: T[] = [];
    for (let n = this.numbers.prev(this.position + 1); n !== undefined && page.length < count; n = this.numbers.prev(n)) {
      this.position = n - 1;
      const item = itemAt(n);
      if (item !== undefined) page.push(item);
    }
    return page;
  }

  /** To the oldest end (RewindCollector). */
  rewind(): void {
    this.position = 0;
  }

  /** Just before `first`, the oldest item of the latest page; past every item when the page is empty (ResetCollector). */
  resetBefore(first: number | undefined): void {
    this.position = first !== undefined ? first - 1 : (this.numbers.max() ?? 0);
  }
}

/** A collector a session owns: destroying it (or the session ending) gives its place back. */
export interface OwnedCollector {
  destroy(): void;
}

/**
 * The collectors each session holds, at most `max` per session (maxCollector): they die with
 * their session, and the ones a session destroys give their place back.
 */
export class SessionCollectors<C extends OwnedCollector> {
  private readonly bySession = new Map<Session, Set<C>>();

  constructor(
    private readonly max: number,
    private readonly what: string,
  ) {}

  /** Makes a collector for the session; `create` gets the function its destroy must call. */
  add(session: Session | undefined, self: ManagedObjectReference, create: (session: Session, release: (collector: C) => void) => C): C {
    if (!session) throw new NotAuthenticated(self);
    let owned = this.bySession.get(session);
    if (!owned) {
      const created = new Set<C>();
      this.bySession.set(session, (owned = created));
      session.onEnd.add(() => {
        for (const collector of [...created]) collector.destroy();
        this.bySession.delete(session);
      });
    }
    if (owned.size >= this.max) {
      throw new InvalidState(`This session already has ${owned.size} ${this.what} (maxCollector); destroy one first.`);
    }
    const set = owned;
    const collector = create(session, (c) => set.delete(c));
    set.add(collector);
    return collector;
  }
}
