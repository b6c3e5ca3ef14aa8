// When a scripted task moves: the one timetable both scripted lifecycles (control API) and the
// *_Task methods' tasks follow, so the two cannot drift apart.

/** One step of a task's timetable, due at `at` (epoch ms). */
export type TaskStep =
  | { readonly at: number; readonly kind: 'start' }
  | { readonly at: number; readonly kind: 'progress'; readonly percent: number }
  | { readonly at: number; readonly kind: 'outcome' };

export interface TimetableSpec {
  /** Time queued before the task starts running. */
  readonly queueMs: number;
  /** Time running, from start to outcome. */
  readonly durationMs: number;
  /** Progress updates spread evenly over the run (1: 50%; 4: 20, 40, 60, 80). */
  readonly progressSteps: number;
}

/**
 * The steps from `begin` on: a start (unless `start` is false: the task already runs), the
 * progress updates, and an outcome (unless `outcome` is false: the task hangs).
 */
export function taskTimetable(begin: number, spec: TimetableSpec, parts: { readonly start: boolean; readonly outcome: boolean }): TaskStep[] {
  const running = begin + spec.queueMs;
  const steps: TaskStep[] = parts.start ? [{ at: running, kind: 'start' }] : [];
  for (let i = 1; i <= spec.progressSteps; i++) {
    steps.push({ at: running + (spec.durationMs * i) / (spec.progressSteps + 1), kind: 'progress', percent: Math.round((100 * i) / (spec.progressSteps + 1)) });
  }
  if (parts.outcome) steps.push({ at: running + spec.durationMs, kind: 'outcome' });
  return steps;
}
