// The built CLI (dist/src/cli.js, `npm start`) is one bundled file (scripts/bundle.ts): it
// imports only node's built-ins and pino, and still finds everything it reads beside itself
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

test('dist/src/cli.js is one file: its imports are node built-ins and pino only', () => {
  expect(existsSync(CLI), 'dist/src/cli.js is missing: run npm run build').toBe(true);
  const text = readFileSync(CLI, 'utf8');
  const imported = new Set<string>();
  for (const m of text.matchAll(/^import\s[^'"]*?from\s+["']([^"']+)["']/gm)) imported.add(m[1]);
  // Dynamic imports, not JSDoc types ({import('../fastify').FastifyInstance}).
  for (const m of text.matchAll(/(?<![{\w.])import\(\s*["']([^"']+)["']\s*\)/g)) imported.add(m[1]);
  for (const m of text.matchAll(/__require\(\s*["']([^"']+)["']\s*\)/g)) imported.add(m[1]);
  const outside = [...imported].filter((name) => !name.startsWith('node:') && name !== 'pino');
  expect(outside, 'modules the bundle loads from elsewhere (npm run build rebuilds it)').toEqual([]);
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
