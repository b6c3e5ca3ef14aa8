// Every route but the SOAP endpoint (control API, Recent Tasks page, WSDL files, health check)
// lives in a second fastify instance, built on the first request for one of them
// (src/server/lazy-app.ts), so a start registers one route instead of sixty.

import { afterEach, expect, test } from 'vitest';
import type { Emulator } from '../../src/server/app.js';
import { startEmulator } from '../helpers/emulator.js';
import { envelope, rawRequest, SoapSession } from '../helpers/soap-client.js';
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

test('a SOAP call in absolute form (through a proxy) or with an escaped path reaches the SOAP endpoint, as fastify routes it', async () => {
  emulator = await startEmulator();
  const body = envelope('<RetrieveServiceContent xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this></RetrieveServiceContent>');
  for (const target of [`${emulator.url()}/sdk`, `${emulator.url()}/sdk?x=1`, '/%73dk', '/sdk/vim%53ervice']) {
    const answer = await rawRequest(emulator.url(), { target, headers: { 'content-type': 'text/xml; charset=utf-8' }, body });
    expect(answer.status, target).toBe(200);
    expect(answer.body, target).toContain('RetrieveServiceContentResponse');
  }
});

test('otherRoutes() builds the other instance on demand, for inject()', async () => {
  emulator = await startEmulator();
  const other = await emulator.otherRoutes();
  expect(other).toBe(await emulator.otherRoutes());
  const health = await other.inject({ method: 'GET', url: '/healthz' });
  expect(health.statusCode).toBe(200);
  expect(health.json()).toMatchObject({ status: 'ok' });
});
