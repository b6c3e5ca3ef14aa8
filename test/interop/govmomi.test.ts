// Interop with the real govmomi 0.24.2 client library (Debian golang-github-vmware-govmomi-dev):
// builds the Go program in test/interop/govmomi/ offline (GOPATH mode) and runs it against an
// in-process emulator over HTTPS with examples/users.json. The program prints one
// "PASS <step>" / "FAIL <step>: <reason>" line per step and exits non-zero if any step failed.
//
// GOVMOMI_INTEROP_URL=https://127.0.0.1:PORT runs the program against an already running server
// instead (started with examples/users.json), e.g. to see the suite fail with --cancel-mode
// cooperative.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_USERS, ROOT, startEmulator } from '../helpers/emulator.js';
import { run } from '../helpers/run.js';

const GOVMOMI_SRC = '/usr/share/gocode/src/github.com/vmware/govmomi';
const GOPATH = '/usr/share/gocode';
const PROGRAM_DIR = path.join(ROOT, 'test/interop/govmomi');
const BINARY = path.join(PROGRAM_DIR, 'bin/govmomi-interop');
const INSTALL_HINT = 'apt-get install -y golang-go golang-github-vmware-govmomi-dev';

/** Every step the Go program defines; each must report PASS (a step that silently does not run fails). */
const STEPS = [
  'create_task',
  'set_state_running',
  'update_progress',
  'set_description',
  'result_string',
  'result_int32',
  'result_moref',
  'set_state_error_fault',
  'wait_concurrent',
  'wait_for_result_concurrent',
  'wait_for_result_error',
  'wait_for_result_canceled',
  'property_wait_state',
  'cancel_queued',
  'cancel_running',
  'cancel_again_invalid_state',
  'cancel_not_cancelable',
  'cancel_as_viewer',
  'fault_running_to_queued',
  'fault_change_after_success',
  'fault_result_with_error_state',
  'fault_progress_on_queued',
  'fault_non_vimfault',
  'fault_managed_object_not_found',
  'fault_no_permission',
  'fault_invalid_login',
  'fault_not_authenticated_no_login',
  'fault_not_authenticated_after_logout',
  'history_page_forward_backward',
  'history_latest_page',
  'history_reset_rewind',
  'history_filter_state',
  'history_filter_parent',
  'history_filter_entity',
  'history_filter_time',
  'history_destroy',
  'history_other_session',
  'history_max_collector',
  // Steps that register themselves from init() come in file order: events.go, then views.go.
  'events_list',
  'events_follow',
  'events_task_chain',
  'events_collector_paging',
  'events_other_session',
  'view_tasks',
  'view_tasks_follow',
  'view_ls_root',
  'view_find_root_maxdepth1',
  'view_container_view',
  'view_faults',
  'search_index',
];

/** Throws (never skips) when the Go toolchain or the govmomi sources are missing. */
function requireToolchain(): void {
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.error || go.status !== 0) {
    throw new Error(`'go' is not on PATH (${go.error?.message ?? go.stderr}); install it with: ${INSTALL_HINT}`);
  }
  if (!existsSync(GOVMOMI_SRC)) {
    throw new Error(`govmomi sources not found at ${GOVMOMI_SRC}; install them with: ${INSTALL_HINT}`);
  }
}

function goEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GO111MODULE: 'off', GOPATH, GOFLAGS: '', CGO_ENABLED: '0' };
  // go needs a writable build cache; the default is ~/.cache/go-build, which needs HOME.
  if (!env.GOCACHE && !env.HOME && !env.XDG_CACHE_HOME) env.GOCACHE = path.join(ROOT, '.cache/go-build');
  return env;
}

describe('govmomi 0.24.2 client against the emulator', () => {
  let baseUrl: string;
  let close: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const external = process.env.GOVMOMI_INTEROP_URL;
    if (external) {
      baseUrl = external.replace(/\/+$/, '');
    } else {
      const emu = await startEmulator({ tls: true, usersFile: EXAMPLE_USERS });
      baseUrl = emu.url();
      close = () => emu.close();
    }
  });

  afterAll(async () => {
    await close?.();
  });

  it('has the Go toolchain and the govmomi sources', () => {
    requireToolchain();
  });

  it('builds the Go program offline', async () => {
    requireToolchain();
    mkdirSync(path.dirname(BINARY), { recursive: true });
    rmSync(BINARY, { force: true }); // never run a stale binary after a failed build
    const build = await run('go', ['build', '-o', BINARY, '.'], goEnv(), 180_000, PROGRAM_DIR);
    expect(build.code, `go build failed:\n${build.output}`).toBe(0);
    expect(existsSync(BINARY)).toBe(true);
  }, 200_000);

  it('passes every step', async () => {
    requireToolchain();
    expect(existsSync(BINARY), `${BINARY} was not built`).toBe(true);
    const url = new URL('/sdk', baseUrl);
    url.username = 'admin';
    url.password = 'admin';
    const result = await run(BINARY, ['-viewer', 'viewer:viewer', url.toString()], process.env, 90_000);
    const message = `govmomi-interop exited with ${result.code ?? result.signal}; output:\n${result.output}`;
    expect(result.code, message).toBe(0);
    const lines = result.output.split('\n');
    const missing = STEPS.filter((step) => !lines.includes(`PASS ${step}`));
    expect(missing, `steps without a PASS line; output:\n${result.output}`).toEqual([]);
    expect(
      lines.filter((line) => line.startsWith('FAIL ')),
      message,
    ).toEqual([]);
  }, 100_000);

  it('defines exactly the steps this test expects', async () => {
    requireToolchain();
    expect(existsSync(BINARY), `${BINARY} was not built`).toBe(true);
    const result = await run(BINARY, ['-list'], process.env, 10_000);
    expect(result.code, result.output).toBe(0);
    expect(result.output.trim().split('\n')).toEqual(STEPS);
  });
});
