// vim.TaskHistoryCollector: the tasks matching a TaskFilterSpec, oldest first, with a
// "viewable latest page" (latestPage, watched through the PropertyCollector) and a scrollable
// cursor. The cursor is a task number, not an index, so tasks created or evicted while a client
// pages never make it skip or repeat a task.

import { ManagedObjectReference, type DataObject, type VimValue } from './data.js';
import { InvalidArgument } from './faults.js';
import { ManagedObject, type Methods } from './managed-object.js';
import type { ObjectRegistry } from './registry.js';
import type { Session } from './session.js';
import type { TaskPredicate } from './task-filter.js';
import { Task } from './Task.js';
import type { TaskInfo } from './vim-types.js';

export const DEFAULT_PAGE_SIZE = 10;
export const MAX_PAGE_SIZE = 1000;

export interface TaskSource {
  /** Every task held, in creation order. */
  allTasks(): IterableIterator<Task>;
  task(key: string): Task | undefined;
}

export function taskNumber(key: string): number {
  return Number(key.slice(key.lastIndexOf('-') + 1));
}

export class TaskHistoryCollector extends ManagedObject {
  readonly typeChain = ['TaskHistoryCollector', 'HistoryCollector', 'ManagedObject'];
  readonly propertyTypes = { latestPage: 'ArrayOfTaskInfo', filter: 'xsd:anyType' };
  private pageSize = DEFAULT_PAGE_SIZE;
  /** The cursor sits after every matching task numbered ≤ this. */
  private cursor = 0;
  private readonly unsubscribe: Array<() => void> = [];
  /**
   * The keys of the latest page, oldest first, kept up to date change by change: a task change
   * costs O(page size), and the scan of every task (O(tasks held)) is left to the rare change
   * that can reorder the page, such as an older task starting or ceasing to match.
   */
  private lastPage: readonly string[] = [];

  constructor(
    readonly ref: ManagedObjectReference,
    private readonly spec: DataObject,
    private readonly matches: TaskPredicate,
    private readonly tasks: TaskSource,
    private readonly registry: ObjectRegistry,
    readonly owner: Session,
    private readonly onDestroy: (collector: TaskHistoryCollector) => void,
  ) {
    super();
    // Watches task changes itself: tasks never call collectors.
    this.unsubscribe.push(
      registry.onChange((object) => {
        if (object instanceof Task) this.taskChanged(object);
      }),
      registry.onRemove((ref) => {
        if (ref.type === 'Task' && this.lastPage.includes(ref.value)) this.pageChanged(this.scanLatestPage());
      }),
    );
    this.lastPage = this.scanLatestPage();
  }

  readonly methods: Methods<'ReadNextTasks' | 'ReadPreviousTasks' | 'SetCollectorPageSize' | 'RewindCollector' | 'ResetCollector' | 'DestroyCollector', TaskHistoryCollector> = {
    ReadNextTasks: (_ctx, args) => this.readNext(args.maxCount),
    ReadPreviousTasks: (_ctx, args) => this.readPrevious(args.maxCount),
    SetCollectorPageSize: (_ctx, args) => this.setPageSize(args.maxCount),
    RewindCollector: () => {
      this.cursor = 0;
    },
    ResetCollector: () => {
      this.cursor = this.lastPage.length ? taskNumber(this.lastPage[0]) - 1 : this.newestNumber();
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

  private taskChanged(task: Task): void {
    const key = task.key;
    const onPage = this.lastPage.includes(key);
    const matches = this.matches(task.info);
    if (onPage && matches) return this.pageChanged(this.lastPage);
    if (!matches) {
      if (onPage) this.pageChanged(this.scanLatestPage());
      return;
    }
    if (this.pageSize === 0) return;
    // By induction the page holds the newest matching tasks, so a matching task newer than all of
    // them (a new task, above all) simply joins at the end.
    const number = taskNumber(key);
    const page = this.lastPage;
    if (!page.length || number > taskNumber(page[page.length - 1])) {
      return this.pageChanged([...page.slice(page.length >= this.pageSize ? page.length - this.pageSize + 1 : 0), key]);
    }
    if (page.length < this.pageSize || number > taskNumber(page[0])) this.pageChanged(this.scanLatestPage());
  }

  private pageChanged(page: readonly string[]): void {
    this.lastPage = page;
    this.registry.changed(this, ['latestPage']);
  }

  /** The latest page from a scan of every task held. */
  private scanLatestPage(): string[] {
    const all = this.matching();
    return all.slice(Math.max(0, all.length - this.pageSize)).map((task) => task.key);
  }

  private matching(): Task[] {
    const out: Task[] = [];
    for (const task of this.tasks.allTasks()) if (this.matches(task.info)) out.push(task);
    return out;
  }

  private newestNumber(): number {
    const all = this.matching();
    return all.length ? taskNumber(all[all.length - 1].key) : 0;
  }

  latestPage(): TaskInfo[] {
    const page: TaskInfo[] = [];
    for (const key of this.lastPage) {
      const task = this.tasks.task(key);
      if (task) page.push(task.info);
    }
    return page;
  }

  private checkMaxCount(maxCount: number): number {
    if (maxCount < 1 || maxCount > MAX_PAGE_SIZE) throw new InvalidArgument('maxCount', `maxCount must be between 1 and ${MAX_PAGE_SIZE}.`);
    return maxCount;
  }

  private readNext(requested: number): TaskInfo[] {
    const maxCount = this.checkMaxCount(requested);
    const page: TaskInfo[] = [];
    for (const task of this.matching()) {
      if (taskNumber(task.key) <= this.cursor) continue;
      page.push(task.info);
      if (page.length === maxCount) break;
    }
    if (page.length) this.cursor = taskNumber(page[page.length - 1].key);
    return page;
  }

  /** Older tasks, newest first, so reading back to the start sees every task once, newest to oldest. */
  private readPrevious(requested: number): TaskInfo[] {
    const maxCount = this.checkMaxCount(requested);
    const older = this.matching().filter((task) => taskNumber(task.key) <= this.cursor);
    const page = older.slice(Math.max(0, older.length - maxCount)).reverse().map((t) => t.info);
    if (page.length) this.cursor = taskNumber(page[page.length - 1].key) - 1;
    return page;
  }

  private setPageSize(maxCount: number): void {
    if (maxCount < 0 || maxCount > MAX_PAGE_SIZE) throw new InvalidArgument('maxCount', `maxCount must be between 0 and ${MAX_PAGE_SIZE}.`);
    this.pageSize = maxCount;
    this.pageChanged(this.scanLatestPage());
  }

  destroy(): void {
    for (const stop of this.unsubscribe.splice(0)) stop();
    this.registry.remove(this.ref);
    this.onDestroy(this);
  }
}
