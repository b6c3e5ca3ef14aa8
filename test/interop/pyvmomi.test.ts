// Runs the real pyVmomi 6.7.1 client (Debian python3-pyvmomi, /usr/bin/python3) against an
// in-process emulator: every test/interop/pyvmomi/test_*.py (test_task_lifecycle.py,
// test_task_history.py, ...) is a Python unittest suite that reads the server address from
// VTASK_HOST / VTASK_PORT and exits non-zero on any failure. Each module runs as its own test.

import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_USERS, ROOT, startEmulator } from '../helpers/emulator.js';
import { run } from '../helpers/run.js';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;

const PYTHON = '/usr/bin/python3';
const SUITE_DIR = path.join(ROOT, 'test/interop/pyvmomi');
const SUITES = readdirSync(SUITE_DIR)
  .filter((name) => /^test_.*\.py$/.test(name))
  .sort();
const SUITE_TIMEOUT_MS = 120_000;
const INSTALL_HINT = 'pyVmomi is not importable by /usr/bin/python3; install it with: apt-get install -y python3-pyvmomi';

describe('pyVmomi 6.7.1 interop (real client against the emulator)', () => {
  let emu: Emulator;

  beforeAll(async () => {
    emu = await startEmulator({ tls: true, usersFile: EXAMPLE_USERS });
  });

  afterAll(async () => {
    await emu?.close();
  });

  it('pyVmomi is installed for /usr/bin/python3', async () => {
    const probe = await run(PYTHON, ['-c', 'import pyVmomi, pyVim.connect, pyVim.task'], process.env, 30_000);
    expect(probe.code, `${INSTALL_HINT}\n${probe.output}`).toBe(0);
  });

  it('finds the Python suites', () => {
    expect(SUITES).toContain('test_task_lifecycle.py');
    expect(SUITES).toContain('test_task_history.py');
    expect(SUITES).toContain('test_events.py');
    expect(SUITES).toContain('test_method_tasks.py');
  });

  it.each(SUITES)(
    '%s passes',
    async (suite) => {
      const probe = await run(PYTHON, ['-c', 'import pyVmomi'], process.env, 30_000);
      expect(probe.code, `${INSTALL_HINT}\n${probe.output}`).toBe(0);

      const url = new URL(emu.url());
      expect(url.protocol).toBe('https:');
      const env = {
        ...process.env,
        VTASK_HOST: url.hostname,
        VTASK_PORT: url.port,
        PYTHONUNBUFFERED: '1',
      };
      const result = await run(PYTHON, [path.join(SUITE_DIR, suite), '-v'], env, SUITE_TIMEOUT_MS - 5_000);

      const latency = result.output.split('\n').find((line) => line.includes('WaitForTask latency'));
      if (latency) console.log(`[pyvmomi] ${latency.replace(/^.*?(WaitForTask latency)/, '$1')}`);

      expect(
        result.code,
        `pyVmomi suite ${suite} failed (exit ${result.code}${result.signal ? `, signal ${result.signal}` : ''}); its output:\n${result.output}`,
      ).toBe(0);
      // unittest prints "OK" last on success; make sure the suite really ran tests.
      expect(result.output, result.output).toMatch(/Ran [1-9]\d* tests? in/);
    },
    SUITE_TIMEOUT_MS,
  );
});
