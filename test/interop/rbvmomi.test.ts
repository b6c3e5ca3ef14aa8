// Runs the real rbvmomi 1.8 client (Debian ruby-rbvmomi) against an in-process emulator over
// HTTPS: test/interop/rbvmomi/task_lifecycle.rb drives a task's life, waiting, a fault (in
// rbvmomi's bare-fault form) and a cancel; views.rb reads through a container view and a list
// view and makes the SearchIndex lookups; task_events.rb reads a task's events. Each exits
// non-zero at the first failed step. A missing ruby or rbvmomi fails the suite; it is never
// skipped.

import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startEmulator } from '../helpers/emulator.js';
import { run } from '../helpers/run.js';

const INSTALL_HINT = 'rbvmomi is not loadable by ruby; install it with: apt-get install -y ruby-rbvmomi';
const SCRIPT = path.join(ROOT, 'test/interop/rbvmomi/task_lifecycle.rb');
const VIEWS_SCRIPT = path.join(ROOT, 'test/interop/rbvmomi/views.rb');
const EVENTS_SCRIPT = path.join(ROOT, 'test/interop/rbvmomi/task_events.rb');

describe('rbvmomi 1.8 interop (real client against the emulator)', () => {
  let emulator: Awaited<ReturnType<typeof startEmulator>>;

  beforeAll(async () => {
    emulator = await startEmulator({ tls: true });
  });

  afterAll(async () => {
    await emulator?.close();
  });

  it('ruby and rbvmomi are installed', async () => {
    const probe = await run('ruby', ['-e', 'require "rbvmomi"'], process.env, 30_000);
    expect(probe.code, `${INSTALL_HINT}\n${probe.output}`).toBe(0);
  });

  it('task lifecycle, waiting, a fault and a cancel, end to end', async () => {
    const url = new URL(emulator.url());
    const result = await run('ruby', [SCRIPT], { ...process.env, VTASK_HOST: url.hostname, VTASK_PORT: url.port }, 120_000);
    expect(result.code, `${INSTALL_HINT} (if it is missing)\n${result.output}`).toBe(0);
    expect(result.output).toContain('rbvmomi: all steps passed');
    // Every step reported, none left out.
    expect(result.output.match(/^ok /gm)?.length).toBe(12);
  }, 150_000);

  it('a container view and a list view read through the PropertyCollector, and the SearchIndex lookups Folder#find makes', async () => {
    const url = new URL(emulator.url());
    const result = await run('ruby', [VIEWS_SCRIPT], { ...process.env, VTASK_HOST: url.hostname, VTASK_PORT: url.port }, 60_000);
    expect(result.code, `${INSTALL_HINT} (if it is missing)\n${result.output}`).toBe(0);
    expect(result.output).toContain('rbvmomi views: all steps passed');
    // Eight steps, besides one Folder#find('<name>') per child of the root folder.
    expect(result.output.match(/^ok (?!Folder#find\(')/gm)?.length).toBe(8);
  }, 90_000);

  it("a task's events: its TaskEvent on its chain, an ExtendedEvent posted against it, a collector reading both", async () => {
    const url = new URL(emulator.url());
    const result = await run('ruby', [EVENTS_SCRIPT], { ...process.env, VTASK_HOST: url.hostname, VTASK_PORT: url.port }, 60_000);
    expect(result.code, `${INSTALL_HINT} (if it is missing)\n${result.output}`).toBe(0);
    expect(result.output).toContain('rbvmomi events: all steps passed');
    expect(result.output.match(/^ok /gm)?.length).toBe(8);
  }, 90_000);
  it("PowerOnVM_Task.wait_for_completion on an inventory VM, and a method rule's fault", async () => {
    const url = new URL(emulator.url());
    const script = path.join(ROOT, 'test/interop/rbvmomi/method_tasks.rb');
    const result = await run('ruby', [script], { ...process.env, VTASK_HOST: url.hostname, VTASK_PORT: url.port }, 120_000);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('rbvmomi method tasks: all steps passed');
    expect(result.output.match(/^ok /gm)?.length).toBe(6);
  }, 150_000);
});
