// Every route but the SOAP endpoint (control API, Recent Tasks page, WSDL files, health check)
// lives in a second fastify instance, built on the first request for one of them
// (src/server/lazy-app.ts), so a start registers one route instead of sixty.

import { afterEach, expect, test } from 'vitest';
import type { Emulator } from '../../src/server/app.js';
import { startEmulator } from '../helpers/emulator.js';
import { rawRequest, SoapSession } from '../helpers/soap-client.js';
import { ok } from '../helpers/tasks.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

test('after a start the listening instance holds only the SOAP routes, and SOAP works before anything else is built', async () => {
  emulator = await startEmulator();
  const routes = emulator.app.printRoutes({ commonPrefix: false });
  expect(routes).toContain('/sdk (POST)');
  expect(routes).not.toContain('_emulator');
  expect(routes).not.toContain('healthz');
  ok(await new SoapSession(emulator.url()).login('lazy', 'pw'));
});

test('the first requests for other routes, sent at once, all get their answers from one built instance', async () => {
  emulator = await startEmulator();
  const url = emulator.url();
  const answers = await Promise.all([
    rawRequest(url, { method: 'GET', path: '/healthz' }),
    rawRequest(url, { method: 'GET', path: '/_emulator/tasks' }),
    rawRequest(url, { method: 'GET', path: '/sdk/vimServiceVersions.xml' }),
    rawRequest(url, { method: 'GET', path: '/no/such/path' }),
    rawRequest(url, { method: 'POST', path: '/_emulator/tasks', headers: { 'content-type': 'application/json' }, body: '{"initiatedBy": "lazy-first"}' }),
  ]);
  expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 404, 201]);
  expect(JSON.parse(answers[0].body)).toMatchObject({ status: 'ok' });
  expect(answers[2].body).toContain('<namespace>');
  // The task made through the control API is the one the SOAP side sees.
  const listed = await rawRequest(url, { method: 'GET', path: '/_emulator/tasks' });
  expect(listed.body).toContain('lazy-first');
});

test("a GET to /sdk is not a SOAP call: it gets the other routes' 404", async () => {
  emulator = await startEmulator();
  const answer = await rawRequest(emulator.url(), { method: 'GET', path: '/sdk' });
  expect(answer.status).toBe(404);
});

test('close() while the other routes are being built for a first request still ends cleanly', async () => {
  emulator = await startEmulator();
  const pending = rawRequest(emulator.url(), { method: 'GET', path: '/healthz' }).catch((error: unknown) => error);
  const closing = emulator.close();
  emulator = undefined;
  await closing;
  const answer = await pending;
  // Answered before the close took hold, refused while closing, or cut: never left hanging.
  if (!(answer instanceof Error)) expect([200, 503]).toContain((answer as { status: number }).status);
});
