// vim.Task: one long-running operation's TaskInfo and the four methods that drive it. Every
// state change goes through the transition table in task-state.ts; every refusal is a fault.
// The same rules serve SOAP callers and the control API (seeds, scripted lifecycles), and every
// change is recorded with who made it.

import { dataObject, ManagedObjectReference, type DataObject, type TypeModel, type VimValue } from './data.js';
import { InvalidState, NotSupported, RequestCanceled, localizedMethodFault } from './faults.js';
import { ManagedObject, type Arguments, type CallContext, type MethodHandler } from './managed-object.js';
import { clampProgress, isTaskState, isTerminal, transition, type TaskState } from './task-state.js';

export type CancelMode = 'immediate' | 'cooperative';

/** Who changed a task: a SOAP caller, or the emulator itself (control API, scripts, timers). */
export interface Actor {
  readonly user: string;
  readonly method: string;
}

export interface TaskTransition {
  readonly time: string;
  readonly user: string;
  readonly method: string;
  readonly changes: Readonly<Record<string, { readonly old: VimValue | undefined; readonly new: VimValue | undefined }>>;
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
  taskChanged(task: Task, completed: boolean): void;
}

const CANCELED_MESSAGE = 'The task was canceled by a user.';
const SYSTEM: Actor = { user: 'vtask-emulator', method: 'cancel timeout' };

function actorOf(ctx: CallContext, method: string): Actor {
  return { user: ctx.session?.userName ?? '', method };
}

// Shared by every task (a task is the object the emulator holds most of): the methods table,
// type chain and property types live once per class, not once per task.
const TASK_METHODS: Readonly<Record<string, MethodHandler>> = {
  CancelTask(ctx) {
    return (this as Task).cancel(actorOf(ctx, 'CancelTask'));
  },
  SetTaskDescription(ctx, args) {
    return (this as Task).setDescription(args.description as DataObject, actorOf(ctx, 'SetTaskDescription'));
  },
  SetTaskState(ctx, args) {
    return (this as Task).setState(ctx.types, args, actorOf(ctx, 'SetTaskState'));
  },
  UpdateProgress(ctx, args) {
    return (this as Task).updateProgress(args.percentDone as number, actorOf(ctx, 'UpdateProgress'));
  },
};
const TASK_TYPE_CHAIN = ['Task', 'ExtensibleManagedObject', 'ManagedObject'] as const;
const TASK_PROPERTY_TYPES = { info: 'TaskInfo', availableField: 'ArrayOfCustomFieldDef', value: 'ArrayOfCustomFieldValue' } as const;

/**
 * The history is kept as one flat array per task, since completed tasks are what accumulates and
 * an object per entry (and per entry's values) cost more than the task itself. Each entry is
 * `at, user, method, fieldCount, field1, value1, …`: only the new values are stored, and old
 * values and ISO times are derived when the history is read. `at` counts milliseconds from
 * HISTORY_EPOCH, so it stays a small integer stored inline (not a boxed double) for ~24 days;
 * later times are still right, just boxed. The strings are the callers' own (user names come
 * from sessions, methods are literals), so an entry holds no string of its own.
 */
type HistorySlot = VimValue | undefined;
const HISTORY_EPOCH = Date.now();
/** Slots before an entry's field/value pairs: at, user, method, fieldCount. */
const ENTRY_HEADER = 4;
/** Every task starts queued (newTaskInfo), so its creation entry is derived rather than stored. */
const INITIAL_STATE: TaskState = 'queued';

export class Task extends ManagedObject {
  readonly ref: ManagedObjectReference;
  get typeChain(): readonly string[] {
    return TASK_TYPE_CHAIN;
  }
  get propertyTypes(): Readonly<Record<string, string>> {
    return TASK_PROPERTY_TYPES;
  }
  get methods(): Readonly<Record<string, MethodHandler>> {
    return TASK_METHODS;
  }
  private current: DataObject;
  private cancelTimer: NodeJS.Timeout | undefined;
  /** Who created the task; the creator's user is undefined once the creation entry has been dropped. */
  private creatorUser: string | undefined;
  private readonly creatorMethod: string;
  /** The changes after creation (see HistorySlot); none until the first change. */
  private log: HistorySlot[] | undefined;
  /** Where the oldest kept entry starts: dropped entries are skipped, and cut off in bulk. */
  private logStart = 0;
  private logEntries = 0;

