// vim.TaskHistoryCollector: the tasks matching a TaskFilterSpec, oldest first, with a
// "viewable latest page" (latestPage, watched through the PropertyCollector) and a scrollable
// cursor (history-pages.ts, shared with the event history collectors).

import type { ManagedObjectReference, VimValue } from './data.js';
import { ManagedObject, type Methods } from './managed-object.js';
import type { ObjectRegistry } from './registry.js';
import type { Session } from './session.js';
import type { TaskPredicate } from './task-filter.js';
import { checkPageSize, DEFAULT_PAGE_SIZE, HistoryCursor } from './history-pages.js';
import type { MatchingTasks, MatchListener, TaskHistoryIndex } from './task-history-index.js';
import type { TaskFilterSpec, TaskInfo } from './vim-types.js';

export class TaskHistoryCollector extends ManagedObject implements MatchListener {
  readonly typeChain = ['TaskHistoryCollector', 'HistoryCollector', 'ManagedObject'];
  readonly propertyTypes = { latestPage: 'ArrayOfTaskInfo', filter: 'xsd:anyType' };
  private pageSize = DEFAULT_PAGE_SIZE;
  private readonly cursor: HistoryCursor;
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
    this.cursor = new HistoryCursor(this.matching.numbers);
    this.fillPage();
  }

  readonly methods: Methods<
    'ReadNextTasks' | 'ReadPreviousTasks' | 'SetCollectorPageSize' | 'RewindCollector' | 'ResetCollector' | 'DestroyCollector',
    TaskHistoryCollector
  > = {
    ReadNextTasks: (_ctx, args) => this.cursor.readNext(args.maxCount, this.infoOf),
    ReadPreviousTasks: (_ctx, args) => this.cursor.readPrevious(args.maxCount, this.infoOf),
    SetCollectorPageSize: (_ctx, args) => this.setPageSize(args.maxCount),
    RewindCollector: () => this.cursor.rewind(),
    ResetCollector: () => this.cursor.resetBefore(this.pageCount ? this.pageStart : undefined),
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

  private readonly infoOf = (number: number): TaskInfo | undefined => this.index.task(number)?.info;

  latestPage(): TaskInfo[] {
    const page: TaskInfo[] = [];
    const numbers = this.matching.numbers;
    for (let n: number | undefined = this.pageCount ? this.pageStart : undefined; n !== undefined && page.length < this.pageCount; n = numbers.next(n)) {
      const info = this.infoOf(n);
      if (info) page.push(info);
    }
    return page;
  }

  private setPageSize(maxCount: number): void {
    this.pageSize = checkPageSize(maxCount);
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
