// vim.TaskHistoryCollector: the tasks matching a TaskFilterSpec, oldest first, with a
// "viewable latest page" (latestPage, watched through the PropertyCollector) and a scrollable
// cursor. The cursor is a task number, not an index, so tasks created or evicted while a client
// pages never make it skip or repeat a task.

import type { ManagedObjectReference, VimValue } from './data.js';
import { InvalidArgument } from './faults.js';
import { ManagedObject, type Methods } from './managed-object.js';
import type { ObjectRegistry } from './registry.js';
import type { Session } from './session.js';
import type { TaskPredicate } from './task-filter.js';
import { taskNumber, type MatchingTasks, type MatchListener, type TaskHistoryIndex } from './task-history-index.js';
import type { TaskFilterSpec, TaskInfo } from './vim-types.js';

export const DEFAULT_PAGE_SIZE = 10;
export const MAX_PAGE_SIZE = 1000;

export class TaskHistoryCollector extends ManagedObject implements MatchListener {
  readonly typeChain = ['TaskHistoryCollector', 'HistoryCollector', 'ManagedObject'];
  readonly propertyTypes = { latestPage: 'ArrayOfTaskInfo', filter: 'xsd:anyType' };
  private pageSize = DEFAULT_PAGE_SIZE;
  /** The cursor sits after every matching task numbered ≤ this. */
  private cursor = 0;
  /** The tasks the filter selects, in order (shared with collectors whose filter is the same). */
  private readonly matching: MatchingTasks;
  /**
   * The latest page is the `pageCount` matching tasks numbered `pageStart` or more: the newest
   * min(pageSize, matching) of them. Kept change by change in O(log n), so no task change ever
   * scans the tasks; the page's TaskInfos are gathered only when it is read.
   */
  private pageStart = Infinity;
  private pageCount = 0;
  private destroyed = false;

  constructor(
    readonly ref: ManagedObjectReference,
    private readonly spec: TaskFilterSpec,
    matches: TaskPredicate,
    private readonly index: TaskHistoryIndex,
    private readonly registry: ObjectRegistry,
    readonly owner: Session,
    private readonly onDestroy: (collector: TaskHistoryCollector) => void,
  ) {
    super();
    this.matching = index.open(spec, matches, this);
    this.fillPage();
  }

  readonly methods: Methods<
    'ReadNextTasks' | 'ReadPreviousTasks' | 'SetCollectorPageSize' | 'RewindCollector' | 'ResetCollector' | 'DestroyCollector',
    TaskHistoryCollector
  > = {
    ReadNextTasks: (_ctx, args) => this.readNext(args.maxCount),
    ReadPreviousTasks: (_ctx, args) => this.readPrevious(args.maxCount),
    SetCollectorPageSize: (_ctx, args) => this.setPageSize(args.maxCount),
    RewindCollector: () => {
      this.cursor = 0;
    },
    ResetCollector: () => {
      this.cursor = this.pageCount ? this.pageStart - 1 : (this.matching.numbers.max() ?? 0);
    },
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

  /**
   * Moves the page for a change of one task that matches or matched, at most one step along the
   * set, and announces latestPage exactly when the task was on the page or is on it now.
   */
  matchChanged(number: number, wasMember: boolean, isMember: boolean): void {
    const wasOnPage = wasMember && number >= this.pageStart;
    if (wasMember && isMember) {
      if (wasOnPage) this.pageChanged();
      return;
    }
    const numbers = this.matching.numbers;
    if (isMember) {
      if (this.pageCount < this.pageSize) {
        // The page holds every matching task, so it takes this one too.
        this.pageCount++;
        if (number < this.pageStart) this.pageStart = number;
        this.pageChanged();
      } else if (number > this.pageStart) {
        // A full page takes a task newer than its oldest, which leaves.
        this.pageStart = numbers.next(this.pageStart) ?? number;
        this.pageChanged();
      }
      return;
    }
    if (!wasOnPage) return;
    // A task left the page: the newest older matching task, if any, takes its place.
    const older = numbers.prev(this.pageStart);
    if (older !== undefined) {
      this.pageStart = older;
    } else {
      this.pageCount--;
      if (number === this.pageStart) this.pageStart = numbers.next(number) ?? Infinity;
    }
    this.pageChanged();
  }

  private pageChanged(): void {
    this.registry.changed(this, ['latestPage']);
  }

  /** Sets the page from the newest matching tasks (at creation and when the page size changes). */
  private fillPage(): void {
    this.pageStart = Infinity;
    this.pageCount = 0;
    const numbers = this.matching.numbers;
    for (let n = numbers.max(); n !== undefined && this.pageCount < this.pageSize; n = numbers.prev(n)) {
      this.pageStart = n;
      this.pageCount++;
    }
  }

  /** The TaskInfos of at most `count` matching tasks from `first` on, stepping up (next) or down (prev). */
  private infosFrom(first: number | undefined, count: number, step: 'next' | 'prev'): TaskInfo[] {
    const page: TaskInfo[] = [];
    const numbers = this.matching.numbers;
    for (let n = first; n !== undefined && page.length < count; n = numbers[step](n)) {
      const task = this.index.task(n);
      if (task) page.push(task.info);
    }
    return page;
  }

  latestPage(): TaskInfo[] {
    return this.pageCount ? this.infosFrom(this.pageStart, this.pageCount, 'next') : [];
  }

  private checkMaxCount(maxCount: number): number {
    if (maxCount < 1 || maxCount > MAX_PAGE_SIZE) throw new InvalidArgument('maxCount', `maxCount must be between 1 and ${MAX_PAGE_SIZE}.`);
    return maxCount;
  }

  private readNext(requested: number): TaskInfo[] {
    const maxCount = this.checkMaxCount(requested);
    const page = this.infosFrom(this.matching.numbers.next(this.cursor), maxCount, 'next');
    if (page.length) this.cursor = taskNumber(page[page.length - 1].key);
    return page;
  }

  /** Older tasks, newest first, so reading back to the start sees every task once, newest to oldest. */
  private readPrevious(requested: number): TaskInfo[] {
    const maxCount = this.checkMaxCount(requested);
    const page = this.infosFrom(this.matching.numbers.prev(this.cursor + 1), maxCount, 'prev');
    if (page.length) this.cursor = taskNumber(page[page.length - 1].key) - 1;
    return page;
  }

  private setPageSize(maxCount: number): void {
    if (maxCount < 0 || maxCount > MAX_PAGE_SIZE) throw new InvalidArgument('maxCount', `maxCount must be between 0 and ${MAX_PAGE_SIZE}.`);
    this.pageSize = maxCount;
    this.fillPage();
    this.pageChanged();
  }

  destroy(): void {
    if (!this.destroyed) this.index.close(this.matching, this);
    this.destroyed = true;
    this.registry.remove(this.ref);
    this.onDestroy(this);
  }
}
