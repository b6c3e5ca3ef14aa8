// The HTTP and SOAP envelope layer as clients meet it: prefixes, chunked bodies, SOAPAction,
// fault shape, documents served, HTTPS, and bad input that must get a fault and not hurt the server.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startLoggedIn, type Running, type SoapConnection } from '../helpers/emulator.js';
import { envelope, parseSoap, rawRequest, type SoapSession } from '../helpers/soap-client.js';
import { createTask, expectFault, ok, readInfo, type Xml } from '../helpers/tasks.js';

let emulator: Running<SoapConnection>;
let admin: SoapSession;
beforeAll(async () => {
  emulator = await startLoggedIn();
  admin = emulator.session;
});
afterAll(async () => {
  await emulator.close();
});

const serviceContent = '<RetrieveServiceContent xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this></RetrieveServiceContent>';

async function post(body: string, headers: Record<string, string> = { 'content-type': 'text/xml; charset=utf-8' }, chunked = false) {
  const res = await rawRequest(emulator.url(), { body, headers: { ...headers, ...(admin.cookie ? { cookie: admin.cookie } : {}) }, chunked });
  return { ...res, result: res.body.startsWith('<?xml') ? await parseSoap(res.body) : {} };
}

describe('envelopes and transport', () => {
  test('pyVmomi-style soapenv: prefixed and govmomi-style default-namespace envelopes both work', async () => {
    ok(await post(envelope(serviceContent, 'pyvmomi')));
    ok(await post(envelope(serviceContent, 'govmomi')));
    ok(await post(`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header/><s:Body>${serviceContent}</s:Body></s:Envelope>`));
  });

  test('a chunked body (govmomi) is read whole', async () => {
    const res = await post(envelope(serviceContent, 'govmomi'), { 'content-type': 'text/xml; charset="utf-8"', 'transfer-encoding': 'chunked' }, true);
    ok(res);
  });

  test('SOAPAction is ignored: any version, quoted or not, or none', async () => {
    for (const action of ['"urn:vim25/6.7.1"', 'urn:vim25/7.0', 'urn:vim25/9.1.0.0', 'nonsense']) {
      ok(await post(envelope(serviceContent), { 'content-type': 'text/xml', soapaction: action }));
    }
    ok(await post(envelope(serviceContent), { 'content-type': 'text/xml' }));
  });

  test('responses declare soapenv, xsd and xsi and answer with <XResponse xmlns="urn:vim25">', async () => {
    const res = await post(envelope(serviceContent));
    expect(res.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(res.body).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<soapenv:Envelope /);
    for (const ns of [
      'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"',
      'xmlns:xsd="http://www.w3.org/2001/XMLSchema"',
      'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"',
    ]) {
      expect(res.body).toContain(ns);
    }
    expect(res.body).toContain('<RetrieveServiceContentResponse xmlns="urn:vim25"><returnval>');
  });

  test('faults: HTTP 500, soapenv:Fault, ServerFaultCode, unprefixed faultstring and detail, <XFault xmlns="urn:vim25" xsi:type="X">', async () => {
    const res = await post(envelope('<CancelTask xmlns="urn:vim25"><_this type="Task">task-424242</_this></CancelTask>'));
    expect(res.status).toBe(500);
    expect(res.body).toMatch(
      /<soapenv:Body><soapenv:Fault><faultcode>ServerFaultCode<\/faultcode><faultstring>[^<]+<\/faultstring><detail><ManagedObjectNotFoundFault xmlns="urn:vim25" xsi:type="ManagedObjectNotFound"><obj type="Task">task-424242<\/obj><\/ManagedObjectNotFoundFault><\/detail><\/soapenv:Fault><\/soapenv:Body>/,
    );
  });

  test('POST /sdk/vimService is an alias of /sdk', async () => {
    const res = await rawRequest(emulator.url(), { path: '/sdk/vimService', body: envelope(serviceContent), headers: { 'content-type': 'text/xml' } });
    expect(res.status).toBe(200);
  });
});

describe('documents around the endpoint', () => {
  test('GET /sdk/vimServiceVersions.xml lists a version pyVmomi 6.7.1 knows', async () => {
    const res = await rawRequest(emulator.url(), { method: 'GET', path: '/sdk/vimServiceVersions.xml' });
    expect(res.status).toBe(200);
    expect(res.body).toContain('<namespaces version="1.0">');
    expect(res.body).toContain('<name>urn:vim25</name>');
    expect(res.body).toContain('<version>6.7.1</version>');
  });
  test('GET /healthz', async () => {
    const res = await rawRequest(emulator.url(), { method: 'GET', path: '/healthz' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).status).toBe('ok');
  });
});

