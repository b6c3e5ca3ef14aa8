// The wire trace's ring, through GET /_emulator/trace and the typed control client: every SOAP
// exchange with its bodies, user, status and duration; passwords, session ids and cookies
// redacted; bounded by count and bytes; paged by `since`; refused while the ring is off; behind
// the control token like every control route.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ControlApiError, ControlClient } from '../../src/control/client.js';
import type { TraceEntry, TracePage } from '../../src/control/trace.js';
import { startEmulator, startLoggedIn, type Running, type SoapConnection } from '../helpers/emulator.js';
import { envelope, rawRequest, SoapSession } from '../helpers/soap-client.js';
import { ok } from '../helpers/tasks.js';

async function trace(base: string, query = '', headers: Record<string, string> = {}): Promise<{ status: number; json: TracePage & { error?: string } }> {
  const res = await rawRequest(base, { method: 'GET', path: `/_emulator/trace${query}`, headers });
  return { status: res.status, json: JSON.parse(res.body) as TracePage & { error?: string } };
}

describe('with a ring of 50 exchanges', () => {
  let running: Running<SoapConnection>;
  beforeAll(async () => {
    running = await startLoggedIn({ traceRing: 50 }, { user: 'alice', password: 'sup3r-secret' });
  });
  afterAll(async () => {
    await running.close();
  });

  test('each exchange: id, time, user, method, _this, status, fault, duration and both bodies; the password redacted', async () => {
    const s = running.session;
    const fault = await s.call('CancelTask', 'Task', 'task-404');
    expect(fault.status).toBe(500);
    const { status, json } = await trace(running.url());
    expect(status).toBe(200);
    const [login, cancel] = json.exchanges;
    expect(login).toMatchObject({ id: 1, user: 'alice', method: 'Login', this: 'SessionManager:SessionManager', status: 200, fault: null });
    expect(login.request).toContain('<password>[redacted]</password>');
    expect(login.request).toContain('<userName>alice</userName>');
    expect(login.response).toContain('<LoginResponse');
    expect(cancel).toMatchObject({ id: 2, user: 'alice', method: 'CancelTask', this: 'Task:task-404', status: 500, fault: 'ManagedObjectNotFound' });
    expect(cancel.response).toBe(fault.body);
    expect(typeof cancel.ms).toBe('number');
    expect(cancel.ms).toBeGreaterThanOrEqual(0);
    expect(Date.now() - Date.parse(cancel.time)).toBeLessThan(60_000);
    expect(json.last).toBe(2);
    expect(json.truncated).toBe(false);
    expect(json.fileDropped).toBe(0);
    const all = JSON.stringify(json);
    expect(all).not.toContain('sup3r-secret');
    // The cookie travels in headers, which the trace never records; the session id never shows.
    expect(all).not.toContain(s.cookie!.split(';')[0].split('=')[1].replace(/"/g, ''));
  });

  test('?since=ID: only the exchanges after it; last says where to continue', async () => {
    const before = (await trace(running.url())).json.last;
    await running.session.call('RetrieveServiceContent', 'ServiceInstance', 'ServiceInstance');
    const page = (await trace(running.url(), `?since=${before}`)).json;
    expect(page.exchanges.map((e) => e.id)).toEqual([before + 1]);
    expect(page.exchanges[0].method).toBe('RetrieveServiceContent');
    expect(page.last).toBe(before + 1);
    expect((await trace(running.url(), `?since=${page.last}`)).json.exchanges).toEqual([]);
  });

  test('secrets under any prefix and in any method: password, sessionId, cloneTicket, the WS-Security header', async () => {
    const before = (await trace(running.url())).json.last;
    const anonymous = new SoapSession(running.url());
    await anonymous.send(
      envelope(
        '<vim:Login xmlns:vim="urn:vim25"><vim:_this type="SessionManager">SessionManager</vim:_this><vim:userName>bob</vim:userName><vim:password>pw-one</vim:password></vim:Login>',
      ),
    );
    await anonymous.call('LoginBySessionId', 'SessionManager', 'SessionManager', '<sessionId>sid-two</sessionId>');
    await anonymous.call('CloneSession', 'SessionManager', 'SessionManager', '<cloneTicket>ticket-three</cloneTicket>');
    const withHeader = envelope('<Logout xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this></Logout>').replace(
      '<soapenv:Body>',
      '<soapenv:Header><wsse:Security xmlns:wsse="urn:x"><Assertion>saml-four</Assertion></wsse:Security></soapenv:Header><soapenv:Body>',
    );
    await anonymous.send(withHeader);
    const page = (await trace(running.url(), `?since=${before}`)).json;
    expect(page.exchanges.map((e) => e.method)).toEqual(['Login', 'LoginBySessionId', 'CloneSession', 'Logout']);
    const all = JSON.stringify(page);
    for (const secret of ['pw-one', 'sid-two', 'ticket-three', 'saml-four']) expect(all).not.toContain(secret);
    expect(page.exchanges[0].request).toContain('<vim:password>[redacted]</vim:password>');
    expect(page.exchanges[0].user).toBe('bob');
    expect(page.exchanges[3].request).toContain('<wsse:Security xmlns:wsse="urn:x">[redacted]</wsse:Security>');
  });

  test('a request that is not XML is traced too, with an empty method', async () => {
    const before = (await trace(running.url())).json.last;
    const res = await rawRequest(running.url(), { body: 'not xml', headers: { 'content-type': 'text/xml' } });
    expect(res.status).toBe(500);
    const [entry] = (await trace(running.url(), `?since=${before}`)).json.exchanges;
    expect(entry).toMatchObject({ method: '', this: null, user: null, status: 500, fault: 'InvalidRequest', request: 'not xml' });
  });

  test('the typed control client reads the same pages', async () => {
    const client = new ControlClient({ baseUrl: `${running.url()}/sdk` });
    const all = await client.trace();
    expect(all.exchanges.length).toBeGreaterThan(2);
    const newer = await client.trace(all.last - 1);
    expect(newer.exchanges.map((e: TraceEntry) => e.id)).toEqual([all.last]);
  });

  test('a since that is not a whole number: 400', async () => {
    for (const query of ['?since=-1', '?since=abc', '?since=1.5', '?other=1']) {
      const { status, json } = await trace(running.url(), query);
      expect(status, query).toBe(400);
      expect(json.error).toBeTruthy();
    }
  });
});

test('bounded by count: only the newest N stay, and truncated says some after `since` are gone', async () => {
  const running = await startLoggedIn({ traceRing: 3 });
  try {
    for (let i = 0; i < 4; i++) ok(await running.session.call('RetrieveServiceContent', 'ServiceInstance', 'ServiceInstance'));
    const page = (await trace(running.url())).json;
    expect(page.exchanges.map((e) => e.id)).toEqual([3, 4, 5]);
    expect(page.truncated).toBe(true);
    expect((await trace(running.url(), '?since=2')).json.truncated).toBe(false);
  } finally {
    await running.close();
  }
});

test('bounded by bytes: old exchanges go first, and one larger than the bound is kept with its bodies cut', async () => {
  const running = await startLoggedIn({ traceRing: 1000, traceRingBytes: 6000 });
  try {
    for (let i = 0; i < 5; i++) ok(await running.session.call('RetrieveServiceContent', 'ServiceInstance', 'ServiceInstance'));
    const page = (await trace(running.url())).json;
    const bytes = page.exchanges.reduce((sum, e) => sum + Buffer.byteLength(e.request) + Buffer.byteLength(e.response), 0);
    expect(bytes).toBeLessThanOrEqual(6000);
    expect(page.exchanges.at(-1)!.id).toBe(page.last);
    expect(page.exchanges.length).toBeLessThan(6);
    const big = `<description>${'x'.repeat(20_000)}</description>`;
    await running.session.call('RetrieveServiceContent', 'ServiceInstance', 'ServiceInstance', big);
    const [entry] = (await trace(running.url(), `?since=${page.last}`)).json.exchanges;
    expect(Buffer.byteLength(entry.request)).toBeLessThanOrEqual(3000);
    expect(entry.request).toMatch(/…\[cut: \d+ bytes\]$/);
  } finally {
    await running.close();
  }
});

test('the ring off (the default): 409 that says how to turn it on', async () => {
  const emulator = await startEmulator();
  try {
    const { status, json } = await trace(emulator.url());
    expect(status).toBe(409);
    expect(json.error).toMatch(/--trace-ring/);
    const client = new ControlClient({ baseUrl: emulator.url() });
    await expect(client.trace()).rejects.toBeInstanceOf(ControlApiError);
  } finally {
    await emulator.close();
  }
});

test('behind the control token like every control route', async () => {
  const emulator = await startEmulator({ traceRing: 10, controlToken: 'tok' });
  try {
    expect((await trace(emulator.url())).status).toBe(401);
    expect((await trace(emulator.url(), '', { authorization: 'Bearer tok' })).status).toBe(200);
  } finally {
    await emulator.close();
  }
});
