// The built CLI (dist/src/cli.js, `npm start`) is one bundled file (scripts/bundle.ts): it
// imports node's built-ins and a few packages left outside on purpose, and still finds everything it reads beside itself
// (WSDL, the Recent Tasks page), logs through pino, and stops on SIGTERM. dist/ is built by
// npm ci (prepare) or npm run build.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { ROOT } from '../helpers/emulator.js';
import { rawRequest, SoapSession } from '../helpers/soap-client.js';
import { ok } from '../helpers/tasks.js';

const CLI = path.join(ROOT, 'dist/src/cli.js');

/** What the bundle may load from node_modules: pino (logging on), and what fastify requires only on paths the CLI never takes. */
const LOADED_OUTSIDE = ['pino', '@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler', 'light-my-request'];

test('dist/src/cli.js is one file: it imports node built-ins, and requires only the few packages left outside on purpose', () => {
  expect(existsSync(CLI), 'dist/src/cli.js is missing: run npm run build').toBe(true);
  const text = readFileSync(CLI, 'utf8');
  const imported = new Set<string>();
  // Minified: `import{a as b}from"node:fs"`, `import("x")`, `__require("x")`; comments are gone.
  for (const m of text.matchAll(/\bimport\s*[{*\w][^;]*?from\s*["']([^"']+)["']/g)) imported.add(m[1]);
  for (const m of text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) imported.add(m[1]);
  for (const m of text.matchAll(/__require\(\s*["']([^"']+)["']\s*\)/g)) imported.add(m[1]);
  expect(imported.has('node:module')).toBe(true);
  const outside = [...imported].filter((name) => !name.startsWith('node:'));
  expect(outside.sort(), 'modules the bundle loads from elsewhere (npm run build rebuilds it)').toEqual([...LOADED_OUTSIDE].sort());
  expect(text).toContain('createEmulator');
});

test('the bundle serves SOAP, the WSDL and the page, logs JSON lines through pino, and exits 0 on SIGTERM', async () => {
  const child = spawn(process.execPath, [CLI, '--port', '0', '--http', '--log-level', 'info'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', () => {
        const nl = stdout.indexOf('\n');
        if (nl >= 0) resolve(stdout.slice(0, nl).replace(/\/sdk$/, ''));
      });
      void exited.then((code) => reject(new Error(`exited ${code}: ${stderr}`)));
    });
    ok(await new SoapSession(url).login('bundle', 'pw'));
    expect((await rawRequest(url, { method: 'GET', path: '/sdk/vim.wsdl' })).body).toContain('<definitions');
    const page = await rawRequest(url, { method: 'GET', path: '/ui/' });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<html');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const lines = stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg?: string; method?: string });
    expect(lines.some((l) => l.msg === 'soap call' && l.method === 'Login')).toBe(true);
    expect(stderr).not.toContain('pw');
  } finally {
    child.kill('SIGKILL');
  }
});
