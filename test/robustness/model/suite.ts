// One model-based test group: one server, many short random sequences on fresh tasks.

import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Config } from '../../../src/server/config.js';
import type { Emulator } from '../../../src/server/app.js';
import { EXAMPLE_USERS, startEmulator } from '../../helpers/emulator.js';
import type { ModelConfig } from './model.js';
import { initialArb, openWorld, runSequence, sequenceArb, type World } from './runner.js';

/** VTASK_MODEL_SCALE multiplies every group's run count (e.g. 10 for a long local run); VTASK_MODEL_SEED replays one. */
const SCALE = Number(process.env.VTASK_MODEL_SCALE ?? 1);
const SEED = process.env.VTASK_MODEL_SEED ? Number(process.env.VTASK_MODEL_SEED) : undefined;

export function modelGroup(name: string, config: ModelConfig, overrides: Partial<Config>, baseRuns: number, timeLimitMs: number): void {
  let emulator: Emulator;
  let world: World;
  const numRuns = Math.round(baseRuns * SCALE);

  beforeAll(async () => {
    // Many sequences leave tasks queued or running, which are never evicted: with the default
    // maxTasks a just-completed task would be the only one left to evict, so raise it.
    emulator = await startEmulator({
      usersFile: EXAMPLE_USERS,
      cancelMode: config.cancelMode,
      cancelTaskPrivilege: config.cancelPrivilege,
      maxTasks: 1_000_000,
      ...overrides,
    });
    world = await openWorld(emulator.url(), config);
  });
  afterAll(async () => {
    world?.transport.close();
    await emulator?.close();
  });

  test(
    `${name}: ${numRuns} random call sequences match the model of contract.md`,
    async () => {
      const started = Date.now();
      await fc.assert(
        fc.asyncProperty(initialArb, sequenceArb, (init, commands) => runSequence(world, init, commands)),
        { numRuns, seed: SEED, interruptAfterTimeLimit: timeLimitMs * SCALE, markInterruptAsFailure: true },
      );
      expect(world.sequences).toBeGreaterThanOrEqual(numRuns);
      console.log(`${name}: ${world.sequences} sequences, ${world.steps} steps in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    },
    timeLimitMs * SCALE + 30_000,
  );
}
