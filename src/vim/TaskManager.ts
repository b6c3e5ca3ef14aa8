// vim.TaskManager: creates tasks, keeps recentTask, and bounds memory. A task is registered
// before CreateTask returns, so the very next call on any connection finds it.

import { randomUUID } from 'node:crypto';
import { dataObject, ManagedObjectReference, type DataObject, type TypeModel, type VimValue } from './data.js';
import { InvalidArgument } from './faults.js';
import { Containment } from './containment.js';
import { SessionCollectors } from './history-pages.js';
import { ManagedObject, type CallContext, type Methods } from './managed-object.js';
import type { ObjectRegistry } from './registry.js';
import type { Session } from './session.js';
import { Task, newTaskInfo, taskReasonUser, type Actor, type CancelMode, type TaskHost, type TaskSnapshot } from './Task.js';
import { taskFilter } from './task-filter.js';
import { TaskHistoryCollector } from './TaskHistoryCollector.js';
import { TaskHistoryIndex } from './task-history-index.js';
import { TASK_STATES } from './task-state.js';
import type { CreateTaskArgs, TaskFilterSpec, TaskInfo, TaskReasonUser } from './vim-types.js';

export interface TaskManagerOptions {
  readonly cancelMode: CancelMode;
  readonly cancelTimeoutMs: number;
  /** How long a completed task stays in recentTask. */
  readonly recentTaskRetentionMs: number;
  /** Beyond this many tasks the oldest completed ones are forgotten. */
  readonly maxTasks: number;
  readonly maxCollector: number;
  readonly now?: () => number;
}

export interface TaskTypeCatalog {
  hasTaskType(taskTypeId: string): boolean;
}

export const RECENT_TASK_LIMIT = 200;

/**
 * Hears of every task created (the EventManager, which posts its TaskEvent). Every way a task is
 * made goes through TaskManager.create, so every task gets its event.
 */
export interface TaskEventSink {
  /** The eventChainId the next task gets (the key its TaskEvent will have). */
  nextEventChainId(): number;
  /** A task was created; `info` is its TaskInfo at creation. */
  taskCreated(info: TaskInfo): void;
  /** The tasks were replaced (a state restore): forget their events, number new ones from here. */
  restart(nextEventChainId: number): void;
}

/** Who asks for a task: the actor recorded in its history, and the session it was asked in (if any). */
export interface TaskCreator extends Actor {
  readonly session?: Session | undefined;
}

/** Every task held, in creation order, and the counters new ones continue from (see state.ts). */
export interface TaskManagerSnapshot {
  readonly nextTaskNumber: number;
  readonly nextEventChainId: number;
  /** The latest timestamp handed out (epoch ms), so times after a restore never go backwards. */
  readonly lastTimestamp: number;
  readonly tasks: readonly TaskSnapshot[];
}

export class TaskManager extends ManagedObject implements TaskHost {
  readonly ref = new ManagedObjectReference('TaskManager', 'TaskManager');
  readonly typeChain = ['TaskManager', 'ManagedObject'];
  readonly propertyTypes = { recentTask: 'ArrayOfManagedObjectReference', description: 'TaskDescription', maxCollector: 'xsd:int' };
  readonly cancelMode: CancelMode;
  readonly cancelTimeoutMs: number;
  private readonly tasks = new Map<string, Task>();
  /** Completed tasks in completion order, oldest first: eviction and retention walk this. */
  private readonly completed = new Map<string, number>();
  /**
   * Tasks that may still be recent, in creation order: recentTask walks it from the newest end
   * and stops at RECENT_TASK_LIMIT, instead of scanning every task held on each read (1.35 ms
   * with 10,000 tasks, paid on every CreateTask by a client watching recentTask). Tasks that
   * expire or are forgotten are skipped when read and dropped by the periodic sweep.
   */
  private recentOrder: Task[] = [];
  /** Entries of recentOrder known to be expired or forgotten, so the sweep knows to compact. */
  private staleRecent = 0;
  private nextTaskNumber = 1;
  private nextEventChainId = 1;
  private lastTimestamp = 0;
  private lastIsoTime = '';
  private readonly now: () => number;
  private sweepTimer: NodeJS.Timeout | undefined;
  private announcedExpiry = 0;

  /** Where task entities sit, for TaskFilterSpecByEntity's recursion. */
  private readonly tree: Containment;

  constructor(
    private readonly registry: ObjectRegistry,
    private readonly taskTypes: TaskTypeCatalog,
    private readonly options: TaskManagerOptions,
    rootFolder: ManagedObjectReference,
    private readonly types: TypeModel,
    private readonly events?: TaskEventSink,
  ) {
    super();
    this.tree = new Containment(registry, rootFolder);
    this.cancelMode = options.cancelMode;
    this.cancelTimeoutMs = options.cancelTimeoutMs;
    this.now = options.now ?? Date.now;
    this.sweepTimer = setInterval(() => this.sweep(), Math.min(1000, Math.max(10, options.recentTaskRetentionMs / 4)));
    this.sweepTimer.unref();
    this.collectorIndex = new TaskHistoryIndex(registry, this);
    this.collectors = new SessionCollectors(options.maxCollector, 'task history collectors');
  }

