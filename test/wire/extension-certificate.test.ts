// Extension certificate login over raw SOAP: ExtensionManager.SetExtensionCertificate binds a
// certificate (given as PEM, or the TLS client certificate of the connection) to an extension,
// and SessionManager.LoginExtensionByCertificate logs in by the client certificate the
// connection presents, directly over HTTPS or through the SDK tunnel (--tunnel-port: CONNECT
// sdkTunnel:8089, then TLS). Also the tunnel listener's refusals and bounds.

import { Agent, request as httpsRequest } from 'node:https';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Emulator } from '../../src/server/app.js';
import { loadConfig } from '../../src/server/config.js';
import { selfSignedCertificate, type SelfSigned } from '../../src/server/self-signed.js';
import { startEmulator } from '../helpers/emulator.js';
import { envelope, parseSoap, type SoapResponse } from '../helpers/soap-client.js';
import { expectFault, ok, type Xml } from '../helpers/tasks.js';

const EXTENSION = 'com.example.certificate-login';

let emu: Emulator;
let extensionCert: SelfSigned;
let strangerCert: SelfSigned;

beforeAll(async () => {
  emu = await startEmulator({ tls: true, tunnelPort: 0, requestTimeoutMs: 1000 });
  extensionCert = selfSignedCertificate();
  strangerCert = selfSignedCertificate();
});
afterAll(async () => {
  await emu?.close();
});

interface Client {
  readonly agent: Agent;
  cookie: string | undefined;
}

/** A keep-alive HTTPS client on one socket at most, presenting `cert` if given. */
function directClient(cert?: SelfSigned): Client {
  return { agent: new Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false, cert: cert?.cert, key: cert?.key }), cookie: undefined };
}

/** Opens CONNECT sdkTunnel:8089 on the tunnel port; resolves with the status line and the socket. */
function connectTunnel(head = 'CONNECT sdkTunnel:8089 HTTP/1.1\r\nHost: sdkTunnel:8089\r\n\r\n'): Promise<{ status: string; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(emu.tunnelPort!, '127.0.0.1', () => socket.write(head));
    let received = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      resolve({ status: received.subarray(0, received.indexOf('\r\n')).toString(), socket });
    };
    socket.on('data', onData);
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`closed after ${JSON.stringify(received.toString())}`)));
  });
}

/** TLS over an accepted tunnel, presenting `cert` if given, as govmomi and pyVmomi do. */
async function tunnelTls(cert?: SelfSigned): Promise<TLSSocket> {
  const { status, socket } = await connectTunnel();
  expect(status).toBe('HTTP/1.1 200 Connection established');
  return new Promise((resolve, reject) => {
    const tls = tlsConnect({ socket, servername: 'sdkTunnel', rejectUnauthorized: false, cert: cert?.cert, key: cert?.key }, () => resolve(tls));
    tls.on('error', reject);
  });
}

/** A keep-alive client whose one connection is an accepted tunnel (its TLS socket). */
function tunnelClient(socket: TLSSocket): Client {
  class TunnelAgent extends Agent {
    override createConnection(): TLSSocket {
      return socket;
    }
  }
  return { agent: new TunnelAgent({ keepAlive: true, maxSockets: 1 }), cookie: undefined };
}

/** One SOAP call over the client's agent. */
function call(client: Client, method: string, thisType: string, args = ''): Promise<SoapResponse & { reusedSocket: boolean }> {
  const body = envelope(`<${method} xmlns="urn:vim25"><_this type="${thisType}">${thisType}</_this>${args}</${method}>`);
  const url = new URL('/sdk', emu.url());
  const headers: Record<string, string> = { 'content-type': 'text/xml; charset=utf-8', 'content-length': String(Buffer.byteLength(body)) };
  if (client.cookie) headers.cookie = client.cookie;
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: url.hostname, port: url.port, path: '/sdk', method: 'POST', headers, agent: client.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', async () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const setCookie = res.headers['set-cookie'];
        if (setCookie?.length) client.cookie = setCookie[0].split(';')[0];
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, result: await parseSoap(text), reusedSocket: req.reusedSocket });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const EXTENSION_XML = `<extension><description><label>x</label><summary>x</summary></description><key>${EXTENSION}</key><version>1.0</version><lastHeartbeatTime>2026-01-01T00:00:00Z</lastHeartbeatTime></extension>`;
const login = (client: Client, key = EXTENSION) =>
  call(client, 'LoginExtensionByCertificate', 'SessionManager', `<extensionKey>${key}</extensionKey><locale>en_US</locale>`);
