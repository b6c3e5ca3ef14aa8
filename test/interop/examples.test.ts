// The wiring examples users copy (examples/vitest, examples/pytest, examples/go), each run as
// its users would run it, against the built package: `npm ci` builds dist/ (prepare); this
// file rebuilds it first so it tests the sources as they are. A missing toolchain fails with
// the line that installs it; nothing here is skipped.

import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { ROOT } from '../helpers/emulator.js';

const CLI = `${process.execPath} ${path.join(ROOT, 'dist/src/cli.js')}`;
const PYTHON = '/usr/bin/python3';
const GOPATH = '/usr/share/gocode';

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number }): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd: options.cwd ?? ROOT, env: options.env ?? process.env, encoding: 'utf8', timeout: options.timeoutMs });
}

const output = (result: SpawnSyncReturns<string>) =>
  `exit ${result.status}${result.error ? ` (${result.error.message})` : ''}\n${result.stdout}\n${result.stderr}`;

beforeAll(() => {
  const build = run('npm', ['run', 'build', '--silent'], { timeoutMs: 240_000 });
  expect(build.status, output(build)).toBe(0);
}, 250_000);

test('examples/vitest: globalSetup starts the emulator with startEmulator from the package; its tests pass', () => {
  const result = run(process.execPath, [path.join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--config', 'examples/vitest/vitest.config.ts'], {
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    timeoutMs: 120_000,
  });
  expect(result.status, output(result)).toBe(0);
  expect(result.stdout.replace(/\x1b\[[0-9;]*m/g, '')).toMatch(/Tests\s+2 passed/);
}, 130_000);

test('examples/pytest: the conftest.py fixture starts the CLI on a free port and yields a connected si (python3-pytest, pyVmomi)', () => {
  const prerequisites = run(PYTHON, ['-c', 'import pytest, pyVmomi'], { timeoutMs: 30_000 });
  expect(
    prerequisites.status,
    `pytest and pyVmomi must be importable by ${PYTHON}; install them with: apt-get install -y python3-pytest python3-pyvmomi\n${output(prerequisites)}`,
  ).toBe(0);
  const result = run(PYTHON, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'examples/pytest'], {
    env: { ...process.env, VTASK_EMULATOR_CMD: CLI, PYTHONDONTWRITEBYTECODE: '1' },
    timeoutMs: 120_000,
  });
  expect(result.status, output(result)).toBe(0);
  expect(result.stdout).toMatch(/\b2 passed\b/);
}, 130_000);

test('examples/go: TestMain starts the CLI and a govmomi 0.24 test passes against it', () => {
  const go = run('go', ['version'], { timeoutMs: 30_000 });
  const hint = 'install them with: apt-get install -y golang-go golang-github-vmware-govmomi-dev';
  expect(go.status, `'go' is not on PATH; ${hint}\n${output(go)}`).toBe(0);
  expect(existsSync(path.join(GOPATH, 'src/github.com/vmware/govmomi')), `govmomi sources not found under ${GOPATH}; ${hint}`).toBe(true);
  const env: NodeJS.ProcessEnv = { ...process.env, GO111MODULE: 'off', GOPATH, GOFLAGS: '', CGO_ENABLED: '0', VTASK_EMULATOR_CMD: CLI };
  if (!env.GOCACHE && !env.HOME && !env.XDG_CACHE_HOME) env.GOCACHE = path.join(ROOT, '.cache/go-build');
  const result = run('go', ['test', '-count=1', '-v', '.'], { cwd: path.join(ROOT, 'examples/go'), env, timeoutMs: 280_000 });
  expect(result.status, output(result)).toBe(0);
  expect(result.stdout).toContain('--- PASS: TestTaskRunsToSuccess');
}, 290_000);
