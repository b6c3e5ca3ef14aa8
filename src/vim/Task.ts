// vim.Task: one long-running operation's TaskInfo and the four methods that drive it. Every
// state change goes through the transition table in task-state.ts; every refusal is a fault.
// The same rules serve SOAP callers and the control API (seeds, scripted lifecycles), and every
// change is recorded with who made it.

import { ManagedObjectReference, type DataObject, type VimValue } from './data.js';
import { InvalidState, NotSupported, RequestCanceled, localizedMethodFault } from './faults.js';
import { ManagedObject, type CallContext, type Methods } from './managed-object.js';
import { clampProgress, isTerminal, transition, type TaskState } from './task-state.js';
import type { LocalizableMessage, LocalizedMethodFault, TaskInfo, TaskReasonUser } from './vim-types.js';

export type CancelMode = 'immediate' | 'cooperative';

/** Who changed a task: a SOAP caller, or the emulator itself (control API, scripts, timers). */
export interface Actor {
  readonly user: string;
  readonly method: string;
}

/** The TaskInfo fields a change after creation can set. */
export type TaskInfoChange = Partial<Pick<TaskInfo, 'state' | 'cancelled' | 'description' | 'progress' | 'result' | 'error' | 'startTime' | 'completeTime'>>;

/** One recorded change: when, by whom, and the fields it set (their new values). */
export interface TaskHistoryEntry {
  readonly time: string;
  readonly user: string;
  readonly method: string;
  readonly fields: TaskInfoChange;
}

/** A change as history readers see it: every field it touched, with its old and new value. */
export interface TaskTransition {
  readonly time: string;
  readonly user: string;
  readonly method: string;
  readonly changes: Readonly<Record<string, { readonly old: VimValue | undefined; readonly new: VimValue | undefined }>>;
}

/** A task as a state document keeps it: what restore() needs to rebuild it exactly. */
export interface TaskSnapshot {
  readonly info: TaskInfo;
  /** Who created it, while the creation entry is still in the history. */
  readonly creator: Actor | undefined;
  /** The changes after creation, oldest first. */
  readonly changes: readonly TaskHistoryEntry[];
}

/** What SetTaskState asks for. */
export interface StateChange {
  readonly state: TaskState;
  readonly result?: VimValue | undefined;
  readonly fault?: LocalizedMethodFault | undefined;
}

/** A task keeps at most this many history entries (the oldest go first), so progress spam cannot grow memory. */
export const MAX_HISTORY = 256;

/** What a task needs from the TaskManager that owns it. */
export interface TaskHost {
  readonly cancelMode: CancelMode;
  /** A running task asked to cancel cooperatively is completed as canceled after this long (0: never). */
  readonly cancelTimeoutMs: number;
  /** An ISO timestamp that never goes backwards, so queueTime ≤ startTime ≤ completeTime holds. */
  timestamp(): string;
  /** Whether a fault type extends VimFault (what a task may fail with). */
  isVimFault(faultType: string): boolean;
  taskChanged(task: Task, completed: boolean): void;
}

const CANCELED_MESSAGE = 'The task was canceled by a user.';
const SYSTEM: Actor = { user: 'vtask-emulator', method: 'cancel timeout' };
/** Every task starts queued (newTaskInfo), so its creation entry is derived rather than stored. */
const INITIAL_STATE: TaskState = 'queued';

function actorOf(ctx: CallContext, method: string): Actor {
  return { user: ctx.session?.userName ?? '', method };
}

function canceledError(): LocalizedMethodFault {
  return localizedMethodFault(new RequestCanceled(CANCELED_MESSAGE).toDataObject(), CANCELED_MESSAGE);
}

// Shared by every task (a task is the object the emulator holds most of): the methods table,
// type chain and property types live once per class, not once per task.
const TASK_METHODS: Methods<'CancelTask' | 'SetTaskDescription' | 'SetTaskState' | 'UpdateProgress', Task> = {
  CancelTask(ctx) {
    this.cancel(actorOf(ctx, 'CancelTask'));
  },
  SetTaskDescription(ctx, args) {
    this.setDescription(args.description, actorOf(ctx, 'SetTaskDescription'));
  },
  SetTaskState(ctx, args) {
    this.setState(args, actorOf(ctx, 'SetTaskState'));
  },
  UpdateProgress(ctx, args) {
    this.updateProgress(args.percentDone, actorOf(ctx, 'UpdateProgress'));
  },
};
const TASK_TYPE_CHAIN = ['Task', 'ExtensibleManagedObject', 'ManagedObject'] as const;
const TASK_PROPERTY_TYPES = { info: 'TaskInfo', availableField: 'ArrayOfCustomFieldDef', value: 'ArrayOfCustomFieldValue' } as const;

