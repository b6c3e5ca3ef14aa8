// The TaskInfoState machine, pure: which state changes are allowed and what each one does.
// The table is contract.md's "States" table, row by row.

export const TASK_STATES = ['queued', 'running', 'success', 'error'] as const;
export type TaskState = (typeof TASK_STATES)[number];

/**
 * What a requested state change does:
 * - `noop`: same non-terminal state, nothing changes;
 * - `start`: the task starts running (startTime is set);
 * - `complete`: the task reaches a terminal state (completeTime is set);
 * - `invalid`: refused with InvalidState.
 */
export type TransitionEffect = 'noop' | 'start' | 'complete' | 'invalid';

const TRANSITIONS: Readonly<Record<TaskState, Readonly<Record<TaskState, TransitionEffect>>>> = {
  queued: { queued: 'noop', running: 'start', success: 'complete', error: 'complete' },
  running: { queued: 'invalid', running: 'noop', success: 'complete', error: 'complete' },
  success: { queued: 'invalid', running: 'invalid', success: 'invalid', error: 'invalid' },
  error: { queued: 'invalid', running: 'invalid', success: 'invalid', error: 'invalid' },
};

export function transition(from: TaskState, to: TaskState): TransitionEffect {
  return TRANSITIONS[from][to];
}

export function isTerminal(state: TaskState): boolean {
  return state === 'success' || state === 'error';
}

export function isTaskState(value: unknown): value is TaskState {
  return TASK_STATES.some((state) => state === value);
}

/** percentDone outside 0..100 is clamped, as vSphere API 4.0 and later do. */
export function clampProgress(percentDone: number): number {
  return Math.min(100, Math.max(0, Math.trunc(percentDone)));
}
