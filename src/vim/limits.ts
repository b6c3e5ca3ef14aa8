// The bounds on what clients can make the server hold: sessions, property filters, created
// property collectors, paging tokens, waiting calls, the size of any string they store and the
// events kept.
// Each is a setting (src/server/config.ts); past one, the client gets LimitExceeded naming it.

import { ManagedObjectReference, OpaqueXml, TypedValue, type VimValue } from './data.js';
import { LimitExceeded } from './faults.js';
import type { Session } from './session.js';

export interface StateLimits {
  /** Sessions logged in at once, all users together. */
  readonly maxSessions: number;
  /** Sessions logged in at once under one user name. */
  readonly maxSessionsPerUser: number;
  /** Property filters one session holds, across all its property collectors. */
  readonly maxFiltersPerSession: number;
  /** Property collectors one session has created (CreatePropertyCollector). */
  readonly maxCollectorsPerSession: number;
  /** RetrievePropertiesEx paging tokens one session holds, across all its property collectors. */
  readonly maxRetrieveTokens: number;
  /** A paging token not continued for this long is forgotten. */
  readonly retrieveTokenIdleMs: number;
  /** WaitForUpdates[Ex] calls blocked at once, all sessions together. */
  readonly maxWaiters: number;
  /** The longest string (in UTF-8 bytes) any argument may carry. */
  readonly maxStringBytes: number;
  /** Views (list and container views) one session holds at once. */
  readonly maxViewsPerSession: number;
  /** Objects one list view holds; the default is the decoder's bound on one list in a request. */
  readonly maxListViewItems: number;
  /** Events the EventManager keeps; past it the oldest are forgotten (a ring). */
  readonly maxEvents: number;
}

export const DEFAULT_STATE_LIMITS: StateLimits = {
  maxSessions: 10_000,
  maxSessionsPerUser: 5_000,
  maxFiltersPerSession: 1_000,
  maxCollectorsPerSession: 100,
  maxRetrieveTokens: 16,
  retrieveTokenIdleMs: 5 * 60_000,
  maxWaiters: 10_000,
  maxStringBytes: 64 * 1024,
  maxViewsPerSession: 100,
  maxListViewItems: 10_000,
  maxEvents: 10_000,
};

interface SessionUsage {
  filters: number;
  collectors: number;
  tokens: number;
}

/**
 * Counts what each session holds in the property collectors, and the calls waiting in all of
 * them. One per inventory (shared by the default collector and every created one), so many
 * emulators in one process count apart.
 */
export class CollectorUsage {
  private readonly bySession = new WeakMap<Session, SessionUsage>();
  private waiting = 0;

  constructor(readonly limits: StateLimits) {}

  private of(session: Session): SessionUsage {
    let usage = this.bySession.get(session);
    if (!usage) this.bySession.set(session, (usage = { filters: 0, collectors: 0, tokens: 0 }));
    return usage;
  }

  private take(session: Session, kind: keyof SessionUsage, limitName: keyof StateLimits, what: string): void {
    const usage = this.of(session);
    const limit = this.limits[limitName];
    if (usage[kind] >= limit) throw new LimitExceeded(limitName, limit, `This session already holds ${usage[kind]} ${what}; destroy one first`);
    usage[kind]++;
  }

  private give(session: Session, kind: keyof SessionUsage): void {
    const usage = this.bySession.get(session);
    if (usage && usage[kind] > 0) usage[kind]--;
  }

  addFilter(session: Session): void {
    this.take(session, 'filters', 'maxFiltersPerSession', 'property filters');
  }

  removeFilter(session: Session): void {
    this.give(session, 'filters');
  }

  addCollector(session: Session): void {
    this.take(session, 'collectors', 'maxCollectorsPerSession', 'property collectors');
  }

  removeCollector(session: Session): void {
    this.give(session, 'collectors');
  }

  addToken(session: Session): void {
    this.take(session, 'tokens', 'maxRetrieveTokens', 'unfinished RetrievePropertiesEx results (continue or cancel them)');
  }

  removeToken(session: Session): void {
    this.give(session, 'tokens');
  }

  /** Admits one more blocked wait, or refuses it; `endWait` gives the place back. */
  beginWait(): void {
    if (this.waiting >= this.limits.maxWaiters) {
      throw new LimitExceeded('maxWaiters', this.limits.maxWaiters, `The server already has ${this.waiting} calls waiting for updates`);
    }
    this.waiting++;
  }

  endWait(): void {
    if (this.waiting > 0) this.waiting--;
  }

  get waiters(): number {
    return this.waiting;
  }
}

/**
 * Refuses an argument holding a string longer than maxStringBytes (UTF-8), naming where it is.
 * Refused rather than cut: a client that reads back what it wrote must get it back unchanged,
 * or be told at once; a silently shortened description would be a wrong answer later.
 */
export function checkStringSizes(args: Readonly<Record<string, VimValue | undefined>>, maxBytes: number): void {
  for (const [name, value] of Object.entries(args)) if (value !== undefined) checkValue(value, name, maxBytes);
}

function checkValue(value: VimValue, where: string, maxBytes: number): void {
  if (typeof value === 'string') {
    // Three bytes per UTF-16 unit at most: only strings that might be too long are measured.
    if (value.length * 3 > maxBytes && Buffer.byteLength(value, 'utf8') > maxBytes) {
      throw new LimitExceeded('maxStringBytes', maxBytes, `The string ${where} is longer than the emulator stores`);
    }
    return;
  }
  if (typeof value !== 'object') return;
  if (value instanceof ManagedObjectReference) {
    checkValue(value.value, `${where}.value`, maxBytes);
    return;
  }
  if (value instanceof TypedValue) {
    checkValue(value.value, where, maxBytes);
    return;
  }
  if (value instanceof OpaqueXml) {
    checkValue(value.xml, where, maxBytes);
    return;
  }
  if (Array.isArray(value)) {
    const items: readonly VimValue[] = value;
    for (let i = 0; i < items.length; i++) checkValue(items[i], `${where}[${i}]`, maxBytes);
    return;
  }
  for (const [field, item] of Object.entries(value)) if (item !== undefined && field !== '_type') checkValue(item, `${where}.${field}`, maxBytes);
}
