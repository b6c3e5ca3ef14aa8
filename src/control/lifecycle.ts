// Scripted lifecycles: a task that goes queued → running → progress steps → success or error
// on a timetable, so a client can wait on a task nobody drives. The steps go through the same
// Task methods (and rules) as SOAP calls; a step the task no longer allows (it was canceled,
// say) ends the script quietly.

import type { VimValue } from '../vim/data.js';
import { MethodFault } from '../vim/faults.js';
import type { Actor, Task } from '../vim/Task.js';
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

const ACTOR: Actor = { user: 'vtask-emulator', method: 'scripted lifecycle' };

export class LifecycleRunner {
  private readonly timers = new Set<NodeJS.Timeout>();

  start(task: Task, spec: LifecycleSpec): void {
    const steps: Array<[number, () => void]> = [];
    if (task.state === 'queued') steps.push([spec.startAfterMs, () => task.setState({ state: 'running' }, ACTOR)]);
    for (let i = 1; i <= spec.progressSteps; i++) {
      const at = spec.startAfterMs + (spec.durationMs * i) / (spec.progressSteps + 1);
      const percent = Math.round((100 * i) / (spec.progressSteps + 1));
      steps.push([at, () => task.updateProgress(percent, ACTOR)]);
    }
    steps.push([
      spec.startAfterMs + spec.durationMs,
      () => task.setState(spec.outcome === 'success' ? { state: 'success', result: spec.result } : { state: 'error', fault: spec.fault }, ACTOR),
    ]);
    let stopped = false;
    for (const [at, run] of steps) {
      const timer = setTimeout(
        () => {
          this.timers.delete(timer);
          if (stopped) return;
          try {
            run();
          } catch (error) {
            if (!(error instanceof MethodFault)) throw error;
            stopped = true;
          }
        },
        Math.max(0, at),
      );
      timer.unref();
      this.timers.add(timer);
    }
  }

  get pending(): number {
    return this.timers.size;
  }

  clear(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
