// The real entry point, as `npm start` runs it: listens, logs one JSON line per SOAP call
// without secrets, and exits 0 on SIGTERM within 2 s.

import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { ROOT } from '../helpers/emulator.js';
import { SoapSession } from '../helpers/soap-client.js';
import { ok } from '../helpers/tasks.js';

let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
});

/** Starts the CLI with --port 0: the SDK URL is the first stdout line, the JSON log goes to stderr. */
function startCli(args: string[]): Promise<{ url: string; lines: Array<Record<string, unknown>>; stdout: () => string }> {
  child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Array<Record<string, unknown>> = [];
  let buffer = '';
  let stdout = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL line; got: ${JSON.stringify(stdout)} ${JSON.stringify(lines)}`)), 20_000);
    child!.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const nl = stdout.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve({ url: stdout.slice(0, nl).replace(/\/sdk$/, ''), lines, stdout: () => stdout });
      }
    });
    child!.stderr!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        // The log is JSON lines; the one plain line is the generated control token's (its own test reads it).
        if (line.startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
      }
    });
    child!.on('exit', (code) => reject(new Error(`exited ${code}`)));
  });
}

test('--port 0: the first stdout line is the SDK URL (the only stdout line); the log goes to stderr', async () => {
  const { url, lines, stdout } = await startCli(['--port', '0', '--http', '--log-level', 'info']);
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  const s = new SoapSession(url);
  ok(await s.login('a', 'b'));
  await new Promise((r) => setTimeout(r, 200));
  expect(stdout()).toBe(`${url}/sdk\n`);
  expect(lines.find((l) => l.msg === 'vtask-emulator listening')).toMatchObject({ url: `${url}/sdk` });
  expect(lines.some((l) => l.msg === 'soap call')).toBe(true);
});

test('logs one JSON line per SOAP call with method, _this, user, fault and duration, and never a password or cookie', async () => {
  const { url, lines } = await startCli(['--port', '0', '--log-level', 'info']);
  expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  // fastify's own line too names the scheme actually served (it does not make the server).
  expect(lines.find((l) => String(l.msg).startsWith('Server listening at'))?.msg).toMatch(/^Server listening at https:\/\//);
  const s = new SoapSession(url);
  ok(await s.login('someone', 'sup3r-secret'));
  await s.call('CancelTask', 'Task', 'task-77');
  await new Promise((r) => setTimeout(r, 200));
  const calls = lines.filter((l) => l.msg === 'soap call');
  expect(calls).toHaveLength(2);
  expect(calls[0]).toMatchObject({ method: 'Login', this: 'SessionManager:SessionManager', user: 'someone' });
  expect(calls[1]).toMatchObject({ method: 'CancelTask', this: 'Task:task-77', user: 'someone', fault: 'ManagedObjectNotFound' });
  expect(typeof calls[1].ms).toBe('number');
  expect(calls[0].reqId).toBeDefined();
  expect(calls[1].reqId).not.toBe(calls[0].reqId);
  const all = JSON.stringify(lines);
  expect(all).not.toContain('sup3r-secret');
  expect(all).not.toContain(s.cookie!.split(';')[0].split('=')[1]);
});

test('SIGTERM: exits 0 within 2 s, ending long polls', async () => {
  const { url, lines } = await startCli(['--port', '0', '--http', '--log-level', 'info']);
  expect(url).toMatch(/^http:\/\//);
  expect(lines.find((l) => String(l.msg).startsWith('Server listening at'))?.msg).toMatch(/^Server listening at http:\/\//);
  const s = new SoapSession(url);
  ok(await s.login('a', 'b'));
  ok(
    await s.call(
      'CreateFilter',
      'PropertyCollector',
      'propertyCollector',
      '<spec><propSet><type>TaskManager</type><pathSet>recentTask</pathSet></propSet><objectSet><obj type="TaskManager">TaskManager</obj></objectSet></spec><partialUpdates>false</partialUpdates>',
    ),
  );
  ok(await s.call('WaitForUpdatesEx', 'PropertyCollector', 'propertyCollector', ''));
  const pending = s.call('WaitForUpdatesEx', 'PropertyCollector', 'propertyCollector', '<version>1</version>').catch((e: Error) => e);
  await new Promise((r) => setTimeout(r, 100));
  const started = Date.now();
  const exited = new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)));
  child!.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(Date.now() - started).toBeLessThan(2000);
  await pending;
});

test('on a non-loopback address without --control-token, a token is printed once on stderr and the control API requires it', async () => {
  let stderr = '';
  const started = startCli(['--port', '0', '--http', '--host', '0.0.0.0', '--log-level', 'info']);
  child!.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const { url } = await started;
  const deadline = Date.now() + 5000;
  while (!/control API token/.test(stderr) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const token = /control API token.*: (\S+)$/m.exec(stderr)?.[1];
  expect(token, stderr).toMatch(/^[A-Za-z0-9_-]{32,}$/);
  expect(stderr.split('control API token')).toHaveLength(2);
  const { rawRequest } = await import('../helpers/soap-client.js');
  expect((await rawRequest(url, { method: 'GET', path: '/_emulator/tasks' })).status).toBe(401);
  expect((await rawRequest(url, { method: 'GET', path: '/_emulator/tasks', headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
});