const setCertificate = (client: Client, pem?: string) =>
  call(
    client,
    'SetExtensionCertificate',
    'ExtensionManager',
    `<extensionKey>${EXTENSION}</extensionKey>${pem ? `<certificatePem>${pem}</certificatePem>` : ''}`,
  );

async function adminClient(cert?: SelfSigned): Promise<Client> {
  const admin = directClient(cert);
  ok(await call(admin, 'Login', 'SessionManager', '<userName>admin</userName><password>admin</password>'));
  return admin;
}

async function registered(): Promise<Client> {
  emu.inventory.extensionManager.reset();
  const admin = await adminClient();
  ok(await call(admin, 'RegisterExtension', 'ExtensionManager', EXTENSION_XML));
  return admin;
}

describe('SetExtensionCertificate and LoginExtensionByCertificate over HTTPS', () => {
  test('a PEM bound to the extension logs in the connection presenting that certificate, as an extension session', async () => {
    const admin = await registered();
    ok(await setCertificate(admin, extensionCert.cert));
    const extension = directClient(extensionCert);
    const res = await login(extension);
    ok(res);
    const session = (res.result.LoginExtensionByCertificateResponse as Xml).returnval as Xml;
    expect(session).toMatchObject({ userName: EXTENSION, extensionSession: 'true' });
    ok(await call(extension, 'CurrentTime', 'ServiceInstance'));
    const listed = (await emu.control.sessions()).find((s) => s.key === session.key);
    expect(listed).toMatchObject({ userName: EXTENSION, extensionSession: true });
  });

  test("without a PEM the caller's own client certificate is bound", async () => {
    await registered();
    const adminWithCert = await adminClient(extensionCert);
    ok(await setCertificate(adminWithCert));
    ok(await login(directClient(extensionCert)));
    const adminWithout = await adminClient();
    expectFault(await setCertificate(adminWithout), 'NoClientCertificate');
  });

  test('a certificate bound to no extension gets InvalidLogin, and the same connection goes on being served', async () => {
    const admin = await registered();
    ok(await setCertificate(admin, extensionCert.cert));
    const stranger = directClient(strangerCert);
    expectFault(await login(stranger), 'InvalidLogin');
    const again = await call(stranger, 'RetrieveServiceContent', 'ServiceInstance');
    ok(again);
    expect(again.reusedSocket).toBe(true);
    expectFault(await login(directClient(extensionCert), 'com.example.not-registered'), 'InvalidLogin');
    expectFault(await login(directClient()), 'NoClientCertificate');
  });

  test('bad input: an unknown extension is NotFound, a PEM that is no certificate InvalidArgument; unregistering unbinds', async () => {
    const admin = await registered();
    expectFault(
      await call(
        admin,
        'SetExtensionCertificate',
        'ExtensionManager',
        `<extensionKey>com.example.nope</extensionKey><certificatePem>${extensionCert.cert}</certificatePem>`,
      ),
      'NotFound',
    );
    expectFault(await setCertificate(admin, '-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----'), 'InvalidArgument', {
      invalidProperty: 'certificatePem',
    });
    ok(await setCertificate(admin, extensionCert.cert));
    ok(await call(admin, 'UnregisterExtension', 'ExtensionManager', `<extensionKey>${EXTENSION}</extensionKey>`));
    ok(await call(admin, 'RegisterExtension', 'ExtensionManager', EXTENSION_XML));
    expectFault(await login(directClient(extensionCert)), 'InvalidLogin');
  });

  test('SetExtensionCertificate needs Extension.Update and a session', async () => {
    await registered();
    expectFault(await setCertificate(directClient(extensionCert), extensionCert.cert), 'NotAuthenticated');
  });
});

