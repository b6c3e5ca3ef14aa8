// Scripted lifecycles: a task that goes queued → running → progress steps → success or error
// on a timetable, so a client can wait on a task nobody drives. The steps go through the same
// Task methods (and rules) as SOAP calls; a step the task no longer allows (it was canceled,
// say) ends the script quietly. A script is data (its steps and when each is due), so a state
// document can carry the steps still to come and a restore can continue them.

import type { VimValue } from '../vim/data.js';
import { MethodFault } from '../vim/faults.js';
import type { Actor, Task } from '../vim/Task.js';
import { taskTimetable, type TaskStep } from '../vim/task-timetable.js';
import type { LocalizedMethodFault } from '../vim/vim-types.js';

export interface LifecycleSpec {
  /** Delay before the task starts running. */
  readonly startAfterMs: number;
  /** Time from running to the outcome. */
  readonly durationMs: number;
  /** Progress updates spread evenly while running (e.g. 4 → 20, 40, 60, 80). */
  readonly progressSteps: number;
  readonly outcome: 'success' | 'error';
  readonly result?: VimValue;
  /** LocalizedMethodFault for an error outcome. */
  readonly fault?: LocalizedMethodFault;
}

/** A script not finished yet: its task, how it ends, and the steps still to come, in order. */
export interface LifecycleSnapshot {
  readonly task: Task;
  readonly outcome: 'success' | 'error';
  readonly result?: VimValue;
  readonly fault?: LocalizedMethodFault;
  readonly steps: readonly TaskStep[];
}

interface Script extends LifecycleSnapshot {
  /** Index of the next step to run. */
  next: number;
  timer: NodeJS.Timeout | undefined;
}

const ACTOR: Actor = { user: 'vtask-emulator', method: 'scripted lifecycle' };

export class LifecycleRunner {
  private readonly scripts = new Set<Script>();
  /** Counts changes to the scripts, so a state file is not rewritten when nothing changed. */
  changes = 0;

  constructor(private readonly now: () => number = Date.now) {}

  start(task: Task, spec: LifecycleSpec): void {
    const timing = { queueMs: spec.startAfterMs, durationMs: spec.durationMs, progressSteps: spec.progressSteps };
    const steps = taskTimetable(this.now(), timing, { start: task.state === 'queued', outcome: true });
    this.run({ task, outcome: spec.outcome, result: spec.result, fault: spec.fault, steps });
  }

  /** Continues a script from a snapshot: steps already due run at once, in order. */
  run(snapshot: LifecycleSnapshot): void {
    const script: Script = { ...snapshot, next: 0, timer: undefined };
    this.scripts.add(script);
    this.changes++;
    this.schedule(script);
  }

  /** Every unfinished script with the steps it has left. */
  snapshot(): LifecycleSnapshot[] {
    return [...this.scripts].map(({ task, outcome, result, fault, steps, next }) => ({ task, outcome, result, fault, steps: steps.slice(next) }));
  }

  private schedule(script: Script): void {
    const step = script.steps[script.next];
    if (!step) {
      this.scripts.delete(script);
      return;
    }
    script.timer = setTimeout(() => this.step(script), Math.max(0, step.at - this.now()));
    script.timer.unref();
  }

  private step(script: Script): void {
    const step = script.steps[script.next++];
    const { task } = script;
    this.changes++;
    try {
      if (step.kind === 'start') task.setState({ state: 'running' }, ACTOR);
      else if (step.kind === 'progress') task.updateProgress(step.percent, ACTOR);
      else task.setState(script.outcome === 'success' ? { state: 'success', result: script.result } : { state: 'error', fault: script.fault }, ACTOR);
    } catch (error) {
      this.scripts.delete(script);
      if (!(error instanceof MethodFault)) throw error;
      return;
    }
    this.schedule(script);
  }

  /** Scripts not finished yet. */
  get pending(): number {
    return this.scripts.size;
  }

  clear(): void {
    for (const script of this.scripts) clearTimeout(script.timer);
    this.scripts.clear();
    this.changes++;
  }
}
