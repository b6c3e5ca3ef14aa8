// The one implementation of every *_Task method of the inventory: it creates the task (entity
// `_this`, vCenter's descriptionId, the caller as initiator), answers with its reference at once,
// then runs the task's lifecycle on timers: queued, running with progress steps, then the
// outcome a test author's rule asks for (or a short success), applying the method's effect when
// it succeeds. The emulator is the task's owner: in cooperative cancel mode it ends a task that
// was asked to cancel as canceled.

import type { ManagedObjectReference, VimValue } from './data.js';
import { ManagedEntity, type TaskMethodHandler } from './entity.js';
import { MethodFault, NoPermission, localizedMethodFault } from './faults.js';
import type { InventoryTree } from './inventory-tree.js';
import type { Arguments, CallContext, ManagedObject } from './managed-object.js';
import type { ObjectRegistry } from './registry.js';
import { Task, type Actor } from './Task.js';
import type { TaskManager } from './TaskManager.js';
import { isTerminal } from './task-state.js';
import { applyEffect } from './task-effects.js';
import { entityPrivilege, taskMethod, type TaskMethodName } from './task-methods.js';
import { hasPrivilege } from './session.js';
import { VirtualMachineSnapshot } from './VirtualMachineSnapshot.js';
import { taskTimetable, type TaskStep } from './task-timetable.js';
import type { LocalizedMethodFault } from './vim-types.js';

export type MethodTaskOutcome = 'success' | 'error' | 'hangUntilCancelled' | 'hangUntilFinished';

/** How one task runs: what a method rule says, or the default. */
export interface MethodTaskPlan {
  /** Time spent queued before running. */
  readonly queueMs: number;
  /** Time from running to the outcome. */
  readonly durationMs: number;
  /** Progress updates spread evenly while running (1 → 50%; 4 → 20, 40, 60, 80). */
  readonly progressSteps: number;
  readonly outcome: MethodTaskOutcome;
  /** For success: the task's result instead of the effect's. */
  readonly result?: VimValue | undefined;
  /** For error: the fault. */
  readonly fault?: LocalizedMethodFault | undefined;
  /** Overrides whether a client may cancel the task. */
  readonly cancelable?: boolean | undefined;
}

/** One call of a *_Task method, as rules select it. */
export interface MethodCall {
  readonly method: TaskMethodName;
  /** `_this`. */
  readonly target: ManagedObject;
  /** The task's entity: `_this`, or a snapshot's VM. */
  readonly entity: ManagedEntity;
}

/** Where plans come from (the control API's method rules). */
export interface PlanSource {
  planFor(call: MethodCall): MethodTaskPlan | undefined;
}

export interface MethodTaskOptions {
  /** How long a task runs when no rule says otherwise. */
  readonly defaultDurationMs: number;
}

const OWNER: Actor = { user: 'vtask-emulator', method: 'method task' };

/** What is left of a running method task, for the state document. */
export interface MethodTaskSnapshot {
  readonly task: Task;
  readonly method: TaskMethodName;
  /** `_this`. */
  readonly target: ManagedObject;
  /** The call's arguments, which the effect reads on success. */
  readonly args: Arguments;
  readonly outcome: MethodTaskOutcome;
  readonly result?: VimValue | undefined;
  readonly fault?: LocalizedMethodFault | undefined;
  readonly steps: readonly TaskStep[];
}

interface Run {
  readonly task: Task;
  readonly call: MethodCall;
  readonly args: Arguments;
  readonly plan: MethodTaskPlan;
  /** The plan's steps not yet run. */
  readonly steps: TaskStep[];
  readonly timers: Set<NodeJS.Timeout>;
  /** A cancel request is being acted on. */
  canceling: boolean;
}

export class MethodTaskRunner {
  private readonly runs = new Map<Task, Run>();
  private readonly handlers = new Map<string, TaskMethodHandler>();
  private plans: PlanSource | undefined;
  private readonly stopListening: () => void;

  constructor(
    private readonly registry: ObjectRegistry,
    private readonly taskManager: TaskManager,
    private readonly tree: () => InventoryTree,
    private readonly options: MethodTaskOptions,
  ) {
    this.stopListening = registry.onChange((object) => {
      if (object instanceof Task) this.taskChanged(object);
    });
  }

  /** Test authors' rules decide how tasks run (undefined: every task runs the default). */
  usePlans(source: PlanSource | undefined): void {
    this.plans = source;
  }

  /** The handler the dispatcher calls for a *_Task method; undefined for any other name. */
  handler(name: string): TaskMethodHandler | undefined {
    const info = taskMethod(name);
    if (!info) return undefined;
    let handler = this.handlers.get(name);
    if (!handler) {
      const start = (target: ManagedObject, ctx: CallContext, args: Arguments) => this.start(info.name, target, ctx, args);
      handler = function (this: ManagedObject, ctx: CallContext, args: Arguments) {
        return start(this, ctx, args);
      };
      this.handlers.set(name, handler);
    }
    return handler;
  }

  private start(method: TaskMethodName, target: ManagedObject, ctx: CallContext, args: Arguments): ManagedObjectReference {
    const info = taskMethod(method);
    const entity = target instanceof VirtualMachineSnapshot ? target.vm : target;
    if (!info || !(entity instanceof ManagedEntity)) throw new Error(`${method} was routed to ${target.ref.toString()}, which is no inventory entity`);
    const privilege = entityPrivilege(method, target.typeChain);
    if (privilege && ctx.session && !hasPrivilege(ctx.session, privilege)) throw new NoPermission(target.ref, privilege);
    const call: MethodCall = { method, target, entity };
    const plan = this.plans?.planFor(call) ?? { queueMs: 0, durationMs: this.options.defaultDurationMs, progressSteps: 0, outcome: 'success' };
    const task = this.taskManager.create(
      { obj: entity.ref, taskTypeId: info.descriptionId, cancelable: plan.cancelable ?? info.cancelable, initiatedBy: undefined },
      { user: ctx.session?.userName ?? '', method, session: ctx.session },
      true,
    );
    const steps = taskTimetable(Date.now(), plan, { start: true, outcome: plan.outcome === 'success' || plan.outcome === 'error' });
    const run: Run = { task, call, args, plan, steps, timers: new Set(), canceling: false };
    this.runs.set(task, run);
    entity.addTask(task);
    this.schedule(run);
    return task.ref;
  }

