// Model-based test of the *_Task methods: random calls on the default inventory under random
// method rules (outcomes, timetables, cancelability) and random CancelTask times, in both cancel
// modes, on fake timers. Every task must end in exactly one terminal state, the one its rule and
// the cancel predict; hung tasks are finished through the runner as the control API would.

import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { localizedMethodFault, MethodFault } from '../../src/vim/faults.js';
import type { MethodTaskOutcome } from '../../src/vim/method-tasks.js';
import type { CancelMode, Task } from '../../src/vim/Task.js';
import { taskMethod } from '../../src/vim/task-methods.js';
import { harness } from '../helpers/method-tasks.js';

const METHODS = ['PowerOnVM_Task', 'PowerOffVM_Task', 'ResetVM_Task', 'ReconfigVM_Task', 'CreateSnapshot_Task', 'Rename_Task'] as const;
const VMS = ['/DC0/vm/web-01', '/DC0/vm/web-02', '/DC0/vm/db-01'] as const;
const OUTCOMES: readonly MethodTaskOutcome[] = ['success', 'error', 'hangUntilCancelled', 'hangUntilFinished'];

const step = fc.record({
  method: fc.constantFrom(...METHODS),
  vm: fc.constantFrom(...VMS),
  rule: fc.option(
    fc.record({
      outcome: fc.constantFrom(...OUTCOMES),
      // Multiples of 10, cancels at 5 past: a cancel never ties with a step.
      queueMs: fc.integer({ min: 0, max: 5 }).map((n) => n * 10),
      durationMs: fc.integer({ min: 0, max: 20 }).map((n) => n * 10),
      progressSteps: fc.integer({ min: 0, max: 4 }),
      cancelable: fc.boolean(),
    }),
    { nil: undefined },
  ),
  cancelAt: fc.option(
    fc.integer({ min: 0, max: 30 }).map((n) => n * 10 + 5),
    { nil: undefined },
  ),
});

type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

const FAULT = localizedMethodFault(new MethodFault('InsufficientResourcesFault', 'full').toDataObject(), 'full');
const DEFAULT_MS = 100;

function terminalEntries(task: Task): number {
  return task.history.filter((t) => t.changes.state && (t.changes.state.new === 'success' || t.changes.state.new === 'error')).length;
}

function check(mode: CancelMode, steps: Step[]): void {
  const h = harness({ cancelMode: mode, defaultDurationMs: DEFAULT_MS });
  try {
    let renames = 0;
    const started: Array<{ task: Task; step: Step; cancelAccepted: boolean }> = [];
    for (const s of steps) {
      h.rules.clear();
      if (s.rule) {
        h.rules.add({ method: s.method, entity: s.vm, plan: { ...s.rule, fault: s.rule.outcome === 'error' ? FAULT : undefined }, json: {} });
      }
      const args =
        s.method === 'Rename_Task'
          ? { newName: `renamed-${renames++}` }
          : s.method === 'CreateSnapshot_Task'
            ? { name: 'snap', memory: false, quiesce: false }
            : s.method === 'ReconfigVM_Task'
              ? { spec: { _type: 'VirtualMachineConfigSpec', numCPUs: 2 } }
              : {};
      const task = h.call(h.entity(s.vm), s.method, args);
      const entry = { task, step: s, cancelAccepted: false };
      started.push(entry);
      if (s.cancelAt !== undefined) {
        setTimeout(() => {
          try {
            task.cancel({ user: 'alice', method: 'CancelTask' });
            entry.cancelAccepted = true;
          } catch (error) {
            if (!(error instanceof MethodFault)) throw error;
          }
        }, s.cancelAt);
      }
      // Renames change paths: later steps find VMs by their current names.
      vi.advanceTimersByTime(1_000);
      if (s.method === 'Rename_Task' && task.state === 'success') {
        const renamed = h.inventory.tree.find(`/DC0/vm/renamed-${renames - 1}`);
        renamed?.rename(s.vm.slice('/DC0/vm/'.length));
      }
    }
    // Whatever hangs is finished as the control API would: success.
    for (const { task } of started) if (task.state !== 'success' && task.state !== 'error') h.inventory.methodTasks.finish(task, { success: true });
    for (const { task, step: s, cancelAccepted } of started) {
      expect(terminalEntries(task), task.key).toBe(1);
      const outcome = s.rule?.outcome ?? 'success';
      const cancelable = s.rule?.cancelable ?? taskMethod(s.method)?.cancelable;
      const end = (s.rule?.queueMs ?? 0) + (s.rule?.durationMs ?? DEFAULT_MS);
      const hangs = outcome === 'hangUntilCancelled' || outcome === 'hangUntilFinished';
      const cancelBeforeEnd = s.cancelAt !== undefined && (hangs || s.cancelAt < end);
      expect(cancelAccepted, `${task.key}: cancel accepted`).toBe(cancelable && cancelBeforeEnd);
      const waitsForControl = outcome === 'hangUntilFinished' && mode === 'cooperative' && s.cancelAt !== undefined && s.cancelAt >= (s.rule?.queueMs ?? 0);
      if (cancelAccepted && !waitsForControl) {
        expect(task.info.state, task.key).toBe('error');
        expect(task.info.error?.fault._type).toBe('RequestCanceled');
      } else if (outcome === 'error') {
        expect(task.info.state, task.key).toBe('error');
        expect(task.info.error?.fault._type).toBe('InsufficientResourcesFault');
      } else {
        expect(task.info.state, task.key).toBe('success');
      }
    }
  } finally {
    h.dispose();
  }
}

describe('model: *_Task methods under random rules and cancels', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  for (const mode of ['immediate', 'cooperative'] as const) {
    it(`cancel mode ${mode}: every task ends once, as its rule and the cancel say`, () => {
      fc.assert(
        fc.property(fc.array(step, { minLength: 1, maxLength: 12 }), (steps) => check(mode, steps)),
        { numRuns: 150 },
      );
    }, 120_000);
  }
});
