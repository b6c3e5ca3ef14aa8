// The tasks each TaskHistoryCollector's filter selects, kept in task order as tasks change, for
// all collectors of one TaskManager. One registry subscription serves every collector, and
// collectors with equal filters share one ordered set of task numbers: a task change costs one
// filter test and one set update per distinct filter, then at most one step along the set per
// collector, whose latest page is a window on it. (One subscription per collector made every
// collector's own change announcement visit every other collector: the cost grew with their
// square.)

import type { ManagedObjectReference } from './data.js';
import type { TaskFilterSpec } from './vim-types.js';
import type { ObjectRegistry } from './registry.js';
import { taskFilterKey, type TaskPredicate } from './task-filter.js';
import { TaskNumberSet } from './task-number-set.js';
import { Task } from './Task.js';

export interface TaskSource {
  /** Every task held, in creation order. */
  allTasks(): IterableIterator<Task>;
  task(key: string): Task | undefined;
}

/** A task's number: task-42 is 42. Numbers grow with creation and are never reused. */
export function taskNumber(key: string): number {
  return Number(key.slice(key.lastIndexOf('-') + 1));
}

export interface MatchListener {
  /**
   * A task that matches the filter, or did before, changed: it was a member before and is one
   * now (the set is already updated), or it was forgotten (isMember false).
   */
  matchChanged(number: number, wasMember: boolean, isMember: boolean): void;
}

/** The tasks one filter selects, as task numbers, and the collectors that use them. */
export class MatchingTasks {
  readonly numbers = new TaskNumberSet();
  readonly listeners = new Set<MatchListener>();

  constructor(
    readonly matches: TaskPredicate,
    readonly key: string | undefined,
  ) {}
}

export class TaskHistoryIndex {
  /** Sets for specs with a key, by key; each set is also in `sets`. */
  private readonly shared = new Map<string, MatchingTasks>();
  private readonly sets = new Set<MatchingTasks>();
  /** Every task held, by number, while any collector is open. */
  private readonly byNumber = new Map<number, Task>();
  private readonly unsubscribe: Array<() => void> = [];

  constructor(
    private readonly registry: ObjectRegistry,
    private readonly tasks: TaskSource,
  ) {}

  /** The tasks a filter selects, kept up to date for `listener` until it closes them. */
  open(spec: TaskFilterSpec, matches: TaskPredicate, listener: MatchListener): MatchingTasks {
    if (!this.sets.size) this.subscribe();
    const key = taskFilterKey(spec);
    let set = key === undefined ? undefined : this.shared.get(key);
    if (!set) {
      set = new MatchingTasks(matches, key);
      for (const [number, task] of this.byNumber) if (matches(task.info)) set.numbers.add(number);
      this.sets.add(set);
      if (key !== undefined) this.shared.set(key, set);
    }
    set.listeners.add(listener);
    return set;
  }

  close(set: MatchingTasks, listener: MatchListener): void {
    if (!set.listeners.delete(listener) || set.listeners.size) return;
    this.sets.delete(set);
    if (set.key !== undefined) this.shared.delete(set.key);
    if (!this.sets.size) {
      for (const stop of this.unsubscribe.splice(0)) stop();
      this.byNumber.clear();
    }
  }

  /** A held task by number. */
  task(number: number): Task | undefined {
    return this.byNumber.get(number);
  }

  private subscribe(): void {
    for (const task of this.tasks.allTasks()) this.byNumber.set(taskNumber(task.key), task);
    this.unsubscribe.push(
      this.registry.onChange((object) => {
        if (object instanceof Task) this.taskChanged(object);
      }),
      this.registry.onRemove((ref) => {
        if (ref.type === 'Task') this.taskRemoved(ref);
      }),
    );
  }

  private taskChanged(task: Task): void {
    // A late change to a task no longer held (none is expected) must not bring it back.
    if (this.tasks.task(task.key) !== task) return;
    const number = taskNumber(task.key);
    this.byNumber.set(number, task);
    for (const set of this.sets) {
      const was = set.numbers.has(number);
      const is = set.matches(task.info);
      if (!was && !is) continue;
      if (!was) set.numbers.add(number);
      else if (!is) set.numbers.delete(number);
      for (const listener of set.listeners) listener.matchChanged(number, was, is);
    }
  }

  private taskRemoved(ref: ManagedObjectReference): void {
    const number = taskNumber(ref.value);
    this.byNumber.delete(number);
    for (const set of this.sets) {
      if (!set.numbers.delete(number)) continue;
      for (const listener of set.listeners) listener.matchChanged(number, true, false);
    }
  }
}
