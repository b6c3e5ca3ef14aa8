// The Recent Tasks page's files under /ui/: each with its type, the index at /ui/, and nothing
// outside the page's directory, however the name is spelled.

import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Emulator } from '../../src/server/app.js';
import { startEmulator } from '../helpers/emulator.js';
import { rawRequest } from '../helpers/soap-client.js';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
});

const get = (path: string) => rawRequest(emulator.url(), { method: 'GET', path });

test('index, script, stylesheet and icon, each with its content type; HEAD too', async () => {
  const index = await get('/ui/');
  expect(index.status).toBe(200);
  expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(index.body).toContain('<html');
  expect((await get('/ui/index.html')).body).toBe(index.body);
  expect((await get('/ui/main.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
  expect((await get('/ui/style.css')).headers['content-type']).toBe('text/css; charset=utf-8');
  expect((await get('/ui/favicon.svg')).headers['content-type']).toBe('image/svg+xml');
  const head = await rawRequest(emulator.url(), { method: 'HEAD', path: '/ui/main.js' });
  expect(head.status).toBe(200);
  expect(head.body).toBe('');
});

test('nothing else: unknown files, hidden files, other types and every way out of the directory are 404', async () => {
  for (const path of [
    '/ui/nope.js',
    '/ui/.env',
    '/ui/tsconfig.json.ts',
    '/ui/../package.json',
    '/ui/..%2fpackage.json',
    '/ui/%2e%2e/package.json',
    '/ui/sub/main.js',
    '/ui/..%5cpackage.json',
  ]) {
    const res = await get(path);
    expect(res.status, path).toBe(404);
    expect(res.body, path).not.toContain('"name": "vtask-emulator"');
  }
});