describe('bad input gets a fault and the server keeps serving', () => {
  const cases: Array<[string, string, string]> = [
    ['malformed XML', '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><Oops>', 'InvalidRequest'],
    ['not XML at all', 'hello', 'InvalidRequest'],
    ['an empty body', '', 'InvalidRequest'],
    ['a non-SOAP document', '<a><b/></a>', 'InvalidRequest'],
    [
      'a DOCTYPE with entities',
      '<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol">]><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>&lol;</soapenv:Body></soapenv:Envelope>',
      'InvalidRequest',
    ],
    ['a SOAP 1.2 envelope', `<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body>${serviceContent}</e:Body></e:Envelope>`, 'InvalidRequest'],
    ['two Body children', envelope(serviceContent + serviceContent), 'InvalidRequest'],
    ['an unknown operation', envelope('<FlyToTheMoon xmlns="urn:vim25"><_this type="Task">task-1</_this></FlyToTheMoon>'), 'MethodNotFound'],
    [
      'a known operation on the wrong object type',
      envelope('<CancelTask xmlns="urn:vim25"><_this type="TaskManager">TaskManager</_this></CancelTask>'),
      'MethodNotFound',
    ],
    ['a missing required argument', envelope('<SetTaskState xmlns="urn:vim25"><_this type="Task">task-1</_this></SetTaskState>'), 'InvalidRequest'],
    ['an unexpected argument', envelope('<CancelTask xmlns="urn:vim25"><_this type="Task">task-1</_this><force>true</force></CancelTask>'), 'InvalidRequest'],
    [
      'a mistyped argument (boolean)',
      envelope(
        '<CreateTask xmlns="urn:vim25"><_this type="TaskManager">TaskManager</_this><obj type="Folder">group-d1</obj><taskTypeId>x</taskTypeId><cancelable>maybe</cancelable></CreateTask>',
      ),
      'InvalidRequest',
    ],
    [
      'a moref argument without a type',
      envelope(
        '<CreateTask xmlns="urn:vim25"><_this type="TaskManager">TaskManager</_this><obj>group-d1</obj><taskTypeId>x</taskTypeId><cancelable>true</cancelable></CreateTask>',
      ),
      'InvalidRequest',
    ],
    [
      'a wrong xsi:type for a data object',
      envelope(
        '<SetTaskDescription xmlns="urn:vim25"><_this type="Task">task-1</_this><description xsi:type="KeyValue"><key>k</key><value>v</value></description></SetTaskDescription>',
      ),
      'InvalidRequest',
    ],
    [
      'a description string over 1 MiB',
      envelope(
        `<SetTaskDescription xmlns="urn:vim25"><_this type="Task">task-1</_this><description><key>k</key><message>${'x'.repeat((1 << 20) + 1)}</message></description></SetTaskDescription>`,
      ),
      'InvalidRequest',
    ],
  ];
  for (const [name, body, fault] of cases) {
    test(`${name} → ${fault}`, async () => {
      expectFault(await post(body), fault);
      ok(await post(envelope(serviceContent)));
    });
  }

  test('a body larger than the limit is refused with HTTP 413', async () => {
    const res = await rawRequest(emulator.url(), { body: 'x'.repeat(5 * 1024 * 1024), headers: { 'content-type': 'text/xml' } });
    expect(res.status).toBe(413);
  });

  test('state is intact after the bad requests', async () => {
    const task = await createTask(admin);
    expect((await readInfo(admin, task)).state).toBe('queued');
    const dummy: Xml = {};
    expect(dummy).toEqual({});
  });
});