  constructor(info: DataObject, private readonly host: TaskHost, creator: Actor) {
    super();
    if (info.state !== INITIAL_STATE) throw new Error(`A task is created ${INITIAL_STATE}, not ${String(info.state)}.`);
    this.ref = info.task as ManagedObjectReference;
    this.current = info;
    this.creatorUser = creator.user;
    this.creatorMethod = creator.method;
  }

  get info(): DataObject {
    return this.current;
  }

  get key(): string {
    return this.current.key as string;
  }

  get state(): TaskState {
    return this.current.state as TaskState;
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
        time: new Date(Date.parse(this.current.queueTime as string)).toISOString(),
        user: this.creatorUser,
        method: this.creatorMethod,
        changes: { state: { old: undefined, new: INITIAL_STATE } },
      });
    }
    const log = this.log ?? [];
    for (let i = this.logStart; i < log.length; ) {
      const at = log[i] as number;
      const user = log[i + 1] as string;
      const method = log[i + 2] as string;
      const end = i + ENTRY_HEADER + 2 * (log[i + 3] as number);
      const changes: Record<string, { old: VimValue | undefined; new: VimValue | undefined }> = {};
      for (i += ENTRY_HEADER; i < end; i += 2) {
        const field = log[i] as string;
        const value = log[i + 1];
        changes[field] = { old: known[field], new: value };
        known[field] = value;
      }
      history.push({ time: new Date(HISTORY_EPOCH + at).toISOString(), user, method, changes });
    }
    return history;
  }

  getProperty(name: string): VimValue | undefined {
    switch (name) {
      case 'info': return this.current;
      case 'availableField':
      case 'value': return [];
      default: return undefined;
    }
  }

  private update(fields: Record<string, VimValue | undefined>, actor: Actor): void {
    this.record(fields, actor.user, actor.method);
    const completed = isTerminal(fields.state as TaskState);
    this.current = { ...this.current, ...fields };
    if (completed && this.cancelTimer) clearTimeout(this.cancelTimer);
    this.host.taskChanged(this, completed);
  }

  /** Appends a history entry with the fields that are set or were set before. */
  private record(fields: Record<string, VimValue | undefined>, user: string, method: string): void {
    // Dropping the oldest entry keeps old values right: the first kept entry shows its fields' values as new.
    if (this.logEntries + (this.creatorUser === undefined ? 0 : 1) >= MAX_HISTORY) this.dropOldest();
    const log = (this.log ??= []);
    const start = log.length;
    log.push(Date.now() - HISTORY_EPOCH, user, method, 0);
    let count = 0;
    for (const key in fields) {
      if (fields[key] !== undefined || this.current[key] !== undefined) {
        log.push(key, fields[key]);
        count++;
      }
    }
    log[start + 3] = count;
    this.logEntries++;
    // A finished task is what accumulates, and push-growth leaves up to half the array unused.
    if (isTerminal((fields.state ?? this.current.state) as TaskState)) this.cutLog();
  }

  /** Replaces the log with an exact-size copy of its kept entries. */
  private cutLog(): void {
    this.log = this.log!.slice(this.logStart);
    this.logStart = 0;
  }

  private dropOldest(): void {
    if (this.creatorUser !== undefined) {
      this.creatorUser = undefined;
      return;
    }
    const log = this.log!;
    this.logStart += ENTRY_HEADER + 2 * (log[this.logStart + 3] as number);
    this.logEntries--;
    // A task whose progress is set over and over drops an entry per call: cutting the array's
    // front each time would move all of it every call, so the dropped half goes at once.
    if (this.logStart * 2 > log.length) this.cutLog();
  }

  cancel(actor: Actor): undefined {
    if (isTerminal(this.state)) throw new InvalidState(`The task ${this.key} has already completed; it cannot be canceled.`);
    if (this.current.cancelable !== true) throw new NotSupported(`The task ${this.key} is not cancelable.`);
    if (this.state === 'queued' || this.host.cancelMode === 'immediate') {
      this.completeCanceled(actor);
    } else if (this.current.cancelled !== true) {
      this.update({ cancelled: true }, actor);
      if (this.host.cancelTimeoutMs > 0) {
        this.cancelTimer = setTimeout(() => {
          if (!isTerminal(this.state)) this.completeCanceled(SYSTEM);
        }, this.host.cancelTimeoutMs);
        this.cancelTimer.unref();
      }
    }
    return undefined;
  }

  private completeCanceled(actor: Actor): void {
    this.update(
      {
        state: 'error',
        cancelled: true,
        completeTime: this.host.timestamp(),
        error: localizedMethodFault(new RequestCanceled(CANCELED_MESSAGE).toDataObject(), CANCELED_MESSAGE),
      },
      actor,
    );
  }

  setDescription(description: DataObject, actor: Actor): undefined {
    this.update({ description }, actor);
    return undefined;
  }

  setState(types: TypeModel, args: Arguments, actor: Actor): undefined {
    const to = args.state;
    // The codec already refuses values outside the enum; this keeps the invariant local too.
    if (!isTaskState(to)) throw new InvalidState(`'${String(to)}' is not a task state.`);
    const effect = transition(this.state, to);
    if (effect === 'invalid') {
      throw new InvalidState(
        isTerminal(this.state)
          ? `The task ${this.key} is already in state ${this.state}; its state cannot change.`
          : `The task ${this.key} cannot go from ${this.state} to ${to}.`,
      );
    }
    const { result, fault } = args;
    if (result !== undefined && to !== 'success') throw new InvalidState('A result can only be set with state success.');
    if (fault !== undefined) {
      if (to !== 'error') throw new InvalidState('A fault can only be set with state error.');
      const faultType = ((fault as DataObject).fault as DataObject | undefined)?._type ?? 'MethodFault';
      if (!types.isSubtypeOf(faultType, 'VimFault')) {
        throw new InvalidState(`The fault type ${faultType} does not extend VimFault.`);
      }
    }
    switch (effect) {
      case 'noop':
        return undefined;
      case 'start':
        this.update({ state: 'running', startTime: this.host.timestamp() }, actor);
        return undefined;
      case 'complete': {
        const error = to === 'error' ? (fault ?? this.pendingCancelError()) : undefined;
        this.update({ state: to, completeTime: this.host.timestamp(), result, error }, actor);
        return undefined;
      }
    }
  }

  /** A cooperatively canceled task that its owner ends in error without a fault ends as canceled. */
  private pendingCancelError(): DataObject | undefined {
    if (this.current.cancelled !== true) return undefined;
    return localizedMethodFault(new RequestCanceled(CANCELED_MESSAGE).toDataObject(), CANCELED_MESSAGE);
  }

  updateProgress(percentDone: number, actor: Actor): undefined {
    if (this.state !== 'running') throw new InvalidState(`The task ${this.key} is ${this.state}; progress can only be set while it is running.`);
    const progress = clampProgress(percentDone);
    if (progress !== this.current.progress) this.update({ progress }, actor);
    return undefined;
  }

  /** Stops timers when the task is evicted or the server stops. */
  dispose(): void {
    if (this.cancelTimer) clearTimeout(this.cancelTimer);
  }
}

