// The embedding API: startEmulator from the package entry point. Two emulators with different
// settings run in one process and share nothing; an HTTPS one is reached by trusting the PEM it
// returns, with verification on.

import https from 'node:https';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ControlApiError, startEmulator, type RunningEmulator } from '../../src/index.js';
import { envelope, SoapSession } from '../helpers/soap-client.js';
import { createTask, ok } from '../helpers/tasks.js';

function get(url: string, options: https.RequestOptions): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { ...options, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function aboutOf(body: string): { apiVersion: string | undefined; version: string | undefined } {
  return { apiVersion: /<apiVersion>([^<]*)</.exec(body)?.[1], version: /<version>([^<]*)</.exec(body)?.[1] };
}

describe('two emulators in one process', () => {
  let a: RunningEmulator;
  let b: RunningEmulator;
  beforeAll(async () => {
    a = await startEmulator({ tls: true, apiVersion: '6.7.3', productVersion: '6.7.3' });
    b = await startEmulator({ tls: false, apiVersion: '8.0.2.0', productVersion: '8.0.2', controlToken: 'secret-b', cancelMode: 'cooperative' });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  test('defaults: loopback, a free port each, the /sdk URL; the PEM only over HTTPS', () => {
    expect(a.url).toBe(`https://127.0.0.1:${a.port}/sdk`);
    expect(b.url).toBe(`http://127.0.0.1:${b.port}/sdk`);
    expect(a.port).toBeGreaterThan(0);
    expect(a.port).not.toBe(b.port);
    expect(a.certificatePem).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(b.certificatePem).toBeUndefined();
  });

  test('each serves its own settings over SOAP', async () => {
    const content = '<RetrieveServiceContent xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this></RetrieveServiceContent>';
    const fromA = await new SoapSession(a.url.replace(/\/sdk$/, '')).send(envelope(content));
    const fromB = await new SoapSession(b.url.replace(/\/sdk$/, '')).send(envelope(content));
    expect(aboutOf(fromA.body)).toEqual({ apiVersion: '6.7.3', version: '6.7.3' });
    expect(aboutOf(fromB.body)).toEqual({ apiVersion: '8.0.2.0', version: '8.0.2' });
  });

  test('tasks, rules, seeds and resets of one are invisible to the other', async () => {
    const seeded = await a.control.seed({
      tasks: [{ state: 'running', initiatedBy: 'seeded-in-a' }],
      faults: [{ method: 'CancelTask', fault: { type: 'NotSupported' } }],
    });
    expect(seeded.tasks).toHaveLength(1);
    await b.control.latency.add({ method: 'UpdateProgress', delayMs: 5 });

    expect((await a.control.tasks.list()).map((t) => t.key)).toEqual(seeded.tasks);
    expect(await b.control.tasks.list()).toEqual([]);
    expect(await a.control.faults.list()).toHaveLength(1);
    expect(await b.control.faults.list()).toEqual([]);
    expect(await a.control.latency.list()).toEqual([]);
    expect(await b.control.latency.list()).toHaveLength(1);

    // A task made over SOAP in B; the task keys of the two do not collide into one store.
    const session = new SoapSession(b.url.replace(/\/sdk$/, ''));
    ok(await session.login());
    const taskInB = await createTask(session);
    expect((await b.control.tasks.list()).map((t) => t.key)).toEqual([taskInB]);
    expect((await a.control.tasks.list()).map((t) => t.key)).toEqual(seeded.tasks);

    await b.control.reset();
    expect(await b.control.tasks.list()).toEqual([]);
    expect(await b.control.latency.list()).toEqual([]);
    expect((await a.control.tasks.list()).map((t) => t.key)).toEqual(seeded.tasks);
    expect(await a.control.faults.list()).toHaveLength(1);
    await a.control.reset();
  });

  test("B's control token guards B only; the client sends it, a client without it is refused", async () => {
    const { ControlClient } = await import('../../src/index.js');
    const anonymous = new ControlClient({ baseUrl: b.url });
    await expect(anonymous.tasks.list()).rejects.toMatchObject({ status: 401 });
    await expect(a.control.tasks.list()).resolves.toEqual([]);
  });

  test('a refusal is a ControlApiError with the status and the message', async () => {
    const error = await a.control.tasks.get('task-404').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ControlApiError);
    expect(error).toMatchObject({ status: 404 });
  });
});

describe('TLS with the returned certificate', () => {
  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(async () => {
    await emulator?.close();
  });

  test('HTTPS by default; a client that trusts certificatePem connects with verification on', async () => {
    expect(emulator.url.startsWith('https://127.0.0.1:')).toBe(true);
    const versions = await get(`${emulator.url}/vimServiceVersions.xml`, { ca: emulator.certificatePem, rejectUnauthorized: true });
    expect(versions.status).toBe(200);
    expect(versions.body).toContain('urn:vim25');
    // The control client trusts it the same way.
    expect(await emulator.control.tasks.list()).toEqual([]);
  });

  test('without the PEM, verification refuses the self-signed certificate (so the test above proves trust)', async () => {
    await expect(get(`${emulator.url}/vimServiceVersions.xml`, { rejectUnauthorized: true })).rejects.toThrow(/self[- ]signed|unable to verify/i);
  });

  test('the certificate names localhost as well as 127.0.0.1', async () => {
    const versions = await get(`https://localhost:${emulator.port}/sdk/vimServiceVersions.xml`, {
      ca: emulator.certificatePem,
      rejectUnauthorized: true,
      family: 4,
    });
    expect(versions.status).toBe(200);
  });
});

test('close() frees the port and stops answering', async () => {
  const emulator = await startEmulator({ tls: false });
  await emulator.close();
  await expect(emulator.control.tasks.list()).rejects.toThrow(/ECONNREFUSED/);
});

test('close() ends even while a client holds a connection on which it never sent a request', async () => {
  for (const tls of [false, true]) {
    const emulator = await startEmulator({ tls });
    const silent = net.connect(emulator.port, '127.0.0.1');
    await new Promise((resolve) => silent.once('connect', resolve));
    const started = Date.now();
    await emulator.close();
    // The grace period is one second; ten leave room for a loaded machine, none for a hang.
    expect(Date.now() - started).toBeLessThan(10_000);
    silent.destroy();
  }
}, 30_000);
