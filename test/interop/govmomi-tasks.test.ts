// The *_Task methods with the real govmomi 0.24.2 client: builds test/interop/govmomi-tasks/
// offline (GOPATH mode, Debian's golang-github-vmware-govmomi-dev) and runs it against an
// in-process emulator over HTTPS. The program prints "PASS <step>" / "FAIL <step>: <reason>".

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_USERS, ROOT, startEmulator } from '../helpers/emulator.js';
import { run } from '../helpers/run.js';

const GOVMOMI_SRC = '/usr/share/gocode/src/github.com/vmware/govmomi';
const PROGRAM_DIR = path.join(ROOT, 'test/interop/govmomi-tasks');
const BINARY = path.join(PROGRAM_DIR, 'bin/govmomi-tasks');
const INSTALL_HINT = 'apt-get install -y golang-go golang-github-vmware-govmomi-dev';
const STEPS = ['power_on_success', 'power_on_error', 'power_on_cancel', 'power_on_hung_finished', 'clone_destroy', 'finder_inventory'];

function requireToolchain(): void {
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.error || go.status !== 0) throw new Error(`'go' is not on PATH (${go.error?.message ?? go.stderr}); install it with: ${INSTALL_HINT}`);
  if (!existsSync(GOVMOMI_SRC)) throw new Error(`govmomi sources not found at ${GOVMOMI_SRC}; install them with: ${INSTALL_HINT}`);
}

function goEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GO111MODULE: 'off', GOPATH: '/usr/share/gocode', GOFLAGS: '', CGO_ENABLED: '0' };
  if (!env.GOCACHE && !env.HOME && !env.XDG_CACHE_HOME) env.GOCACHE = path.join(ROOT, '.cache/go-build');
  return env;
}

describe('govmomi 0.24.2: *_Task methods on the inventory', () => {
  let emu: Awaited<ReturnType<typeof startEmulator>>;

  beforeAll(async () => {
    emu = await startEmulator({ tls: true, usersFile: EXAMPLE_USERS });
  });
  afterAll(async () => emu?.close());

  it('builds the Go program offline', async () => {
    requireToolchain();
    mkdirSync(path.dirname(BINARY), { recursive: true });
    rmSync(BINARY, { force: true });
    const build = await run('go', ['build', '-o', BINARY, '.'], goEnv(), 180_000, PROGRAM_DIR);
    expect(build.code, `go build failed:\n${build.output}`).toBe(0);
  }, 200_000);

  it('PowerOn with WaitForResult and progress: success, injected error, cancel, hung then finished; Clone and Destroy; the finder (govc ls/find) walks the inventory', async () => {
    expect(existsSync(BINARY), `${BINARY} was not built`).toBe(true);
    const url = new URL('/sdk', emu.url());
    url.username = 'admin';
    url.password = 'admin';
    const result = await run(BINARY, [url.toString()], process.env, 90_000);
    expect(result.code, result.output).toBe(0);
    const lines = result.output.split('\n');
    expect(
      STEPS.filter((step) => !lines.includes(`PASS ${step}`)),
      result.output,
    ).toEqual([]);
  }, 100_000);
});
