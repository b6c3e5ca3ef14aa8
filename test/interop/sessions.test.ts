// Sessions, authorization and extension certificate login with real clients, against one
// in-process emulator over HTTPS with examples/users.json and the SDK tunnel (--tunnel-port):
// - govmomi 0.24.2 (test/interop/govmomi-sessions/): the calls of govc session.ls, session.rm,
//   role.ls and extension.info, HasPrivilegeOnEntity/Entities, FetchUserPrivilegeOnEntities, and
//   LoginExtensionByCertificate through Client.Tunnel() (GOVMOMI_TUNNEL_PROXY_PORT);
// - pyVmomi 6.7.1 (test/interop/pyvmomi-sessions/sessions.py): HasPrivilegeOnEntities, the
//   session-oriented stub logging in again after the control API ended its session, and
//   LoginExtensionByCertificate through the tunnel with a client certificate;
// - rbvmomi 1.8 (test/interop/rbvmomi/authorization.rb): HasPrivilegeOnEntities and
//   HasPrivilegeOnEntity.
// A missing client fails its test; nothing is skipped.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/server/app.js';
import { selfSignedCertificate } from '../../src/server/self-signed.js';
import { EXAMPLE_USERS, ROOT, startEmulator } from '../helpers/emulator.js';
import { run } from '../helpers/run.js';

const GOPATH = '/usr/share/gocode';
const PROGRAM_DIR = path.join(ROOT, 'test/interop/govmomi-sessions');
const BINARY = path.join(PROGRAM_DIR, 'bin/govmomi-sessions');
const PYTHON_SCRIPT = path.join(ROOT, 'test/interop/pyvmomi-sessions/sessions.py');
const RUBY_SCRIPT = path.join(ROOT, 'test/interop/rbvmomi/authorization.rb');

const GO_STEPS = [
  'session_ls',
  'session_rm',
  'session_rm_bad_input',
  'role_ls',
  'extension_info',
  'has_privilege_on_entity',
  'has_privilege_on_entities',
  'fetch_user_privilege_on_entities',
  'extension_certificate_login_tunnel',
  'extension_certificate_login_wrong_certificate',
];
const PYTHON_STEPS = [
  'has_privilege_on_entities',
  'relogin_after_terminate',
  'extension_certificate_login_tunnel',
  'extension_certificate_login_wrong_certificate',
];
const RUBY_STEPS = ['has_privilege_on_entities', 'has_privilege_on_entity'];

function goEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GO111MODULE: 'off', GOPATH, GOFLAGS: '', CGO_ENABLED: '0' };
  if (!env.GOCACHE && !env.HOME && !env.XDG_CACHE_HOME) env.GOCACHE = path.join(ROOT, '.cache/go-build');
  return env;
}

/** The PASS lines a client printed, and its FAIL lines, for one message. */
function expectSteps(output: string, code: number | null, steps: readonly string[]): void {
  const lines = output.split('\n');
  expect(
    steps.filter((s) => !lines.includes(`PASS ${s}`)),
    output,
  ).toEqual([]);
  expect(
    lines.filter((l) => l.startsWith('FAIL ')),
    output,
  ).toEqual([]);
  expect(code, output).toBe(0);
}

describe('sessions, authorization and certificate login with real clients', () => {
  let emu: Emulator;
  let certDir: string;
  let clientEnv: NodeJS.ProcessEnv;

  beforeAll(async () => {
    emu = await startEmulator({ tls: true, usersFile: EXAMPLE_USERS, tunnelPort: 0 });
    certDir = mkdtempSync(path.join(tmpdir(), 'vtask-certs-'));
    const files: Record<string, string> = {};
    for (const name of ['extension', 'stranger']) {
      const pair = selfSignedCertificate();
      files[`${name}.crt`] = pair.cert;
      files[`${name}.key`] = pair.key;
    }
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(certDir, name), text, { mode: 0o600 });
    const url = new URL(emu.url());
    clientEnv = {
      ...process.env,
      VTASK_HOST: url.hostname,
      VTASK_PORT: url.port,
      VTASK_TUNNEL_PORT: String(emu.tunnelPort),
      VTASK_CERT_DIR: certDir,
      PYTHONUNBUFFERED: '1',
    };
  });

  afterAll(async () => {
    await emu?.close();
    if (certDir) rmSync(certDir, { recursive: true, force: true });
  });

  it('govmomi 0.24.2: govc session.ls, session.rm, role.ls, extension.info, privileges, certificate login through the tunnel', async () => {
    const go = spawnSync('go', ['version'], { encoding: 'utf8' });
    expect(go.status, `'go' is not on PATH: apt-get install -y golang-go golang-github-vmware-govmomi-dev`).toBe(0);
    mkdirSync(path.dirname(BINARY), { recursive: true });
    rmSync(BINARY, { force: true });
    const build = await run('go', ['build', '-o', BINARY, '.'], goEnv(), 180_000, PROGRAM_DIR);
    expect(build.code, `go build failed:\n${build.output}`).toBe(0);
    const listed = await run(BINARY, ['-list'], process.env, 10_000);
    expect(listed.output.trim().split('\n')).toEqual(GO_STEPS);
    const url = new URL('/sdk', emu.url());
    url.username = 'admin';
    url.password = 'admin';
    const result = await run(BINARY, [url.toString()], { ...clientEnv, GOVMOMI_TUNNEL_PROXY_PORT: String(emu.tunnelPort) }, 90_000);
    expectSteps(result.output, result.code, GO_STEPS);
  }, 300_000);

  it('pyVmomi 6.7.1: HasPrivilegeOnEntities, logging in again after the session is ended, certificate login through the tunnel', async () => {
    expect(existsSync(PYTHON_SCRIPT)).toBe(true);
    const result = await run('/usr/bin/python3', [PYTHON_SCRIPT], clientEnv, 90_000);
    expectSteps(result.output, result.code, PYTHON_STEPS);
  }, 100_000);

  it('rbvmomi 1.8: HasPrivilegeOnEntities and HasPrivilegeOnEntity', async () => {
    expect(existsSync(RUBY_SCRIPT)).toBe(true);
    const result = await run('ruby', [RUBY_SCRIPT], clientEnv, 90_000);
    expectSteps(result.output, result.code, RUBY_STEPS);
  }, 100_000);
});