describe('the SDK tunnel (--tunnel-port)', () => {
  test('CONNECT sdkTunnel:8089 then TLS reaches the same /sdk: certificate login, and the cookie works on the main port', async () => {
    const admin = await registered();
    ok(await setCertificate(admin, extensionCert.cert));
    const socket = await tunnelTls(extensionCert);
    const tunneled = tunnelClient(socket);
    const res = await login(tunneled);
    ok(res);
    expect(((res.result.LoginExtensionByCertificateResponse as Xml).returnval as Xml).extensionSession).toBe('true');
    socket.destroy();
    const main = directClient();
    main.cookie = tunneled.cookie;
    ok(await call(main, 'CurrentTime', 'ServiceInstance'));
  });

  test('a wrong certificate through the tunnel gets InvalidLogin, and the tunnel goes on serving calls', async () => {
    const admin = await registered();
    ok(await setCertificate(admin, extensionCert.cert));
    const socket = await tunnelTls(strangerCert);
    const client = tunnelClient(socket);
    expectFault(await login(client), 'InvalidLogin');
    const again = await call(client, 'RetrieveServiceContent', 'ServiceInstance');
    ok(again);
    expect(again.reusedSocket).toBe(true);
    socket.destroy();
  });

  test('anything but CONNECT sdkTunnel:8089 gets a 4xx and the connection closes', async () => {
    const refusal = (head: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = netConnect(emu.tunnelPort!, '127.0.0.1', () => socket.write(head));
        let text = '';
        socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
        socket.on('close', () => resolve(text));
        socket.on('error', reject);
      });
    expect(await refusal('GET /sdk HTTP/1.1\r\nHost: x\r\n\r\n')).toMatch(/^HTTP\/1\.1 405 /);
    expect(await refusal('CONNECT example.com:443 HTTP/1.1\r\nHost: x\r\n\r\n')).toMatch(/^HTTP\/1\.1 403 /);
    expect(await refusal('garbage\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
    expect(await refusal(`CONNECT sdkTunnel:8089 HTTP/1.1\r\nX-Long: ${'a'.repeat(20_000)}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431 /);
    // Still serving after all that.
    const socket = await tunnelTls();
    ok(await call(tunnelClient(socket), 'RetrieveServiceContent', 'ServiceInstance'));
    socket.destroy();
  });

  test('garbage instead of a TLS handshake after the CONNECT closes that connection only', async () => {
    const { status, socket } = await connectTunnel();
    expect(status).toBe('HTTP/1.1 200 Connection established');
    await new Promise<void>((resolve) => {
      socket.on('close', () => resolve());
      socket.on('error', () => {});
      socket.write('POST /sdk HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(50));
    });
    const tls = await tunnelTls();
    ok(await call(tunnelClient(tls), 'RetrieveServiceContent', 'ServiceInstance'));
    tls.destroy();
  });

  test('a client that never finishes its CONNECT request is closed after the request timeout', async () => {
    const began = Date.now();
    await new Promise<void>((resolve, reject) => {
      const socket = netConnect(emu.tunnelPort!, '127.0.0.1', () => socket.write('CONNECT sdkTunnel:8089 HTTP/1.1\r\n'));
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    // requestTimeoutMs is 1 s here; 10x headroom.
    expect(Date.now() - began).toBeLessThan(10_000);
  });

  test('the tunnel needs TLS', () => {
    expect(() => loadConfig(['--http', '--tunnel-port', '0'], {})).toThrow(/needs TLS/);
  });
});

describe('closing an emulator with a tunnel', () => {
  test('tunnel connections, idle between calls or still in their CONNECT, do not hold up close()', async () => {
    const own = await startEmulator({ tls: true, tunnelPort: 0 });
    const pendingSocket = netConnect(own.tunnelPort!, '127.0.0.1', () => pendingSocket.write('CONNECT sdkTunnel'));
    pendingSocket.on('error', () => {});
    const socket = netConnect(own.tunnelPort!, '127.0.0.1', () => socket.write('CONNECT sdkTunnel:8089 HTTP/1.1\r\n\r\n'));
    await new Promise((resolve) => socket.once('data', resolve));
    const tls = await new Promise<TLSSocket>((resolve, reject) => {
      const t = tlsConnect({ socket, servername: 'sdkTunnel', rejectUnauthorized: false }, () => resolve(t));
      t.on('error', reject);
    });
    tls.on('error', () => {});
    const url = new URL(own.url());
    const client = tunnelClient(tls);
    const body = envelope('<RetrieveServiceContent xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this></RetrieveServiceContent>');
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest(
        { host: url.hostname, port: url.port, path: '/sdk', method: 'POST', headers: { 'content-type': 'text/xml' }, agent: client.agent },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(status).toBe(200);
    const began = Date.now();
    await own.close();
    expect(Date.now() - began).toBeLessThan(5000);
    tls.destroy();
    pendingSocket.destroy();
  });
});
