// The README's client snippets, run as written against a fresh emulator, with one change: the
// port (8989 in the README) is the test server's ephemeral one. The pyVmomi snippets run with the
// installed pyVmomi (Debian's 6.7.1); they are written so pyVmomi 8 runs them too. The shell
// blocks run with bash in a directory of their own (curl's cookie jar lands there).

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, startEmulator } from '../helpers/emulator.js';
import { run } from '../helpers/run.js';

const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** The fenced blocks of one language, in order. */
function blocks(language: string): string[] {
  return [...README.matchAll(new RegExp(`^\`\`\`${language}\\n([\\s\\S]*?)^\`\`\`$`, 'gm'))].map((m) => m[1]);
}

function onPort(snippet: string, port: string): string {
  expect(snippet).toContain('8989');
  return snippet.replaceAll(':8989', `:${port}`).replaceAll('port=8989', `port=${port}`);
}

let emulator: Awaited<ReturnType<typeof startEmulator>> | undefined;
let dir: string | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** `python3` must be the one with pyVmomi (Debian's, /usr/bin/python3), as on a CI machine. */
const SHELL_ENV = { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}` };

async function start(): Promise<string> {
  emulator = await startEmulator({ tls: true });
  dir = mkdtempSync(path.join(tmpdir(), 'vtask-readme-'));
  return new URL(emulator.url()).port;
}

describe('README snippets', () => {
  it('the pyVmomi example (SmartConnect with an SSL context) runs and prints the result', async () => {
    const [python] = blocks('python');
    expect(python).toContain('SmartConnect(');
    expect(python).not.toContain('SmartConnectNoSSL');
    const port = await start();
    const result = await run('/usr/bin/python3', ['-c', onPort(python, port)], process.env, 60_000, dir);
    expect(result.code, result.output).toBe(0);
    expect(result.output.trim()).toBe('success done');
  }, 90_000);

  it('the raw SOAP curl example logs in, creates task-1 and sets it running', async () => {
    const curl = blocks('sh').find((b) => b.includes('<Login xmlns="urn:vim25">'));
    expect(curl).toBeDefined();
    const port = await start();
    const result = await run('bash', ['-euo', 'pipefail', '-c', onPort(curl!, port)], SHELL_ENV, 60_000, dir);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('<LoginResponse');
    expect(result.output).toContain('<CreateTaskResponse');
    expect(result.output).toContain('<SetTaskStateResponse');
    expect(result.output).not.toContain('Fault');
  }, 90_000);

  it('the control API example (seed, inject, observe with pyVmomi, reset) runs', async () => {
    const control = blocks('sh').find((b) => b.includes('API=https://127.0.0.1:8989/_emulator'));
    expect(control).toBeDefined();
    const port = await start();
    const result = await run('bash', ['-euo', 'pipefail', '-c', onPort(control!, port)], SHELL_ENV, 60_000, dir);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('"tasks":["task-1"]');
    expect(result.output).toMatch(/client saw (vim\.fault\.)?NotFound injected/);
  }, 90_000);

  it('the inventory seed and the PowerOnVM_Task rule: pyVmomi sees 50%, the fault, and the VM still off', async () => {
    const seed = blocks('yaml').find((b) => b.includes('inventory:'));
    const python = blocks('python').find((b) => b.includes('PowerOnVM_Task'));
    expect(seed).toBeDefined();
    expect(python).toBeDefined();
    dir = mkdtempSync(path.join(tmpdir(), 'vtask-readme-'));
    const seedFile = path.join(dir, 'lab.yaml');
    writeFileSync(seedFile, seed!);
    emulator = await startEmulator({ tls: true, seedFile });
    const port = new URL(emulator.url()).port;
    const result = await run('/usr/bin/python3', ['-c', onPort(python!, port)], process.env, 60_000, dir);
    expect(result.code, result.output).toBe(0);
    expect(result.output.trim()).toBe('failed at 50 % with: Not enough CPU on esx-01\npoweredOff');
  }, 90_000);

  it('the container example’s pyVmomi line connects and prints the product', async () => {
    const docker = blocks('sh').find((b) => b.includes('docker run --rm -p 8989:8989 vtask-emulator'));
    const line = docker?.split('\n').find((l) => l.startsWith('python3 -c'));
    expect(line).toBeDefined();
    const port = await start();
    const result = await run('bash', ['-c', onPort(line!, port)], SHELL_ENV, 60_000, dir);
    expect(result.code, result.output).toBe(0);
    expect(result.output.trim()).toBe('VMware vCenter Server 8.0.3 build-69507950');
  }, 90_000);
});