  readonly methods: Methods<'CreateTask' | 'CreateCollectorForTasks', TaskManager> = {
    CreateTask: (ctx, args) => this.create(args, { user: ctx.session?.userName ?? '', method: 'CreateTask', session: ctx.session }).info,
    CreateCollectorForTasks: (ctx, args) => this.createCollector(ctx, args.filter),
  };

  private readonly collectors: SessionCollectors<TaskHistoryCollector>;
  /** What each collector's filter selects, shared by all collectors. */
  private readonly collectorIndex: TaskHistoryIndex;

  getProperty(name: string): VimValue | undefined {
    switch (name) {
      case 'recentTask':
        return this.recentTask();
      case 'description':
        return taskDescription();
      case 'maxCollector':
        return this.options.maxCollector;
      default:
        return undefined;
    }
  }

  timestamp(): string {
    const at = Math.max(this.lastTimestamp, this.now());
    // Calls within one millisecond (thousands a second under load) share one string.
    if (at !== this.lastTimestamp || this.lastIsoTime === '') {
      this.lastTimestamp = at;
      this.lastIsoTime = new Date(at).toISOString();
    }
    return this.lastIsoTime;
  }

  isVimFault(faultType: string): boolean {
    return this.types.isSubtypeOf(faultType, 'VimFault');
  }

  taskChanged(task: Task, completed: boolean): void {
    this.registry.changed(task, ['info']);
    if (completed) {
      this.completed.set(task.key, this.now());
      this.evictBeyondLimit();
      this.registry.changed(this, ['recentTask']);
    }
  }

  task(key: string): Task | undefined {
    return this.tasks.get(key);
  }

  allTasks(): IterableIterator<Task> {
    return this.tasks.values();
  }

  /**
   * Creates and registers a task (SOAP CreateTask, seeds, the control API and the *_Task methods
   * all come here). `builtIn`: the taskTypeId is a vCenter descriptionId of the emulator's own
   * methods (VirtualMachine.powerOn), not an extension's task type.
   */
  create(spec: CreateTaskArgs, creator: TaskCreator, builtIn = false): Task {
    const { taskTypeId, parentTaskKey, obj: entity } = spec;
    if (!builtIn && !this.taskTypes.hasTaskType(taskTypeId)) {
      throw new InvalidArgument('taskTypeId', `The task type '${taskTypeId}' is not registered by any extension.`);
    }
    let rootTaskKey: string | undefined;
    if (parentTaskKey !== undefined) {
      const parent = this.tasks.get(parentTaskKey);
      if (!parent) throw new InvalidArgument('parentTaskKey', `The parent task '${parentTaskKey}' does not exist.`);
      rootTaskKey = parent.info.rootTaskKey ?? parent.key;
    }
    const entityName = this.registry.get(entity)?.getProperty('name', undefined);
    const key = `task-${this.nextTaskNumber++}`;
    const task = new Task(
      newTaskInfo({
        key,
        descriptionId: taskTypeId,
        entity,
        entityName: typeof entityName === 'string' ? entityName : entity.value,
        cancelable: spec.cancelable,
        reason: this.reasonFor(spec.initiatedBy, creator),
        queueTime: this.timestamp(),
        eventChainId: this.events ? this.events.nextEventChainId() : this.nextEventChainId++,
        parentTaskKey,
        rootTaskKey,
        activationId: spec.activationId,
      }),
      this,
      creator,
    );
    this.tasks.set(key, task);
    this.recentOrder.push(task);
    this.registry.add(task);
    this.events?.taskCreated(task.info);
    this.evictBeyondLimit();
    this.registry.changed(this, ['recentTask']);
    return task;
  }

  /** Forgets every task (task numbers keep counting, so no key is ever reused). */
  reset(): void {
    for (const task of [...this.tasks.values()]) {
      task.dispose();
      this.tasks.delete(task.key);
      this.registry.remove(task.ref);
    }
    this.completed.clear();
    this.recentOrder = [];
    this.staleRecent = 0;
    this.registry.changed(this, ['recentTask']);
  }

  snapshot(): TaskManagerSnapshot {
    const tasks = [...this.tasks.values()].map((task) => task.snapshot());
    return {
      nextTaskNumber: this.nextTaskNumber,
      nextEventChainId: this.events ? this.events.nextEventChainId() : this.nextEventChainId,
      lastTimestamp: this.lastTimestamp,
      tasks,
    };
  }