/**
 * Every task a user starts has an equal reason, so tasks share one per user name (data objects
 * are never mutated). Only short names are shared, and the table is emptied whenever it fills,
 * so it stays small whatever names clients send.
 */
const USER_REASONS = new Map<string, DataObject>();
const USER_REASONS_MAX = 4096;
const USER_REASON_MAX_NAME = 64;

function userReason(userName: string): DataObject {
  if (userName.length > USER_REASON_MAX_NAME) return dataObject('TaskReasonUser', { userName });
  let reason = USER_REASONS.get(userName);
  if (reason === undefined) {
    if (USER_REASONS.size >= USER_REASONS_MAX) USER_REASONS.clear();
    reason = dataObject('TaskReasonUser', { userName });
    USER_REASONS.set(userName, reason);
  }
  return reason;
}

export function newTaskInfo(fields: {
  key: string;
  descriptionId: string;
  entity: ManagedObjectReference;
  entityName: string | undefined;
  cancelable: boolean;
  userName: string;
  queueTime: string;
  eventChainId: number;
  parentTaskKey: string | undefined;
  rootTaskKey: string | undefined;
  activationId: string | undefined;
}): DataObject {
  return dataObject('TaskInfo', {
    key: fields.key,
    task: new ManagedObjectReference('Task', fields.key),
    descriptionId: fields.descriptionId,
    entity: fields.entity,
    entityName: fields.entityName,
    state: 'queued',
    cancelled: false,
    cancelable: fields.cancelable,
    reason: userReason(fields.userName),
    queueTime: fields.queueTime,
    eventChainId: fields.eventChainId,
    parentTaskKey: fields.parentTaskKey,
    rootTaskKey: fields.rootTaskKey,
    activationId: fields.activationId,
  });
}
