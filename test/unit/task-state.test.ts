// The pure state machine against an independent model of contract.md's States table, with
// fast-check generating sequences of requested states and progress updates.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { clampProgress, isTerminal, TASK_STATES, transition, type TaskState } from '../../src/vim/task-state.js';

/** The model: the table written out as the contract states it, cell by cell. */
function modelAllows(from: TaskState, to: TaskState): boolean {
  if (from === 'success' || from === 'error') return false;
  if (from === 'running' && to === 'queued') return false;
  return true;
}

describe('task-state', () => {
  test('every cell of the table matches the contract', () => {
    for (const from of TASK_STATES) {
      for (const to of TASK_STATES) {
        const effect = transition(from, to);
        expect(effect !== 'invalid', `${from} → ${to}`).toBe(modelAllows(from, to));
        if (effect !== 'invalid') {
          const expected = from === to ? 'noop' : to === 'running' ? 'start' : 'complete';
          expect(effect, `${from} → ${to}`).toBe(expected);
        }
      }
    }
  });

  test('random sequences: terminal is final, state only moves forward, progress stays in 0..100', () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('state' as const), to: fc.constantFrom(...TASK_STATES) }),
      fc.record({ kind: fc.constant('progress' as const), value: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        let state: TaskState = 'queued';
        let progress: number | undefined;
        const order: Record<TaskState, number> = { queued: 0, running: 1, success: 2, error: 2 };
        for (const s of steps) {
          if (s.kind === 'progress') {
            if (state === 'running') progress = clampProgress(s.value);
            continue;
          }
          const before = state;
          const effect = transition(state, s.to);
          if (effect === 'invalid') {
            expect(modelAllows(before, s.to)).toBe(false);
            continue;
          }
          state = s.to;
          expect(order[state]).toBeGreaterThanOrEqual(order[before]);
          if (isTerminal(before)) throw new Error('left a terminal state');
        }
        if (progress !== undefined) {
          expect(progress).toBeGreaterThanOrEqual(0);
          expect(progress).toBeLessThanOrEqual(100);
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('clampProgress', () => {
    expect(clampProgress(-5)).toBe(0);
    expect(clampProgress(150)).toBe(100);
    expect(clampProgress(42)).toBe(42);
  });
});