describe('HTTPS (the default)', () => {
  test('serves SOAP over TLS with a self-signed certificate', async () => {
    const secure = await startLoggedIn({ tls: true });
    try {
      expect(secure.url()).toMatch(/^https:\/\//);
      // The session keeps the Set-Cookie its Login was answered with.
      expect(secure.session.cookie).toContain('; Secure');
    } finally {
      await secure.close();
    }
  });
});

describe('transport-level checks', () => {
  test('a Content-Type that is not XML is refused with 415; a non-UTF-8 charset too', async () => {
    const form = await rawRequest(emulator.url(), { body: envelope(serviceContent), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(form.status).toBe(415);
    const latin = await rawRequest(emulator.url(), { body: envelope(serviceContent), headers: { 'content-type': 'text/xml; charset=ISO-8859-1' } });
    expect(latin.status).toBe(415);
    expect(latin.body).toMatch(/UTF-8/);
    ok(await post(envelope(serviceContent), { 'content-type': 'application/soap+xml; charset=utf-8' }));
  });

  test('invalid UTF-8 is refused with 400, not decoded into replacement characters', async () => {
    const bytes = Buffer.concat([
      Buffer.from(envelope('<SetTaskDescription xmlns="urn:vim25"><_this type="Task">task-1</_this><description><key>k</key><message>')),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from('</message></description></SetTaskDescription>'),
    ]);
    const res = await rawRequest(emulator.url(), { body: bytes, headers: { 'content-type': 'text/xml' } });
    expect(res.status).toBe(400);
    expect(res.body).toMatch(/not valid UTF-8/);
    ok(await post(envelope(serviceContent)));
  });
});

test('a body that arrives too slowly gets HTTP 408 and the server keeps serving', async () => {
  const slow = await startLoggedIn({ requestTimeoutMs: 500 }, { user: 'a', password: 'b' });
  try {
    const { connect } = await import('node:net');
    const { port } = new URL(slow.url());
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write('POST /sdk HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 1000\r\n\r\n<soapenv:Envelope');
      });
      let data = '';
      socket.on('data', (d) => (data += d.toString()));
      socket.on('close', () => resolve(data));
      setTimeout(() => socket.destroy(), 5000);
    });
    expect(answer).toMatch(/^HTTP\/1.1 408/);
    await slow.login('a', 'b');
  } finally {
    await slow.close();
  }
});

describe('the /sdk listener ahead of fastify', () => {
  /** Writes raw HTTP on a socket and returns everything the server sends before it closes (or 3 s pass). */
  async function exchange(write: (socket: import('node:net').Socket) => void): Promise<string> {
    const { connect } = await import('node:net');
    const { port } = new URL(emulator.url());
    return new Promise<string>((resolve) => {
      let data = '';
      const socket = connect(Number(port), '127.0.0.1', () => write(socket));
      socket.on('data', (d) => (data += d.toString()));
      socket.on('error', () => {});
      socket.on('close', () => resolve(data));
      setTimeout(() => socket.destroy(), 3000);
    });
  }

  test('a chunked body that grows past the limit gets 413 while it is still arriving, and the connection closes', async () => {
    const answer = await exchange((socket) => {
      socket.write('POST /sdk HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n');
      const chunk = 'x'.repeat(1 << 20);
      // 6 MiB in 1 MiB chunks, over the 4 MiB default; the body is never finished.
      for (let i = 0; i < 6; i++) socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    });
    expect(answer).toMatch(/^HTTP\/1.1 413/);
    expect(answer.toLowerCase()).toContain('connection: close');
    ok(await post(envelope(serviceContent)));
  });

  test('a client that leaves in the middle of a body costs nothing: the server keeps serving', async () => {
    const { connect } = await import('node:net');
    const { port } = new URL(emulator.url());
    await new Promise<void>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write('POST /sdk HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 5000\r\n\r\n<soapenv:Envelope');
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 50);
      });
    });
    ok(await post(envelope(serviceContent)));
  });

  test('/sdk/vimService and a query string reach the SOAP endpoint too', async () => {
    for (const path of ['/sdk/vimService', '/sdk?x=1']) {
      const res = await rawRequest(emulator.url(), { path, body: envelope(serviceContent), headers: { 'content-type': 'text/xml' } });
      expect(res.status, path).toBe(200);
      expect(res.body).toContain('<RetrieveServiceContentResponse xmlns="urn:vim25">');
    }
  });

  test("other methods and paths are fastify's: GET /sdk is 404, the documents and /healthz are served", async () => {
    expect((await rawRequest(emulator.url(), { method: 'GET', path: '/sdk' })).status).toBe(404);
    expect(
      (await rawRequest(emulator.url(), { method: 'POST', path: '/sdkx', body: envelope(serviceContent), headers: { 'content-type': 'text/xml' } })).status,
    ).toBe(404);
    expect((await rawRequest(emulator.url(), { method: 'GET', path: '/healthz' })).status).toBe(200);
    expect((await rawRequest(emulator.url(), { method: 'GET', path: '/sdk/vimService.wsdl' })).body).toContain('<service name="VimService">');
  });

  test('a request without a Content-Type is refused with 415', async () => {
    const answer = await exchange((socket) => {
      socket.write(`POST /sdk HTTP/1.1\r\nHost: x\r\nContent-Length: ${Buffer.byteLength(envelope(serviceContent))}\r\n\r\n${envelope(serviceContent)}`);
    });
    expect(answer).toMatch(/^HTTP\/1.1 415/);
  });
});
