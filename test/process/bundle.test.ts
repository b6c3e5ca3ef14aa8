// The built CLI (dist/src/cli.js, `npm start`) is a small loader that runs one bundled file,
// dist/src/cli.bundle.cjs, with V8's code cache for it, dist/src/cli.bundle.cache (all three made
// by scripts/bundle.ts). The bundle requires node's built-ins and a few packages left outside on
// purpose, and still finds everything it reads beside itself (WSDL, the Recent Tasks page), logs
// through pino, and stops on SIGTERM. dist/ is built by npm ci (prepare) or npm run build.

import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';
import { freePort } from '../../bench/processes.js';
import { ROOT } from '../helpers/emulator.js';
import { rawRequest, SoapSession } from '../helpers/soap-client.js';
import { ok } from '../helpers/tasks.js';

const CLI = path.join(ROOT, 'dist/src/cli.js');
const BUNDLE = path.join(ROOT, 'dist/src/cli.bundle.cjs');
const CACHE = path.join(ROOT, 'dist/src/cli.bundle.cache');
const CODE_CACHE_MODULE = path.join(ROOT, 'dist/src/server/code-cache.js');

/** What the bundle may load from node_modules: what fastify requires only on paths the CLI never takes. */
const LOADED_OUTSIDE = ['@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler', 'light-my-request'];

/** Whether V8 takes `cache` for `bundle`, asked in a fresh node as the loader asks it. */
function cacheUsed(bundle: string, cache: string): boolean {
  const script = `import { loadBundle } from ${JSON.stringify(CODE_CACHE_MODULE)};
process.stdout.write(String(loadBundle(${JSON.stringify(bundle)}, ${JSON.stringify(cache)}).cacheUsed));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(run.stderr).toBe('');
  return run.stdout === 'true';
}

test('dist/src/cli.js is a loader that imports only node built-ins; the bundle requires built-ins and only the few packages left outside on purpose', () => {
  for (const file of [CLI, BUNDLE, CACHE]) expect(existsSync(file), `${file} is missing: run npm run build`).toBe(true);
  const loader = readFileSync(CLI, 'utf8');
  expect(loader.startsWith('#!/usr/bin/env node\n')).toBe(true);
  const imported = [...loader.matchAll(/\bimport\s*[{*\w][^;]*?from\s*["']([^"']+)["']/g)].map((m) => m[1]);
  expect(imported.length).toBeGreaterThan(0);
  expect(imported.filter((name) => !name.startsWith('node:'))).toEqual([]);

  const text = readFileSync(BUNDLE, 'latin1');
  expect(text).toMatch(/^\/\* vtask-build [0-9a-f]{16} \*\/\n/);
  // Minified CommonJS: `require("node:fs")`; comments are gone, and there is no import().
  const required = new Set([...text.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]));
  expect(required.has('node:http')).toBe(true);
  // pino's own modules name built-ins without the node: prefix.
  const outside = [...required].filter((name) => !isBuiltin(name));
  expect(outside.sort(), 'modules the bundle loads from elsewhere (npm run build rebuilds it)').toEqual([...LOADED_OUTSIDE].sort());
  expect(text).not.toMatch(/\bimport\(/);
  expect(text).toContain('createEmulator');
});

test('V8 takes the code cache made at build time, and refuses one from another build or none at all', () => {
  expect(cacheUsed(BUNDLE, CACHE)).toBe(true);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vtask-cache-'));
  try {
    const bundle = path.join(dir, 'cli.bundle.cjs');
    const cache = path.join(dir, 'cli.bundle.cache');
    copyFileSync(BUNDLE, bundle);
    expect(cacheUsed(bundle, cache), 'no cache file').toBe(false);
    // The same cache beside a bundle of another build (a build id of the same length).
    const text = readFileSync(BUNDLE, 'latin1');
    writeFileSync(bundle, text.replace(/^\/\* vtask-build [0-9a-f]{16}/, `/* vtask-build ${'f'.repeat(16)}`), 'latin1');
    copyFileSync(CACHE, cache);
    expect(cacheUsed(bundle, cache), 'a cache from another build').toBe(false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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

test('with --enable-source-maps the bundle runs as a plain module, and a stack trace names the TypeScript sources', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vtask-maps-'));
  try {
    const pem = path.join(dir, 'bad.pem');
    writeFileSync(pem, 'not a PEM\n');
    const run = spawnSync(process.execPath, ['--enable-source-maps', CLI, '--port', '0', '--cert', pem, '--key', pem, '--log-level', 'silent'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/src\/server\/app\.ts:\d+:\d+/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('on a terminal the log is pretty-printed, through the installed pino (its transport worker is not in the bundle)', async () => {
  const port = await freePort();
  // script(1) gives the CLI a terminal for stdout; without --port 0 the log goes there.
  const child = spawn('script', ['-qc', `"${process.execPath}" "${CLI}" --port ${port} --http`, '/dev/null'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no pretty log line in 20 s: ${out}`)), 20_000);
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('vtask-emulator listening')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    // pino-pretty's form (a colored level name), not a JSON line.
    expect(out).toMatch(/\u001b\[32mINFO\u001b\[39m/);
    expect(out).not.toContain('{"level":30');
  } finally {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  }
});
