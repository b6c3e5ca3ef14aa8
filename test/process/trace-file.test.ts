// --trace-file through the real entry point: every SOAP exchange lands in the file as one JSON
// line, secrets redacted, and what is queued is written out when SIGTERM stops the process; a
// path that cannot be written stops the start with a clear error.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { ROOT } from '../helpers/emulator.js';
import { SoapSession } from '../helpers/soap-client.js';
import { ok } from '../helpers/tasks.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vtask-trace-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli.ts'), '--port', '0', '--http', '--log-level', 'warn', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const nl = stdout.indexOf('\n');
      if (nl >= 0) resolve(stdout.slice(0, nl).replace(/\/sdk$/, ''));
    });
    void exited.then((code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
  return { child, url, exited, stderr: () => stderr };
}

test('--trace-file: one NDJSON line per exchange, password and cookie absent, flushed on SIGTERM', async () => {
  const file = path.join(dir, 'wire.ndjson');
  const run = cli(['--trace-file', file]);
  try {
    const s = new SoapSession(await run.url);
    ok(await s.login('carol', 'sup3r-secret'));
    const fault = await s.call('CancelTask', 'Task', 'task-9');
    expect(fault.status).toBe(500);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    const [login, cancel] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(Object.keys(login).sort()).toEqual(['fault', 'id', 'method', 'ms', 'request', 'response', 'status', 'this', 'time', 'user']);
    expect(login).toMatchObject({ id: 1, user: 'carol', method: 'Login', status: 200 });
    expect(cancel).toMatchObject({
      id: 2,
      user: 'carol',
      method: 'CancelTask',
      this: 'Task:task-9',
      status: 500,
      fault: 'ManagedObjectNotFound',
      response: fault.body,
    });
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('sup3r-secret');
    expect(text).not.toContain(s.cookie!.split(';')[0].split('=')[1].replace(/"/g, ''));
  } finally {
    run.child.kill('SIGKILL');
  }
});

test('VTASK_TRACE_FILE works as the flag does, and a restart appends', async () => {
  const file = path.join(dir, 'env.ndjson');
  for (let i = 0; i < 2; i++) {
    const run = cli([], { VTASK_TRACE_FILE: file });
    try {
      ok(await new SoapSession(await run.url).call('RetrieveServiceContent', 'ServiceInstance', 'ServiceInstance'));
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    } finally {
      run.child.kill('SIGKILL');
    }
  }
  const lines = readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as { method: string });
  expect(lines.map((l) => l.method)).toEqual(['RetrieveServiceContent', 'RetrieveServiceContent']);
});

test('a trace file that cannot be opened: exit 1 naming the file and the reason', async () => {
  const file = path.join(dir, 'missing-dir/wire.ndjson');
  const run = cli(['--trace-file', file]);
  run.url.catch(() => {});
  expect(await run.exited).toBe(1);
  expect(run.stderr()).toContain(`trace file ${file}`);
  expect(run.stderr()).toContain('ENOENT');
});
