// --state-file with the built CLI (dist/src/cli.js, `npm run build` first), as a container runs
// it: saves while running (tasks and the inventory) survive `kill -9` in the middle of a load, a restart continues from
// the last save, SIGTERM saves, and a truncated file or one from a newer version stops the start
// with an error naming the file, leaving it untouched.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { ROOT } from '../helpers/emulator.js';
import { rawRequest, SoapSession } from '../helpers/soap-client.js';
import { createTask, ok, setState } from '../helpers/tasks.js';

const CLI = path.join(ROOT, 'dist/src/cli.js');

interface Cli {
  readonly child: ChildProcess;
  readonly url: string;
  readonly exited: Promise<number | null>;
  stderr(): string;
}

const children: ChildProcess[] = [];
let dir: string;
let file: string;
beforeEach(() => {
  expect(existsSync(CLI), 'run `npm run build` first').toBe(true);
  dir = mkdtempSync(path.join(tmpdir(), 'vtask-state-'));
  file = path.join(dir, 'state.json');
});
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function launch(args: string[]): { child: ChildProcess; exited: Promise<number | null>; stdout: () => string; stderr: () => string } {
  const child = spawn(process.execPath, [CLI, '--port', '0', '--http', '--log-level', 'warn', '--state-file', file, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

/** Starts the CLI; resolves once its first stdout line (the SDK URL) is out. */
async function start(args: string[] = []): Promise<Cli> {
  const { child, exited, stdout, stderr } = launch(args);
  const began = Date.now();
  while (!stdout().includes('\n')) {
    if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${stderr()}`);
    if (Date.now() - began > 20_000) throw new Error(`no URL line: ${stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    child,
    exited,
    url: stdout()
      .split('\n')[0]
      .replace(/\/sdk$/, ''),
    stderr,
  };
}

interface SavedTask {
  readonly info: { readonly key: string; readonly state: string };
}

function readSaved(): {
  tasks: SavedTask[];
  counters: { nextTaskNumber: number };
  inventory: { entities: Array<{ readonly ref: string; readonly name: string }> };
} & Record<string, unknown> {
  return JSON.parse(readFileSync(file, 'utf8'));
}

async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const began = Date.now();
  while (!condition()) {
    if (Date.now() - began > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function getState(url: string): Promise<Record<string, unknown>> {
  const res = await rawRequest(url, { method: 'GET', path: '/_emulator/state' });
  expect(res.status).toBe(200);
  return JSON.parse(res.body);
}

test('kill -9 during a load: the file is whole, and a restart has the tasks as of the last save', async () => {
  const first = await start(['--state-save-interval-ms', '200']);
  // No file yet: one is written at start.
  expect(readSaved().tasks).toEqual([]);
  const admin = new SoapSession(first.url);
  ok(await admin.login('admin', 'admin'));
  const made: string[] = [];
  for (let i = 0; i < 5; i++) made.push(await createTask(admin));
  ok(await setState(admin, made[0], 'running'));
  ok(await setState(admin, made[1], 'success'));
  // Past a save interval, the file has them.
  await until(() => existsSync(file) && readSaved().tasks.length === 5, 'the first save');
  // And an inventory change a *_Task method made.
  const web01 = readSaved().inventory.entities.find((e) => e.name === 'web-01');
  ok(await admin.call('Rename_Task', 'VirtualMachine', web01?.ref ?? '', '<newName>web-01-renamed</newName>'));
  await until(() => readSaved().inventory.entities.some((e) => e.name === 'web-01-renamed'), 'the rename saved');

  // A load: four clients creating and finishing tasks as fast as they can, killed mid-stream.
  let stop = false;
  const loops = Array.from({ length: 4 }, async () => {
    const s = new SoapSession(first.url);
    ok(await s.login('admin', 'admin'));
    while (!stop) {
      try {
        const key = await createTask(s);
        await setState(s, key, 'success');
      } catch {
        return; // the server is gone
      }
    }
  });
  await until(() => readSaved().tasks.length > 25, 'saves under load');
  await new Promise((resolve) => setTimeout(resolve, 150));
  first.child.kill('SIGKILL');
  expect(await first.exited).toBe(null);
  stop = true;
  await Promise.all(loops);

  // The file parses and is a whole state document.
  const saved = readSaved();
  expect(saved).toMatchObject({ format: 'vtask-emulator-state', version: 2 });
  expect(saved.inventory.entities.map((e) => e.name)).toContain('web-01-renamed');
  expect(saved.tasks.slice(0, 5).map((t) => t.info.key)).toEqual(made);
  expect(saved.tasks.length).toBeGreaterThan(25);

  // Restarted on the same file: exactly the last save's state; new keys continue after it. A
  // temp file a save killed before its rename left is cleared away.
  writeFileSync(path.join(dir, '.state.json.0123456789ab.tmp'), '{"half');
  const second = await start(['--state-save-interval-ms', '200']);
  expect(await getState(second.url)).toEqual(saved);
  expect(readdirSync(dir)).toEqual(['state.json']);
  const again = new SoapSession(second.url);
  ok(await again.login('admin', 'admin'));
  expect(await createTask(again)).toBe(`task-${saved.counters.nextTaskNumber}`);
}, 60_000);

test('SIGTERM saves (with no save interval, only then), and exits 0', async () => {
  const cli = await start(['--state-save-interval-ms', '0']);
  const admin = new SoapSession(cli.url);
  ok(await admin.login('admin', 'admin'));
  const task = await createTask(admin);
  ok(await setState(admin, task, 'running'));
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(readSaved().tasks).toEqual([]);
  cli.child.kill('SIGTERM');
  expect(await cli.exited).toBe(0);
  expect(readSaved().tasks.map((t) => [t.info.key, t.info.state])).toEqual([[task, 'running']]);
}, 30_000);

async function refusedStart(content: string, message: string): Promise<void> {
  writeFileSync(file, content);
  const before = statSync(file);
  const { exited, stderr } = launch([]);
  expect(await exited).toBe(1);
  expect(stderr()).toContain(`state file ${file}: `);
  expect(stderr()).toContain(message);
  expect(stderr()).toContain('the file is left as it is');
  expect(stderr()).not.toContain('    at '); // a message, not a stack trace
  expect(readFileSync(file, 'utf8')).toBe(content);
  expect(statSync(file).mtimeMs).toBe(before.mtimeMs);
}

test('a truncated file stops the start with a clear error, and is left as it is', async () => {
  const cli = await start();
  const admin = new SoapSession(cli.url);
  ok(await admin.login('admin', 'admin'));
  await createTask(admin);
  const whole = JSON.stringify(await getState(cli.url));
  cli.child.kill('SIGKILL');
  await cli.exited;
  await refusedStart(whole.slice(0, Math.floor(whole.length / 2)), 'not valid JSON (truncated or damaged?)');
}, 30_000);

test('a file from a newer version stops the start with a clear error, and is left as it is', async () => {
  const cli = await start();
  const document = { ...(await getState(cli.url)), version: 3 };
  cli.child.kill('SIGKILL');
  await cli.exited;
  await refusedStart(`${JSON.stringify(document)}\n`, 'format version 3, newer than this build reads (2); use a newer vtask-emulator');
}, 30_000);