  /**
   * Replaces every task with a snapshot's. Watchers see the old tasks removed and the new ones
   * added. A completed task's place in the retention and eviction order is its completeTime.
   */
  restore(snapshot: TaskManagerSnapshot): void {
    this.reset();
    this.nextTaskNumber = snapshot.nextTaskNumber;
    this.nextEventChainId = snapshot.nextEventChainId;
    this.events?.restart(snapshot.nextEventChainId);
    this.lastTimestamp = snapshot.lastTimestamp;
    this.lastIsoTime = '';
    this.announcedExpiry = 0;
    const completed: Array<[string, number]> = [];
    for (const saved of snapshot.tasks) {
      const task = Task.restore(saved, this);
      this.tasks.set(task.key, task);
      this.recentOrder.push(task);
      this.registry.add(task);
      if (saved.info.completeTime !== undefined) completed.push([task.key, Date.parse(saved.info.completeTime)]);
    }
    completed.sort((a, b) => a[1] - b[1]);
    for (const [key, at] of completed) this.completed.set(key, at);
    this.evictBeyondLimit();
    this.registry.changed(this, ['recentTask']);
  }

  /** The tasks a session starts share its reason object: what a completed task holds is mostly this kind of thing. */
  private reasonFor(initiatedBy: string | undefined, creator: TaskCreator): TaskReasonUser {
    const userName = initiatedBy ?? creator.user;
    const session = creator.session;
    return session && session.userName === userName ? session.taskReason : taskReasonUser(userName);
  }

  private createCollector(ctx: CallContext, spec: TaskFilterSpec): ManagedObjectReference {
    const collector = this.collectors.add(ctx.session, this.ref, (session, release) => {
      const ref = new ManagedObjectReference('TaskHistoryCollector', `session[${session.key}]${randomUUID()}`);
      return new TaskHistoryCollector(ref, spec, taskFilter(spec, this.tree), this.collectorIndex, this.registry, session, release);
    });
    this.registry.add(collector);
    return collector.ref;
  }

  private recentTask(): ManagedObjectReference[] {
    const cutoff = this.now() - this.options.recentTaskRetentionMs;
    const recent: ManagedObjectReference[] = [];
    for (let i = this.recentOrder.length - 1; i >= 0 && recent.length < RECENT_TASK_LIMIT; i--) {
      const task = this.recentOrder[i];
      if (this.isRecent(task, cutoff)) recent.push(task.ref);
    }
    return recent.reverse();
  }

  /** Whether a task belongs in recentTask lists now (entities' lists use it too). */
  isRecentTask(task: Task): boolean {
    return this.isRecent(task, this.now() - this.options.recentTaskRetentionMs);
  }

  /** Held (not forgotten) and either unfinished or finished after the cutoff. */
  private isRecent(task: Task, cutoff: number): boolean {
    if (this.tasks.get(task.key) !== task) return false;
    const completedAt = this.completed.get(task.key);
    return completedAt === undefined || completedAt > cutoff;
  }

  /** Drops expired and forgotten tasks from recentOrder once they are a good share of it. */
  private compactRecent(cutoff: number): void {
    if (this.staleRecent * 4 < this.recentOrder.length) return;
    this.recentOrder = this.recentOrder.filter((task) => this.isRecent(task, cutoff));
    this.staleRecent = 0;
  }

  /** Announces recentTask changes caused by retention running out (nothing calls in for those). */
  private sweep(): void {
    const cutoff = this.now() - this.options.recentTaskRetentionMs;
    let newestExpired = 0;
    let newlyExpired = 0;
    for (const completedAt of this.completed.values()) {
      if (completedAt > cutoff) break;
      if (completedAt > this.announcedExpiry) newlyExpired++;
      newestExpired = completedAt;
    }
    if (newestExpired > this.announcedExpiry) {
      this.announcedExpiry = newestExpired;
      this.staleRecent += newlyExpired;
      this.registry.changed(this, ['recentTask']);
    }
    this.compactRecent(cutoff);
  }

  private evictBeyondLimit(): void {
    let evicted = false;
    for (const key of this.completed.keys()) {
      if (this.tasks.size <= this.options.maxTasks) break;
      const task = this.tasks.get(key);
      // A task evicted before its retention ran out is still in recentOrder.
      if ((this.completed.get(key) ?? 0) > this.announcedExpiry) this.staleRecent++;
      this.completed.delete(key);
      if (!task) continue;
      this.tasks.delete(key);
      task.dispose();
      this.registry.remove(task.ref);
      evicted = true;
    }
    // Not only at the sweep: calls can keep the event loop from running timers for a while, and
    // recentOrder must not hold forgotten tasks meanwhile.
    if (evicted) this.compactRecent(this.now() - this.options.recentTaskRetentionMs);
  }

  dispose(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    for (const task of this.tasks.values()) task.dispose();
  }
}

function taskDescription(): DataObject {
  const label = (key: string, text: string, type = 'ElementDescription') => dataObject(type, { label: text, summary: text, key });
  return dataObject('TaskDescription', {
    methodInfo: [],
    state: TASK_STATES.map((s) => label(s, s[0].toUpperCase() + s.slice(1))),
    reason: [
      label('TaskReasonUser', 'User', 'TypeDescription'),
      label('TaskReasonSystem', 'System', 'TypeDescription'),
      label('TaskReasonAlarm', 'Alarm', 'TypeDescription'),
      label('TaskReasonSchedule', 'Schedule', 'TypeDescription'),
    ],
  });
}