  /** Arms a timer per step still to come; steps already due run at once, in order. */
  private schedule(run: Run): void {
    const { plan, task } = run;
    const now = Date.now();
    for (const step of run.steps) {
      this.at(run, step.at - now, () => {
        run.steps.splice(run.steps.indexOf(step), 1);
        if (step.kind === 'start') task.setState({ state: 'running' }, OWNER);
        else if (step.kind === 'progress') task.updateProgress(step.percent, OWNER);
        else this.complete(run, plan.outcome === 'success' ? { success: true, result: plan.result } : { success: false, fault: plan.fault });
      });
    }
  }

  /** What is left of every running method task. */
  snapshot(): MethodTaskSnapshot[] {
    return [...this.runs.values()].map(({ task, call, args, plan, steps }) => ({
      task,
      method: call.method,
      target: call.target,
      args,
      outcome: plan.outcome,
      result: plan.result,
      fault: plan.fault,
      steps: steps.map((step) => ({ ...step })),
    }));
  }

  /**
   * Continues a saved method task (a state restore): its steps run when due, or at once when
   * past; a hung one waits for the control API (or a cancel) as before.
   */
  resume(saved: MethodTaskSnapshot): void {
    const { task, target } = saved;
    const entity = target instanceof VirtualMachineSnapshot ? target.vm : target;
    if (!(entity instanceof ManagedEntity)) throw new Error(`${saved.method} cannot resume on ${target.ref.toString()}, which is no inventory entity`);
    const plan: MethodTaskPlan = { queueMs: 0, durationMs: 0, progressSteps: 0, outcome: saved.outcome, result: saved.result, fault: saved.fault };
    const run: Run = {
      task,
      call: { method: saved.method, target, entity },
      args: saved.args,
      plan,
      steps: saved.steps.map((step) => ({ ...step })),
      timers: new Set(),
      canceling: false,
    };
    this.runs.set(task, run);
    this.schedule(run);
    // A cancel asked for before the save is acted on as it would have been.
    this.taskChanged(task);
  }

  /** Runs a step later, unless the task has ended by then. */
  private at(run: Run, delayMs: number, step: () => void): void {
    const timer = setTimeout(
      () => {
        run.timers.delete(timer);
        if (isTerminal(run.task.state)) return;
        try {
          step();
        } catch (error) {
          // A step the task no longer allows (it was canceled meanwhile) ends the script quietly.
          if (!(error instanceof MethodFault)) throw error;
        }
      },
      Math.max(0, delayMs),
    );
    timer.unref();
    run.timers.add(timer);
  }

  /** Ends a task: success applies the method's effect first (a failing effect fails the task). */
  private complete(run: Run, outcome: { success: true; result?: VimValue | undefined } | { success: false; fault?: LocalizedMethodFault | undefined }): void {
    const { task } = run;
    if (task.state === 'queued') task.setState({ state: 'running' }, OWNER);
    if (!outcome.success) {
      task.setState({ state: 'error', fault: outcome.fault }, OWNER, true);
      return;
    }
    let result: VimValue | undefined;
    try {
      if (this.registry.get(run.call.target.ref) !== run.call.target) {
        throw new MethodFault('ManagedObjectNotFound', `The object '${run.call.target.ref.toString()}' has already been deleted`, { obj: run.call.target.ref });
      }
      result = applyEffect(run.call.method, run.call.target, run.args, this.tree());
    } catch (error) {
      if (!(error instanceof MethodFault)) throw error;
      task.setState({ state: 'error', fault: localizedMethodFault(error.toDataObject(), error.message) }, OWNER, true);
      return;
    }
    task.setState({ state: 'success', result: outcome.result ?? result }, OWNER);
  }

  private taskChanged(task: Task): void {
    const run = this.runs.get(task);
    if (!run) return;
    if (isTerminal(task.state)) {
      for (const timer of run.timers) clearTimeout(timer);
      this.runs.delete(task);
      run.call.entity.taskEnded();
      return;
    }
    // Cooperative cancel: the owner ends the task as canceled, unless only the control API may end it.
    if (task.info.cancelled && !run.canceling && run.plan.outcome !== 'hangUntilFinished') {
      run.canceling = true;
      this.at(run, 0, () => task.setState({ state: 'error' }, OWNER));
    }
  }

  /** Whether a task is a running *_Task method's (the control API can finish those). */
  isMethodTask(task: Task): boolean {
    return this.runs.has(task);
  }

  /** Ends a method task now, as the control API asks: success runs the method's effect. */
  finish(task: Task, outcome: { success: true; result?: VimValue | undefined } | { success: false; fault?: LocalizedMethodFault | undefined }): void {
    const run = this.runs.get(task);
    if (!run) throw new Error(`task '${task.key}' is not a running *_Task method's task`);
    this.complete(run, outcome);
  }

  /** Stops every lifecycle's timers; the tasks stay as they are. */
  clear(): void {
    for (const run of this.runs.values()) for (const timer of run.timers) clearTimeout(timer);
    this.runs.clear();
  }

  dispose(): void {
    this.clear();
    this.stopListening();
  }
}
