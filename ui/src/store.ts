// The tasks the page knows, as the server last described them. Stream messages are only
// queued as they arrive (keeping the latest row per task, so the queue never outgrows the task
// list even in a background tab) and applied once per animation frame.

import { isTerminal } from './format.js';
import type { Delta, Labels, Snapshot, TaskRow } from './protocol.js';

export interface Applied {
  /** Anything at all changed. */
  readonly changed: boolean;
  /** Tasks were added or removed (the order and the filter options may differ). */
  readonly structural: boolean;
  /** Keys whose rows changed. */
  readonly updated: ReadonlySet<string>;
  /** Tasks that completed since the last frame (not those a snapshot brought). */
  readonly completed: readonly TaskRow[];
}

function keyNumber(key: string): number {
  const match = /(\d+)$/.exec(key);
  return match ? Number(match[1]) : -1;
}

/** Newest first, as Recent Tasks lists them. */
function newestFirst(a: TaskRow, b: TaskRow): number {
  return keyNumber(b.key) - keyNumber(a.key) || (a.key < b.key ? 1 : a.key > b.key ? -1 : 0);
}

export class TaskStore {
  private readonly rows = new Map<string, TaskRow>();
  private labels: Labels = {};
  private sorted: TaskRow[] | undefined;
  /** Server clock minus this page's clock. */
  private clockSkew = 0;
  /** True once a snapshot has been applied (before it, the page knows nothing). */
  ready = false;

  private pendingSnapshot: Snapshot | undefined;
  private readonly pendingRows = new Map<string, TaskRow | undefined>();
  private pendingLabels: Labels | undefined;
  private pendingNow: number | undefined;

  get size(): number {
    return this.rows.size;
  }

  get(key: string): TaskRow | undefined {
    return this.rows.get(key);
  }

  label(row: TaskRow): string {
    return this.labels[row.type] || row.type;
  }

  labelOf(type: string): string {
    return this.labels[type] || type;
  }

  now(): number {
    return Date.now() + this.clockSkew;
  }

  /** Every task, newest first (kept until a task is added or removed). */
  all(): readonly TaskRow[] {
    this.sorted ??= [...this.rows.values()].sort(newestFirst);
    return this.sorted;
  }

  children(key: string): TaskRow[] {
    return this.all()
      .filter((row) => row.parent === key)
      .reverse();
  }

  queueSnapshot(snapshot: Snapshot): void {
    this.pendingSnapshot = snapshot;
    this.pendingRows.clear();
    this.pendingLabels = undefined;
    this.pendingNow = snapshot.now;
  }

  queueDelta(delta: Delta): void {
    for (const row of delta.upsert) this.pendingRows.set(row.key, row);
    for (const key of delta.remove) this.pendingRows.set(key, undefined);
    if (delta.labels) this.pendingLabels = delta.labels;
    this.pendingNow = delta.now;
  }

  /** Forgets everything (the page lost its right to see tasks). */
  clear(): void {
    this.rows.clear();
    this.pendingRows.clear();
    this.pendingSnapshot = undefined;
    this.pendingLabels = undefined;
    this.labels = {};
    this.sorted = undefined;
    this.ready = false;
  }

  /** Applies what arrived since the last frame. */
  applyPending(): Applied {
    let structural = false;
    let changed = false;
    const updated = new Set<string>();
    const completed: TaskRow[] = [];
    if (this.pendingNow !== undefined) this.clockSkew = this.pendingNow - Date.now();
    this.pendingNow = undefined;
    const snapshot = this.pendingSnapshot;
    if (snapshot) {
      this.pendingSnapshot = undefined;
      this.rows.clear();
      for (const row of snapshot.tasks) this.rows.set(row.key, row);
      this.labels = snapshot.labels;
      this.ready = true;
      structural = changed = true;
    }
    if (this.pendingLabels) {
      this.labels = this.pendingLabels;
      this.pendingLabels = undefined;
      structural = changed = true;
    }
    for (const [key, row] of this.pendingRows) {
      const old = this.rows.get(key);
      if (row === undefined) {
        if (old && this.rows.delete(key)) structural = changed = true;
        continue;
      }
      if (!old) structural = true;
      if (isTerminal(row) && (!old || !isTerminal(old))) completed.push(row);
      this.rows.set(key, row);
      updated.add(key);
      changed = true;
    }
    this.pendingRows.clear();
    if (structural) this.sorted = undefined;
    else if (updated.size && this.sorted) {
      // Same tasks, new rows: swap them in place rather than sorting again.
      for (let i = 0; i < this.sorted.length; i++) {
        const key = this.sorted[i].key;
        const row = updated.has(key) ? this.rows.get(key) : undefined;
        if (row) this.sorted[i] = row;
      }
    }
    return { changed, structural, updated, completed };
  }
}
