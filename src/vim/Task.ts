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

export class Task extends ManagedObject {
  readonly ref: ManagedObjectReference;
  readonly typeChain = ['Task', 'ExtensibleManagedObject', 'ManagedObject'];
  readonly propertyTypes = { info: 'TaskInfo', availableField: 'ArrayOfCustomFieldDef', value: 'ArrayOfCustomFieldValue' };
  private current: DataObject;
  private cancelTimer: NodeJS.Timeout | undefined;
  private transitions: TaskTransition[] | undefined;

  constructor(info: DataObject, private readonly host: TaskHost, creator: Actor) {
    super();
    this.ref = info.task as ManagedObjectReference;
    this.current = info;
    this.record(creator, { state: { old: undefined, new: info.state } }, info.queueTime as string);
  }

  readonly methods: Record<string, MethodHandler> = {
    CancelTask: (ctx) => this.cancel(actorOf(ctx, 'CancelTask')),
    SetTaskDescription: (ctx, args) => this.setDescription(args.description as DataObject, actorOf(ctx, 'SetTaskDescription')),
    SetTaskState: (ctx, args) => this.setState(ctx.types, args, actorOf(ctx, 'SetTaskState')),
    UpdateProgress: (ctx, args) => this.updateProgress(args.percentDone as number, actorOf(ctx, 'UpdateProgress')),
  };

  get info(): DataObject {
    return this.current;
  }

  get key(): string {
    return this.current.key as string;
  }

  get state(): TaskState {
    return this.current.state as TaskState;
  }

  /** Every change made to this task, oldest first (at most MAX_HISTORY). */
  get history(): readonly TaskTransition[] {
    return this.transitions ?? [];
  }

  getProperty(name: string): VimValue | undefined {
    switch (name) {
      case 'info': return this.current;
      case 'availableField':
      case 'value': return [];
      default: return undefined;
    }
  }

  private record(actor: Actor, changes: TaskTransition['changes'], time = this.host.timestamp()): void {
    const list = (this.transitions ??= []);
    if (list.length >= MAX_HISTORY) list.shift();
    list.push({ time, user: actor.user, method: actor.method, changes });
  }

  private update(fields: Record<string, VimValue | undefined>, actor: Actor): void {
    const changes: Record<string, { old: VimValue | undefined; new: VimValue | undefined }> = {};
    for (const [key, value] of Object.entries(fields)) {
      if (value !== undefined || this.current[key] !== undefined) changes[key] = { old: this.current[key], new: value };
    }
    const completed = isTerminal(fields.state as TaskState);
    this.current = { ...this.current, ...fields };
    if (completed && this.cancelTimer) clearTimeout(this.cancelTimer);
    this.record(actor, changes);
    this.host.taskChanged(this, completed);
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
    reason: dataObject('TaskReasonUser', { userName: fields.userName }),
    queueTime: fields.queueTime,
    eventChainId: fields.eventChainId,
    parentTaskKey: fields.parentTaskKey,
    rootTaskKey: fields.rootTaskKey,
    activationId: fields.activationId,
  });
}