export class Task extends ManagedObject {
  readonly ref: ManagedObjectReference;
  get typeChain(): readonly string[] {
    return TASK_TYPE_CHAIN;
  }
  get propertyTypes(): Readonly<Record<string, string>> {
    return TASK_PROPERTY_TYPES;
  }
  get methods(): typeof TASK_METHODS {
    return TASK_METHODS;
  }
  private current: TaskInfo;
  private cancelTimer: NodeJS.Timeout | undefined;
  /** Who created the task (the creation entry is derived from them and queueTime); undefined once dropped. */
  private creatorUser: string | undefined;
  private readonly creatorMethod: string;
  /** The changes after creation, oldest first, at most MAX_HISTORY with the creation entry; none until the first. */
  private changes: TaskHistoryEntry[] | undefined;

  constructor(
    info: TaskInfo,
    private readonly host: TaskHost,
    creator: Actor,
  ) {
    super();
    if (info.state !== INITIAL_STATE) throw new Error(`A task is created ${INITIAL_STATE}, not ${info.state}.`);
    this.ref = info.task;
    this.current = info;
    this.creatorUser = creator.user;
    this.creatorMethod = creator.method;
  }

  /**
   * A task as a snapshot had it. Timers do not survive a restart: a cooperatively canceled
   * running task gets a whole new cancel timeout.
   */
  static restore(snapshot: TaskSnapshot, host: TaskHost): Task {
    // In the shape newTaskInfo gives, as every other TaskInfo has (see newTaskInfo).
    const info: TaskInfo = { ...TASK_INFO_SHAPE, ...snapshot.info };
    const task = new Task({ ...info, state: INITIAL_STATE }, host, snapshot.creator ?? { user: '', method: '' });
    task.current = info;
    if (!snapshot.creator) task.creatorUser = undefined;
    task.changes = snapshot.changes.length ? [...snapshot.changes] : undefined;
    if (task.current.cancelled && task.state === 'running') task.armCancelTimer();
    return task;
  }

  snapshot(): TaskSnapshot {
    const creator = this.creatorUser === undefined ? undefined : { user: this.creatorUser, method: this.creatorMethod };
    return { info: this.current, creator, changes: this.changes ?? [] };
  }

  get info(): TaskInfo {
    return this.current;
  }

  get key(): string {
    return this.current.key;
  }

  get state(): TaskState {
    return this.current.state;
  }

  /** Every change made to this task, oldest first (at most MAX_HISTORY), with old and new values. */
  get history(): readonly TaskTransition[] {
    // Old values are replayed from the kept entries: once the oldest are dropped, the first kept
    // entry shows its fields as new with no old value.
    const known: Record<string, VimValue | undefined> = {};
    const history: TaskTransition[] = [];
    if (this.creatorUser !== undefined) {
      known.state = INITIAL_STATE;
      history.push({
        time: this.current.queueTime,
        user: this.creatorUser,
        method: this.creatorMethod,
        changes: { state: { old: undefined, new: INITIAL_STATE } },
      });
    }
    for (const entry of this.changes ?? []) {
      const changes: Record<string, { old: VimValue | undefined; new: VimValue | undefined }> = {};
      for (const [field, value] of Object.entries(entry.fields)) {
        changes[field] = { old: known[field], new: value };
        known[field] = value;
      }
      history.push({ time: entry.time, user: entry.user, method: entry.method, changes });
    }
    return history;
  }

  getProperty(name: string): VimValue | undefined {
    switch (name) {
      case 'info':
        return this.current;
      case 'availableField':
      case 'value':
        return [];
      default:
        return undefined;
    }
  }

  private update(change: TaskInfoChange, actor: Actor): void {
    const completed = change.state !== undefined && isTerminal(change.state);
    this.record(change, actor, completed);
    this.current = { ...this.current, ...change };
    if (completed && this.cancelTimer) clearTimeout(this.cancelTimer);
    this.host.taskChanged(this, completed);
  }

  /** Appends a history entry with the fields the change sets, or clears after they were set. */
  private record(change: TaskInfoChange, actor: Actor, completed: boolean): void {
    const changes = (this.changes ??= []);
    if (changes.length + (this.creatorUser === undefined ? 0 : 1) >= MAX_HISTORY) {
      // The creation entry goes first; after it the oldest change.
      if (this.creatorUser !== undefined) this.creatorUser = undefined;
      else changes.shift();
    }
    changes.push({ time: this.host.timestamp(), user: actor.user, method: actor.method, fields: this.recordedFields(change) });
    // Completed tasks are what accumulates, and an array grown by push keeps room for 17
    // entries: a completed task keeps an exact-size one (heap per completed task, npm run bench).
    if (completed) this.changes = changes.slice();
  }

  /** The change without the fields it leaves unset that were never set (most changes have none). */
  private recordedFields(change: TaskInfoChange): TaskInfoChange {
    const before: DataObject = this.current;
    let unsetNeverSet = false;
    for (const [key, value] of Object.entries(change)) if (value === undefined && before[key] === undefined) unsetNeverSet = true;
    if (!unsetNeverSet) return change;
    const fields: Record<string, VimValue | undefined> = {};
    for (const [key, value] of Object.entries(change)) if (value !== undefined || before[key] !== undefined) fields[key] = value;
    return fields;
  }

