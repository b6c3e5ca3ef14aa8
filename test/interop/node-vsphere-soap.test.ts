// Runs the real node-vsphere-soap client (npm, exactly as published) against an in-process
// emulator over HTTPS, in a child process: the client sets NODE_TLS_REJECT_UNAUTHORIZED=0 for
// its whole process, which must not leak into the test runner. The script,
// test/interop/node-vsphere-soap/task_lifecycle.cjs, drives a task's life, waiting, a fault and
// a cancel, and exits non-zero at the first failed step. A missing package fails the suite.

import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startEmulator } from '../helpers/emulator.js';
import { run } from '../helpers/run.js';

const INSTALL_HINT = 'node-vsphere-soap is not installed; run npm ci (it is a devDependency)';
const SCRIPT = path.join(ROOT, 'test/interop/node-vsphere-soap/task_lifecycle.cjs');

describe('node-vsphere-soap interop (real client against the emulator)', () => {
  let emulator: Awaited<ReturnType<typeof startEmulator>>;

  beforeAll(async () => {
    emulator = await startEmulator({ tls: true });
  });

  afterAll(async () => {
    await emulator?.close();
  });

  it('node-vsphere-soap is installed', async () => {
    const probe = await run(process.execPath, ['-e', 'require.resolve("node-vsphere-soap")'], process.env, 30_000, ROOT);
    expect(probe.code, `${INSTALL_HINT}\n${probe.output}`).toBe(0);
  });

  it('task lifecycle, waiting, a fault and a cancel, end to end', async () => {
    const url = new URL(emulator.url());
    const result = await run(process.execPath, [SCRIPT], { ...process.env, VTASK_HOST: url.hostname, VTASK_PORT: url.port }, 120_000, ROOT);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('node-vsphere-soap: all steps passed');
    expect(result.output.match(/^ok /gm)?.length).toBe(9);
    // The runner's own TLS checking is untouched by the client.
    expect(process.env.NODE_TLS_REJECT_UNAUTHORIZED).toBeUndefined();
  }, 150_000);
});