  cancel(actor: Actor): void {
    if (isTerminal(this.state)) throw new InvalidState(`The task ${this.key} has already completed; it cannot be canceled.`);
    if (!this.current.cancelable) throw new NotSupported(`The task ${this.key} is not cancelable.`);
    if (this.state === 'queued' || this.host.cancelMode === 'immediate') {
      this.completeCanceled(actor);
    } else if (!this.current.cancelled) {
      this.update({ cancelled: true }, actor);
      this.armCancelTimer();
    }
  }

  private armCancelTimer(): void {
    if (this.host.cancelMode !== 'cooperative' || this.host.cancelTimeoutMs <= 0) return;
    this.cancelTimer = setTimeout(() => {
      if (!isTerminal(this.state)) this.completeCanceled(SYSTEM);
    }, this.host.cancelTimeoutMs);
    this.cancelTimer.unref();
  }

  private completeCanceled(actor: Actor): void {
    this.update({ state: 'error', cancelled: true, completeTime: this.host.timestamp(), error: canceledError() }, actor);
  }

  setDescription(description: LocalizableMessage, actor: Actor): void {
    this.update({ description }, actor);
  }

  /** `anyFault`: the emulator, as a *_Task method's owner, may end it with any MethodFault (vCenter's tasks do), not only a VimFault. */
  setState(change: StateChange, actor: Actor, anyFault = false): void {
    const { state: to, result, fault } = change;
    const effect = transition(this.state, to);
    if (effect === 'invalid') {
      throw new InvalidState(
        isTerminal(this.state)
          ? `The task ${this.key} is already in state ${this.state}; its state cannot change.`
          : `The task ${this.key} cannot go from ${this.state} to ${to}.`,
      );
    }
    if (result !== undefined && to !== 'success') throw new InvalidState('A result can only be set with state success.');
    if (fault !== undefined) {
      if (to !== 'error') throw new InvalidState('A fault can only be set with state error.');
      if (!anyFault && !this.host.isVimFault(fault.fault._type)) throw new InvalidState(`The fault type ${fault.fault._type} does not extend VimFault.`);
    }
    switch (effect) {
      case 'noop':
        return;
      case 'start':
        this.update({ state: 'running', startTime: this.host.timestamp() }, actor);
        return;
      case 'complete': {
        // A cooperatively canceled task that its owner ends in error without a fault ends as canceled.
        const error = to === 'error' ? (fault ?? (this.current.cancelled ? canceledError() : undefined)) : undefined;
        this.update({ state: to, completeTime: this.host.timestamp(), result, error }, actor);
        return;
      }
    }
  }

  updateProgress(percentDone: number, actor: Actor): void {
    if (this.state !== 'running') throw new InvalidState(`The task ${this.key} is ${this.state}; progress can only be set while it is running.`);
    const progress = clampProgress(percentDone);
    if (progress !== this.current.progress) this.update({ progress }, actor);
  }

  /** Stops timers when the task is evicted or the server stops. */
  dispose(): void {
    if (this.cancelTimer) clearTimeout(this.cancelTimer);
  }
}

/** newTaskInfo's fields in its order, all unset. */
const TASK_INFO_SHAPE: Readonly<Record<string, undefined>> = Object.fromEntries(
  Object.keys(
    newTaskInfo({
      key: '',
      descriptionId: '',
      entity: new ManagedObjectReference('Folder', ''),
      entityName: undefined,
      cancelable: false,
      reason: { _type: 'TaskReasonUser', userName: '' },
      queueTime: '',
      eventChainId: 0,
      parentTaskKey: undefined,
      rootTaskKey: undefined,
      activationId: undefined,
    }),
  ).map((field) => [field, undefined]),
);

export function taskReasonUser(userName: string): TaskReasonUser {
  return { _type: 'TaskReasonUser', userName };
}

export function newTaskInfo(fields: {
  key: string;
  descriptionId: string;
  entity: ManagedObjectReference;
  entityName: string | undefined;
  cancelable: boolean;
  /** Shared by the tasks one session starts (see Session.taskReason). */
  reason: TaskReasonUser;
  queueTime: string;
  eventChainId: number;
  parentTaskKey: string | undefined;
  rootTaskKey: string | undefined;
  activationId: string | undefined;
}): TaskInfo {
  // Every field a task's changes can set is here from the start (undefined until set), in WSDL
  // order, so each TaskInfo has one shape and the copies later changes make keep it; the fields
  // nothing here sets (name, locked, changeTag) are left out. Readers treat undefined as unset.
  return {
    _type: 'TaskInfo',
    key: fields.key,
    task: new ManagedObjectReference('Task', fields.key),
    description: undefined,
    descriptionId: fields.descriptionId,
    entity: fields.entity,
    entityName: fields.entityName,
    state: 'queued',
    cancelled: false,
    cancelable: fields.cancelable,
    error: undefined,
    result: undefined,
    progress: undefined,
    reason: fields.reason,
    queueTime: fields.queueTime,
    startTime: undefined,
    completeTime: undefined,
    eventChainId: fields.eventChainId,
    parentTaskKey: fields.parentTaskKey,
    rootTaskKey: fields.rootTaskKey,
    activationId: fields.activationId,
  };
}
